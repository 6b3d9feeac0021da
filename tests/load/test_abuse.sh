#!/usr/bin/env bash
# Slow and abusive clients against `dorf serve` (tests/load/abuse.py; docs/operations.md,
# "Load and abuse"): slowloris, 1 MiB of headers, endless chunked bodies and 10,000 idle
# connections while a normal client asks every 200 ms, on a server with the default limits;
# then a server with --max-connections 64 flooded past its limit.
#
#   test_abuse.sh path/to/dorf
#
# Uses loopback addresses beyond 127.0.0.1 (127.0.0.2 for the normal client, 127.0.1.x to
# 127.0.5.x for the abusers): Linux routes all of 127.0.0.0/8 to the loopback interface.
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${DORF_TEST_DATA:-$here/../data}
work=$(mktemp -d /tmp/dorf-abuse-XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
source "$here/../cli/lib.sh"

"$dorf" import --quiet --db "$work/v.dorf" "$data/village.osm" || fail setup "import failed"

# start ARGS...: dorf serve on a free port; sets $pid and $port.
start() {
    "$dorf" serve --db "$work/v.dorf" --listen 127.0.0.1:0 "$@" 2>"$work/serve.err" &
    pid=$!
    port=
    for _ in $(seq 100); do
        port=$(grep -so 'http://127.0.0.1:[0-9]*' "$work/serve.err" | head -1 | sed 's/.*://')
        [[ -n $port ]] && return 0
        sleep 0.1
    done
    return 1
}

# stop NAME: SIGTERM, a clean exit within 10 s, no sanitizer report.
stop() {
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        fail "$1-stop" "still running 10 s after SIGTERM"
    else
        wait "$pid" && ok "$1-stop" || fail "$1-stop" "exit code $? after SIGTERM"
    fi
    pid=
    grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$work/serve.err" &&
        fail "$1-sanitizer" "$(grep -m5 "runtime error\|Sanitizer" "$work/serve.err")"
}

if start; then
    python3 "$here/abuse.py" 127.0.0.1 "$port" "$pid" && ok abuse || fail abuse "see above"
    stop abuse
else
    fail abuse-start "the server did not start: $(cat "$work/serve.err")"
fi

if start --max-connections 64; then
    python3 "$here/abuse.py" 127.0.0.1 "$port" "$pid" --full 64 && ok full || fail full "see above"
    stop full
else
    fail full-start "the server did not start: $(cat "$work/serve.err")"
fi

# An explicit --max-connections beyond the hard limit on open files is refused, with the fix.
hard=$(ulimit -Hn)
if [[ $hard != unlimited ]] && ((hard < 1000000)); then
    expect_error fd-limit 1 "ulimit -Hn" -- "$dorf" serve --db "$work/v.dorf" \
        --listen 127.0.0.1:0 --max-connections 1000000
fi
finish
