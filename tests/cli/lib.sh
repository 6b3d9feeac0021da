# lib.sh: what the CLI test scripts share. Source it after setting `work` (a scratch
# directory); it counts results and prints ctest's plain summary line at the end.
#   ok NAME / fail NAME WHY          record a result
#   expect_error NAME RC NEEDLE -- command...
#       the command exits RC, writes nothing to stdout, and (for RC 1) exactly one line on
#       stderr; stderr contains NEEDLE
#   finish                           print "N passed, N failed" and return non-zero on failures
passed=0
failed=0

ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2" >&2; failed=$((failed + 1)); }

expect_error() {
    local name=$1 want=$2 needle=$3
    shift 4
    "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    if [[ $rc -ne $want ]]; then
        fail "$name" "exit code $rc, expected $want; stderr: $(cat "$work/err")"
    elif [[ -s $work/out ]]; then
        fail "$name" "wrote to stdout: $(head -c 200 "$work/out")"
    elif [[ $want -eq 1 && $(wc -l <"$work/err") -ne 1 ]]; then
        fail "$name" "expected a one-line error, got: $(cat "$work/err")"
    elif ! grep -qF -- "$needle" "$work/err"; then
        fail "$name" "stderr lacks '$needle': $(cat "$work/err")"
    else
        ok "$name"
    fi
}

finish() {
    echo "$passed passed, $failed failed"
    [[ $failed -eq 0 ]]
}
