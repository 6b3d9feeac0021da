#!/usr/bin/env bash
# Research exports over HTTP: POST /api/exports runs as a job (202, then /api/jobs/{id} until
# done) and its result lists the files with their links; the researcher downloads them, byte
# for byte what the server wrote, and the leak scan finds nothing in them. A citizen gets
# 403, another researcher 404 for the first one's files, malformed ids and file names 404,
# bad parameters 400.
# Usage: test_export.sh path/to/dorf
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/dorf-export-api-XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
source "$here/../cli/lib.sh"
db=$work/r.dorf

"$dorf" import --quiet --db "$db" "$here/../../data-samples/north-bayreuth.osm.pbf" ||
    fail setup "import failed"
"$here/../../scripts/seed-activity" "$db" --citizens 120 --orders 300 --volunteers 10 \
    --now 1795000000 >/dev/null || fail setup "seed-activity"
for who in rita:researcher rolf:researcher carl:citizen; do
    printf '%s-password-1\n' "${who%%:*}" | "$dorf" account add --db "$db" \
        --email "${who%%:*}@dorf.test" --name "${who%%:*}" --roles "${who#*:}" >/dev/null ||
        fail setup "account $who"
done

"$dorf" serve --db "$db" --listen 127.0.0.1:0 --exports "$work/exports" 2>"$work/serve.err" &
pid=$!
base=
for _ in $(seq 200); do
    base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.err" | head -1)
    [[ -n $base ]] && break
    sleep 0.05
done
[[ -n $base ]] || fail serve "the server did not start: $(cat "$work/serve.err")"

python3 - "$base" "$work/download" <<'PY' >"$work/http.log" 2>&1 && ok http-export ||
import json, os, sys, time, urllib.error, urllib.request

BASE, OUT = sys.argv[1], sys.argv[2]
failed = 0


def check(cond, what):
    global failed
    print(("ok   " if cond else "FAIL ") + what)
    failed += not cond


def call(method, path, body=None, token=None, raw=False):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text, status, headers = r.read(), r.status, r.headers
    except urllib.error.HTTPError as e:
        text, status, headers = e.read(), e.code, e.headers
    if raw:
        return status, text, headers
    return status, json.loads(text) if text else None


def login(name):
    return call("POST", "/api/login", {"email": name + "@dorf.test",
                                       "password": name + "-password-1"})[1]["token"]


rita, rolf, carl = login("rita"), login("rolf"), login("carl")
check(call("POST", "/api/exports", {}, carl)[0] == 403, "a citizen may not export")
check(call("POST", "/api/exports", {})[0] == 401, "nobody without a session")
for body, what in [({"k": 1}, "k below 2"), ({"format": "shp"}, "an unknown format"),
                   ({"grid": "5km"}, "an unknown grid"), ({"time": "minute"}, "a finer time"),
                   ({"at": "someday"}, "a bad time"), ({"owner": 1}, "an unknown field")]:
    status, err = call("POST", "/api/exports", body, rita)
    check(status == 400 and err and "error" in err, "%s: 400 (%s)" % (what, status))

status, accepted = call("POST", "/api/exports", {"format": "csv", "k": 5, "time": "hour"}, rita)
check(status == 202 and accepted and accepted["href"].startswith("/api/jobs/"),
      "the export is accepted as a job: %s %s" % (status, accepted))
job = None
for _ in range(600):
    status, job = call("GET", accepted["href"], token=rita)
    if job and job["state"] in ("done", "failed"):
        break
    time.sleep(0.1)
check(job and job["state"] == "done", "the job finishes: %s" % json.dumps(job)[:300])
result = job["result"] if job else {}
files = result.get("files", [])
names = sorted(f["name"] for f in files)
check(len(names) == 7 and "manifest.json" in names, "six tables and the manifest: %s" % names)
check(result.get("manifest", {}).get("suppression", {}).get("k") == 5,
      "the result carries the manifest")
check(call("GET", accepted["href"], token=rolf)[0] == 403, "another researcher may not read the job")
os.makedirs(OUT)
for f in files:
    status, data, headers = call("GET", f["href"], token=rita, raw=True)
    check(status == 200 and len(data) > 0, "download %s: %s" % (f["name"], status))
    open(os.path.join(OUT, f["name"]), "wb").write(data)
    if f["name"].endswith(".csv"):
        check(headers["Content-Type"].startswith("text/csv"), "csv is served as text/csv")
    check(call("GET", f["href"], token=rolf)[0] == 404,
          "another researcher cannot fetch %s" % f["name"])
first = files[0]["href"]
export_id = first.split("/")[3]
for bad in ["/api/exports/%s/..%%2fmanifest.json" % export_id,
            "/api/exports/%s/.hidden" % export_id,
            "/api/exports/%s/manifest.json" % export_id.upper(),
            "/api/exports/%s/manifest.json" % export_id[:-1],
            "/api/exports/%s/nothing.csv" % export_id]:
    check(call("GET", bad, token=rita)[0] == 404, "404 for %s" % bad)
sys.exit(1 if failed else 0)
PY
    fail http-export "$(grep -v '^ok' "$work/http.log")"

if cmp -s "$work/download/manifest.json" "$(ls -d "$work"/exports/u*-*/)manifest.json"; then
    ok "downloaded bytes equal the files written"
else
    fail "download" "the downloaded manifest differs from the server's file"
fi
if python3 "$here/../cli/export_leak_scan.py" "$db" "$work/download" >"$work/scan" 2>&1; then
    ok "leak scan of the downloads: $(tail -1 "$work/scan")"
else
    fail "leak scan" "$(head -20 "$work/scan")"
fi
finish
