#!/usr/bin/env bash
# The platform end to end (platform_e2e.py: order -> parcel -> route -> delivery, news, events
# and the iCalendar feed, DorfFunk with Server-Sent Events, the authorisation matrix), the
# OpenAPI document kept in docs/openapi.json, `dorf account add`, and the login rate limit.
# Usage: test_platform.sh path/to/dorf
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${DORF_TEST_DATA:-$here/../data}
work=$(mktemp -d /tmp/dorf-platform-XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
source "$here/../cli/lib.sh"

"$dorf" import --quiet --db "$work/v.dorf" "$data/village.osm" || fail setup "import failed"

# The first admin comes from the command line; the password from standard input.
out=$(printf 'admin-password-1\n' | "$dorf" account add --db "$work/v.dorf" --email admin@dorf.test \
    --name Admin --roles admin)
[[ $out == *admin@dorf.test* ]] && ok account || fail account "$out"
printf 'short\n' | "$dorf" account add --db "$work/v.dorf" --email x@dorf.test --name X \
    >/dev/null 2>"$work/err" && fail account-short "a short password was accepted"
grep -q "10 to 256" "$work/err" && ok account-short || fail account-short "$(cat "$work/err")"
printf 'admin-password-2\n' | "$dorf" account add --db "$work/v.dorf" --email ADMIN@dorf.test \
    --name Y >/dev/null 2>"$work/err" && fail account-taken "a taken address was accepted" ||
    ok account-taken
"$dorf" account add --db "$work/v.dorf" --email z@dorf.test --name Z --roles king \
    </dev/null >/dev/null 2>&1
[[ $? == 2 ]] && ok account-role || fail account-role "an unknown role is not a usage error"

# The OpenAPI document in docs/ is what the server serves.
"$dorf" serve --openapi >"$work/openapi.json" || fail openapi "--openapi failed"
cmp -s "$work/openapi.json" "$here/../../docs/openapi.json" ||
    fail openapi "docs/openapi.json is out of date: run dorf serve --openapi > docs/openapi.json"
ok openapi-docs

"$dorf" serve --db "$work/v.dorf" --listen 127.0.0.1:0 --login-limit 10 2>"$work/serve.err" &
pid=$!
base=
for _ in $(seq 200); do
    base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.err" | head -1)
    [[ -n $base ]] && break
    sleep 0.05
done
[[ -n $base ]] || fail serve "the server did not start: $(cat "$work/serve.err")"
curl -sf "$base/api" | cmp -s - "$work/openapi.json" ||
    python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.loads(sys.stdin.read()); sys.exit(a != b)' \
        "$work/openapi.json" < <(curl -sf "$base/api") && ok openapi-served ||
    fail openapi-served "GET /api differs from --openapi"

python3 "$here/platform_e2e.py" "$base" admin@dorf.test admin-password-1 && ok e2e ||
    fail e2e "see above"

# Logins per address are limited: the 11th within a minute gets 429 (the e2e run used some).
codes=$(for i in $(seq 12); do
    curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
        -d '{"email":"nobody@dorf.test","password":"wrong-password"}' "$base/api/login"
done | sort | uniq -c | tr -s ' ')
[[ $codes == *429* ]] && ok rate-limit || fail rate-limit "no 429 among $codes"
curl -sf "$base/health" >/dev/null || fail rate-limit "the server stopped answering"

kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && fail stop "still running 5 s after SIGTERM"
wait "$pid"
rc=$?
pid=
[[ $rc == 0 ]] && ok stop || fail stop "exit code $rc after SIGTERM"
grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$work/serve.err" &&
    fail sanitizer "$(cat "$work/serve.err")"
finish
