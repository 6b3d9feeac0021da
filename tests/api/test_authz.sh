#!/usr/bin/env bash
# The attack suite of the HTTP API (authz_suite.py): the authorisation matrix over every
# operation of the OpenAPI document x every role x own/foreign objects x no, expired and
# forged tokens; SQL injection in every text field and query argument; path traversal on the
# portal's files (a portal directory with symbolic links to a secret outside it); oversized,
# deeply nested and invalid-UTF-8 input; coordinates out of range; paging overflow; and login
# brute force against a second server with a small --login-limit. Afterwards both servers
# must stop cleanly and their logs hold no sanitizer report.
# Usage: test_authz.sh path/to/dorf
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${DORF_TEST_DATA:-$here/../data}
work=$(mktemp -d /tmp/dorf-authz-XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
source "$here/../cli/lib.sh"
db=$work/v.dorf

"$dorf" import --quiet --db "$db" "$data/village.osm" || fail setup "import failed"
printf 'admin-password-1\n' | "$dorf" account add --db "$db" --email admin@authz.test \
    --name Admin --roles admin >/dev/null || fail setup "admin account"

# A portal of two files, and beside it what must never be served: a secret reached by a
# symbolic link to the file and one to its folder.
mkdir -p "$work/web/js" "$work/outside"
printf '<!doctype html><title>portal</title>\n' >"$work/web/index.html"
printf 'console.log(1);\n' >"$work/web/js/app.js"
printf 'SECRET-%s-OUTSIDE\n' "$RANDOM$RANDOM" >"$work/outside/secret.txt"
cp "$work/outside/secret.txt" "$work/secret.txt"
ln -s ../outside/secret.txt "$work/web/leak.txt"
ln -s ../outside "$work/web/linkdir"

# start NAME OPTIONS...: starts a server, sets $base to its URL.
start() {
    local name=$1
    shift
    "$dorf" serve --db "$db" --listen 127.0.0.1:0 --web "$work/web" "$@" 2>"$work/$name.err" &
    pids+=($!)
    base=
    for _ in $(seq 400); do
        base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/$name.err" | head -1)
        [[ -n $base ]] && break
        sleep 0.05
    done
    [[ -n $base ]] || fail "serve-$name" "the server did not start: $(cat "$work/$name.err")"
}
start main --write-limit 0 --login-limit 100000
main=$base
start brute --login-limit 5
brute=$base

python3 "$here/authz_suite.py" "$main" "$brute" "$db" "$work/web" "$work/secret.txt" \
    admin@authz.test admin-password-1 && ok authz-suite || fail authz-suite "see above"

for i in "${!pids[@]}"; do
    pid=${pids[$i]}
    kill -TERM "$pid"
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && fail stop "server $pid still running 10 s after SIGTERM"
    wait "$pid"
    rc=$?
    [[ $rc == 0 ]] && ok "stop-$i" || fail "stop-$i" "exit code $rc after SIGTERM"
done
pids=()
for name in main brute; do
    if grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$work/$name.err"; then
        fail "sanitizer-$name" "$(cat "$work/$name.err")"
    else
        ok "sanitizer-$name"
    fi
done
finish
