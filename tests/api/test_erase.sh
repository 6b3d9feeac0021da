#!/usr/bin/env bash
# Erasure over HTTP while the server runs: DELETE /api/me (401 without a session, 403 with a
# wrong password, 200 with the counts) and DELETE /api/users/{id} (admins only; 404 for an
# unknown id). Afterwards the person's session is dead, the neighbour's reply to their post
# is readable under an author named "deleted", the live DorfFunk stream no longer replays
# their post, and, with the server still running, neither the database file nor its
# write-ahead log holds any of their strings.
# Usage: test_erase.sh path/to/dorf
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${DORF_TEST_DATA:-$here/../data}
work=$(mktemp -d /tmp/dorf-erase-api-XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
source "$here/../cli/lib.sh"
db=$work/v.dorf

"$dorf" import --quiet --db "$db" "$data/village.osm" || fail setup "import failed"
printf 'admin-password-1\n' | "$dorf" account add --db "$db" --email admin@dorf.test \
    --name Admin --roles admin >/dev/null || fail setup "admin account"

"$dorf" serve --db "$db" --listen 127.0.0.1:0 2>"$work/serve.err" &
pid=$!
base=
for _ in $(seq 200); do
    base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.err" | head -1)
    [[ -n $base ]] && break
    sleep 0.05
done
[[ -n $base ]] || fail serve "the server did not start: $(cat "$work/serve.err")"

python3 - "$base" "$db" <<'PY' && ok http-erase || fail http-erase "see above"
import http.client, json, os, sys, urllib.error, urllib.request

BASE, DB = sys.argv[1], sys.argv[2]
failed = 0
ERIKA = {"email": "erika.http9@example.org", "name": "Erika Httpmuster",
         "password": "erika-password-77"}
SECRETS = [ERIKA["email"], ERIKA["name"], "ERIKA-HTTP-title-1618", "ERIKA-HTTP-body-1414",
           "ERIKA-HTTP-reply-1732", ERIKA["password"]]


def check(cond, what):
    global failed
    if not cond:
        failed += 1
        print("FAIL", what)


def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text, status = r.read(), r.status
    except urllib.error.HTTPError as e:
        text, status = e.read(), e.code
    return status, json.loads(text) if text else None


def account(email, name, password, roles):
    status, _ = call("POST", "/api/register",
                     {"email": email, "name": name, "password": password, "roles": roles})
    check(status == 201, "register %s: %s" % (email, status))
    status, body = call("POST", "/api/login", {"email": email, "password": password})
    return body["token"], body["user"]["id"]


def traces():
    found = []
    for path in (DB, DB + "-wal"):
        data = open(path, "rb").read() if os.path.exists(path) else b""
        found += ["%s in %s" % (s, os.path.basename(path)) for s in SECRETS
                  if s.encode() in data]
    return found


def replay(token):
    """Everything the live stream still keeps for a client that saw nothing yet."""
    host = BASE.split("//")[1]
    conn = http.client.HTTPConnection(host, timeout=5)
    conn.request("GET", "/api/funk/help/stream",
                 headers={"Authorization": "Bearer " + token, "Last-Event-ID": "0"})
    r = conn.getresponse()
    text = ""
    try:
        while "Nora" not in text:
            line = r.fp.readline().decode()
            if not line:
                break
            text += line
    except OSError:
        pass
    conn.close()
    return text


admin = call("POST", "/api/login", {"email": "admin@dorf.test",
                                    "password": "admin-password-1"})[1]["token"]
erika, erika_id = account(ERIKA["email"], ERIKA["name"], ERIKA["password"],
                          ["citizen", "volunteer"])
nora, nora_id = account("nora@example.org", "Nora", "nora-password-1", ["citizen"])
status, post = call("POST", "/api/funk/help", {"title": "ERIKA-HTTP-title-1618",
                                               "body": "ERIKA-HTTP-body-1414"}, erika)
check(status == 201, "Erika posts: %s" % status)
status, npost = call("POST", "/api/funk/help", {"title": "Nora needs a ladder",
                                                "body": "Nora asks"}, nora)
status, reply = call("POST", "/api/posts/%d/replies" % post["id"], {"body": "Nora replies"},
                     nora)
check(status == 201, "Nora replies: %s" % status)
status, _ = call("POST", "/api/posts/%d/replies" % npost["id"],
                 {"body": "ERIKA-HTTP-reply-1732"}, erika)
check(status == 201, "Erika replies: %s" % status)
check("ERIKA-HTTP-body-1414" in replay(nora), "the stream replays Erika's post before")
check(len(traces()) > 0, "the scan sees Erika before the erasure")

status, _ = call("DELETE", "/api/me", {"password": ERIKA["password"]})
check(status == 401, "DELETE /api/me without a session: %s" % status)
status, body = call("DELETE", "/api/me", {"password": "not-her-password"}, erika)
check(status == 403 and "password" in body["error"]["message"],
      "a wrong password: %s %s" % (status, body))
status, body = call("DELETE", "/api/me", {}, erika)
check(status == 400, "no password: %s" % status)
status, body = call("DELETE", "/api/users/%d" % erika_id, None, nora)
check(status == 403, "a citizen erasing another: %s" % status)
status, me = call("GET", "/api/me", None, erika)
check(status == 200, "Erika is still there after the refusals: %s" % status)

status, counts = call("DELETE", "/api/me", {"password": ERIKA["password"]}, erika)
check(status == 200, "DELETE /api/me: %s %s" % (status, counts))
if status == 200:
    check(counts["deleted"]["sessions"] == 1 and counts["anonymised"]["posts"] == 2,
          "the counts: %s" % counts)
    check(counts["wal_truncated"] is True, "the WAL was truncated: %s" % counts)
status, _ = call("GET", "/api/me", None, erika)
check(status == 401, "Erika's session is gone: %s" % status)
status, _ = call("POST", "/api/login", {"email": ERIKA["email"], "password": ERIKA["password"]})
check(status == 401, "Erika cannot log in: %s" % status)
status, got = call("GET", "/api/posts/%d" % post["id"], None, nora)
check(status == 200 and got["author"]["name"] == "deleted" and got["body"] == "",
      "the erased post is a tombstone by 'deleted': %s" % got)
check(status == 200 and [r["body"] for r in got.get("replies", [])] == ["Nora replies"],
      "Nora's reply to it stays readable: %s" % got)
stream = replay(nora)
check("Nora asks" in stream and "ERIKA-HTTP" not in stream,
      "the stream forgot Erika's events: %s" % stream[:300])
left = traces()
check(not left, "the files hold Erika's strings after the erasure: %s" % left)

status, body = call("DELETE", "/api/users/999999", None, admin)
check(status == 404, "erasing an unknown user: %s" % status)
status, counts = call("DELETE", "/api/users/%d" % nora_id, None, admin)
check(status == 200 and counts["anonymised"]["posts"] == 2, "an admin erases Nora: %s %s"
      % (status, counts))
status, _ = call("GET", "/api/me", None, nora)
check(status == 401, "Nora's session is gone: %s" % status)
sys.exit(1 if failed else 0)
PY

[[ $(sqlite3 "$db" "PRAGMA integrity_check") == ok ]] && ok integrity || fail integrity "damaged"
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
wait "$pid"
rc=$?
pid=
[[ $rc == 0 ]] && ok stop || fail stop "exit code $rc after SIGTERM"
grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$work/serve.err" &&
    fail sanitizer "$(cat "$work/serve.err")"
finish
