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

# PostgreSQL, for the tests that also run as "...@postgis" variants (tests/CMakeLists.txt sets
# DORF_TEST_PG to the throwaway server of the fixture pg/start):
#   pg_server                    prints DORF_TEST_PG; returns 1 when it is not set
#   pg_location NAME             makes an empty schema of its own on that server (dropped by
#                                pg_cleanup) and prints a location whose search_path puts it
#                                first, as tests/test_store.h does for the C tests
#   pg_sql LOCATION SQL          runs SQL there (psql), prints the rows unaligned, '|' between
#                                columns; returns psql's exit code
#   pg_cleanup                   drops the schemas this test made (call it from the EXIT trap)
pg_server() {
    [[ -n ${DORF_TEST_PG:-} ]] && echo "$DORF_TEST_PG"
}

pg_sql() {
    psql -X -q -A -t -v ON_ERROR_STOP=1 "$1" -c "SET client_min_messages = warning" -c "$2"
}

pg_location() {
    local schema="c$$_$1"
    pg_sql "$DORF_TEST_PG" "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" ||
        return 1
    local sep='?'
    [[ $DORF_TEST_PG == *\?* ]] && sep='&'
    echo "${DORF_TEST_PG}${sep}options=-csearch_path%3D${schema}%2Cpublic"
}

pg_cleanup() {
    [[ -n ${DORF_TEST_PG:-} ]] || return 0
    local s
    for s in $(pg_sql "$DORF_TEST_PG" \
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'c$$\_%'" 2>/dev/null); do
        pg_sql "$DORF_TEST_PG" "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1
    done
}
