#!/usr/bin/env bash
# End-to-end tests of `dorf serve` (api/server.c) on the hand-made village: /health, JSON
# error bodies for unknown paths, wrong methods, malformed, oversized, too deep and mistyped
# bodies, missing sessions; the per-address connection limit; the access log (one JSON line
# per request, secrets redacted); many parallel requests; a clean exit on SIGTERM.
# Usage: test_server.sh path/to/dorf
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
work=$(mktemp -d /tmp/dorf-serve-XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/../cli/lib.sh"

"$dorf" import --quiet --db "$work/v.dorf" "$data/village.osm" || fail setup "import failed"

# start_server ERRFILE ARGS...: starts dorf serve in the background on a free port; sets
# $pid and $base (http://127.0.0.1:PORT) once it listens.
start_server() {
    local err=$1
    shift
    "$dorf" serve --db "$work/v.dorf" --listen 127.0.0.1:0 "$@" 2>"$err" &
    pid=$!
    pids+=("$pid")
    base=
    for _ in $(seq 100); do
        base=$(grep -o 'listening on http://[^ ]*' "$err" | sed 's/listening on //')
        [[ -n $base ]] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

# stop_server: SIGTERM, then waits up to 5 s; sets $stop_rc (124 when it did not exit).
stop_server() {
    kill -TERM "$pid"
    for _ in $(seq 50); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"
            stop_rc=$?
            return
        fi
        sleep 0.1
    done
    stop_rc=124
}

requests=0
# req NAME CURL-ARGS...: one request; status in $status, headers in $work/h, body in $work/b.
req() {
    requests=$((requests + 1))
    status=$(curl -s -o "$work/b" -D "$work/h" -w '%{http_code}' --max-time 10 "$@")
}

# json_get EXPR: evaluates a Python expression over the last body, parsed as `j`.
json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$work/b" 2>/dev/null; }

# expect_error NAME STATUS CODE: the last answer has this status and error code.
expect_status_code() {
    local name=$1 want=$2 code=$3
    local got
    got=$(json_get 'j["error"]["code"] + "|" + str(bool(j["error"]["message"]))')
    if [[ $status == "$want" && $got == "$code|True" ]]; then
        ok "$name"
    else
        fail "$name" "status $status, body $(head -c 300 "$work/b")"
    fi
}

# still_serving NAME: /health still answers after what came before.
still_serving() {
    req "$base/health"
    [[ $status == 200 ]] || fail "$1" "/health answered $status afterwards"
}

if ! start_server "$work/err" --access-log "$work/access.log"; then
    fail "server starts" "$(cat "$work/err")"
    finish
    exit 1
fi
ok "server listens on $base"

req "$base/health"
if [[ $status == 200 && $(json_get 'j["status"]') == ok && $(json_get 'j["schema_version"] > 0') == True ]] &&
    grep -qi '^content-type: application/json' "$work/h" && grep -qi '^x-content-type-options: nosniff' "$work/h" &&
    grep -qi '^cache-control: no-store' "$work/h"; then
    ok "/health 200 JSON with the security headers"
else
    fail "/health" "status $status: $(cat "$work/h" "$work/b")"
fi
req -I "$base/health"
[[ $status == 200 ]] && ok "HEAD /health" || fail "HEAD /health" "status $status"

req "$base/api/no/such/thing"
expect_status_code "unknown path is 404 not_found" 404 not_found
still_serving "after 404"

req -X DELETE "$base/health"
expect_status_code "wrong method is 405" 405 method_not_allowed
grep -qi '^allow: GET, HEAD' "$work/h" && ok "405 names the allowed methods" || fail "Allow header" "$(cat "$work/h")"

req -X POST -H 'Content-Type: application/json' --data-binary '{"email": "a@b.c", ' "$base/api/login"
expect_status_code "malformed JSON is 400 bad_json" 400 bad_json
json_get 'j["error"]["message"]' | grep -q 'line 1, column' && ok "bad_json names line and column" ||
    fail "bad_json position" "$(cat "$work/b")"
still_serving "after bad JSON"

req -X POST -H 'Content-Type: application/json' --data-binary '{"a": 1, "a": 2}' "$base/api/login"
expect_status_code "duplicate keys are 400 bad_json" 400 bad_json

req -X POST -H 'Content-Type: application/json' --data-binary '"just a string"' "$base/api/login"
expect_status_code "a scalar body is 400 bad_json" 400 bad_json

python3 -c 'print("[" * 40 + "]" * 40)' >"$work/deep.json"
req -X POST -H 'Content-Type: application/json' --data-binary @"$work/deep.json" "$base/api/login"
expect_status_code "JSON nested 40 deep is 400 too_deep" 400 too_deep
python3 -c 'print("[" * 100000)' >"$work/deeper.json"
req -X POST -H 'Content-Type: application/json' --data-binary @"$work/deeper.json" "$base/api/login"
expect_status_code "100000 open brackets are 400 too_deep" 400 too_deep
still_serving "after deep JSON"

head -c 1100000 /dev/zero | tr '\0' ' ' >"$work/big.json"
req -X POST -H 'Content-Type: application/json' --data-binary @"$work/big.json" "$base/api/login"
expect_status_code "a body over 1 MiB is 413" 413 too_large
req -X POST -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
    --data-binary @"$work/big.json" "$base/api/login"
expect_status_code "a chunked body over 1 MiB is 413" 413 too_large
still_serving "after oversized bodies"

req -X POST -H 'Content-Type: text/plain' --data-binary '{}' "$base/api/login"
expect_status_code "a body that is not application/json is 415" 415 unsupported_media_type

req "$base/api/me"
expect_status_code "a protected route without a token is 401" 401 unauthorized
grep -qi '^www-authenticate: Bearer' "$work/h" && ok "401 asks for a Bearer token" || fail "WWW-Authenticate" "$(cat "$work/h")"
req -H 'Authorization: Bearer not-a-token' "$base/api/me"
expect_status_code "an unknown token is 401" 401 unauthorized

req "$base/api/%FF%FE/x"
expect_status_code "a path that is not UTF-8 is 404" 404 not_found

req "$base/api/jobs/0123456789abcdef0123456789abcdef"
expect_status_code "an unknown job is 404" 404 not_found

req "$base/health?token=s3cret&page=2"
[[ $status == 200 ]] && ok "query arguments are accepted" || fail "query" "status $status"

# Many requests at once, from 32 clients: every one answered 200.
seq 200 | xargs -P 32 -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 "$base/health?n={}" >"$work/par"
requests=$((requests + 200))
n200=$(grep -c '^200$' "$work/par")
[[ $n200 -eq 200 ]] && ok "200 parallel requests all answered" || fail "parallel" "$n200 of 200 answered 200: $(sort "$work/par" | uniq -c)"
still_serving "after the parallel burst"

stop_server
[[ $stop_rc -eq 0 ]] && ok "SIGTERM: exits 0 within 5 s" || fail "SIGTERM" "exit code $stop_rc: $(cat "$work/err")"

# The access log: one JSON object per request, with the fields docs/api.md promises.
if python3 - "$work/access.log" "$requests" <<'PY'; then
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
want = int(sys.argv[2])
if len(lines) != want:
    sys.exit(f"{len(lines)} lines for {want} requests")
for line in lines:
    e = json.loads(line)
    for k in ("time", "ip", "method", "path", "status", "bytes", "duration_ms", "user"):
        if k not in e:
            sys.exit(f"no {k} in {line}")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["time"]):
        sys.exit(f"time {e['time']}")
    if "s3cret" in line:
        sys.exit(f"secret logged: {line}")
if not any(e.get("query") == "token=REDACTED&page=2" for e in map(json.loads, lines)):
    sys.exit("no redacted query line")
PY
    ok "access log: one valid JSON line per request, secrets redacted"
else
    fail "access log" "$(tail -3 "$work/access.log")"
fi

# The per-address limit: with 2 connections held open, a third is refused, and answered
# again once they close.
if start_server "$work/err2" --max-connections-per-ip 2; then
    if python3 - "${base#http://}" <<'PY'; then
import socket, sys, time, urllib.request
host, port = sys.argv[1].rsplit(":", 1)
held = [socket.create_connection((host, int(port))) for _ in range(2)]
time.sleep(0.3)
try:
    urllib.request.urlopen(f"http://{sys.argv[1]}/health", timeout=5)
    sys.exit("third connection was served")
except Exception:
    pass
for s in held:
    s.close()
time.sleep(0.5)
if urllib.request.urlopen(f"http://{sys.argv[1]}/health", timeout=5).status != 200:
    sys.exit("not served after the others closed")
PY
        ok "per-address connection limit"
    else
        fail "per-address limit" "see above"
    fi
    stop_server
    [[ $stop_rc -eq 0 ]] && ok "second server stops" || fail "second stop" "$stop_rc"
else
    fail "second server" "$(cat "$work/err2")"
fi

expect_error "missing db" 1 "no such region" -- "$dorf" serve --db "$work/absent.dorf"
expect_error "bad --listen" 2 "--listen" -- "$dorf" serve --db "$work/v.dorf" --listen nonsense
expect_error "bad --threads" 2 "--threads" -- "$dorf" serve --db "$work/v.dorf" --threads 0

finish
