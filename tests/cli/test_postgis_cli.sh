#!/usr/bin/env bash
# Parity of the two stores through the command line (needs DORF_TEST_PG, the "@postgis"
# variant; exit 77, skipped, without it). North-Bayreuth imported into a SpatiaLite file and
# into a PostgreSQL schema gives the same `dorf info`, and the same `dorf route`, `dorf matrix`
# and `dorf isochrone` output for fixed points in each mode. The routing caches of the
# PostgreSQL store go to DORF_CACHE_DIR (nothing is written beside a "file" named after the
# URI) and are reused by the next command; a password in the location is never printed.
# Usage: test_postgis_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
shared=${DORF_SHARED_DATA:-$here/../../../shared/data}
work=$(mktemp -d /tmp/dorf-postgis-XXXXXX)
source "$here/lib.sh"
if ! pg_server >/dev/null; then
    echo "DORF_TEST_PG not set: skipped (run the cli/test_postgis_cli@postgis variant)"
    rm -rf "$work"
    exit 77
fi
trap 'pg_cleanup; rm -rf "$work"' EXIT
export DORF_CACHE_DIR=$work/cache
extract=$shared/osm/north-bayreuth.osm.pbf
file=$work/nb.dorf
pg=$(pg_location parity) || { fail setup "cannot make a schema on $DORF_TEST_PG"; finish; exit 1; }
cd "$work" || exit 1

"$dorf" import --quiet --db "$file" "$extract" || fail "import into a file" "exit $?"
if "$dorf" import --quiet --db "$pg" "$extract" 2>"$work/err"; then
    ok "import into PostgreSQL"
else
    fail "import into PostgreSQL" "$(cat "$work/err")"
fi

# `dorf info` without the lines that name the database or the time of the import.
info_body() { "$dorf" info --db "$1" --issues 2>&1 | grep -v -e '^region ' -e '^imported at '; }
if [[ $(info_body "$file") == "$(info_body "$pg")" ]]; then
    ok "same dorf info (counts, km per mode, categories, issues)"
else
    fail "same dorf info" "$(diff <(info_body "$file") <(info_body "$pg") | head -20)"
fi

# Fixed points: road nodes spread over the extract.
points=(11.6041,50.0248 11.5011,49.9892 11.5491,50.0295 11.5107,50.0168)
printf 'id,lon,lat\na,11.6041,50.0248\nb,11.5011,49.9892\n' >"$work/from.csv"
printf 'id,lon,lat\nc,11.5491,50.0295\nd,11.5107,50.0168\ne,11.5600,50.0000\n' >"$work/to.csv"

# same NAME -- ARGS...: the command gives the same output (and exit code) on both stores.
same() {
    local name=$1
    shift 2
    "$dorf" "$@" --db "$file" >"$work/a" 2>&1
    local ra=$?
    "$dorf" "$@" --db "$pg" >"$work/b" 2>&1
    local rb=$?
    if [[ $ra != 0 ]]; then
        fail "$name" "on the file: exit $ra: $(head -c 300 "$work/a")"
    elif [[ $rb != 0 ]]; then
        fail "$name" "on PostgreSQL: exit $rb: $(head -c 300 "$work/b")"
    elif ! cmp -s "$work/a" "$work/b"; then
        fail "$name" "outputs differ: $(cmp "$work/a" "$work/b")"
    else
        ok "$name"
    fi
}

for mode in walk bike car; do
    same "route $mode ${points[0]} ${points[1]}" -- route --mode $mode "${points[0]}" "${points[1]}"
    same "route $mode ${points[2]} ${points[3]}" -- route --mode $mode "${points[2]}" "${points[3]}"
    same "route $mode dijkstra" -- route --mode $mode --algorithm dijkstra "${points[3]}" \
        "${points[0]}"
    same "matrix $mode" -- matrix --mode $mode --from "$work/from.csv" --to "$work/to.csv"
    same "isochrone $mode" -- isochrone --mode $mode --minutes 5,10 "${points[2]}"
done

# The caches of the PostgreSQL store are in the cache folder, and used again.
caches=$(ls "$DORF_CACHE_DIR" 2>/dev/null |
    grep -c -E '^pg-[0-9a-f]{16}\.(walk|bike|car)\.(graph|ch)$')
if [[ $caches == 6 && -z $(ls "$work" | grep -i postgres) ]]; then
    ok "caches in DORF_CACHE_DIR"
else
    fail "caches in DORF_CACHE_DIR" "$caches caches: $(ls "$DORF_CACHE_DIR" "$work" 2>&1)"
fi
before=$(stat -c %Y.%i "$DORF_CACHE_DIR"/pg-*.car.ch 2>/dev/null)
sleep 1.1
"$dorf" route --db "$pg" --mode car "${points[0]}" "${points[1]}" >/dev/null 2>&1
if [[ -n $before && $(stat -c %Y.%i "$DORF_CACHE_DIR"/pg-*.car.ch) == "$before" ]]; then
    ok "the cached hierarchy is used again"
else
    fail "the cached hierarchy is used again" "it was written anew"
fi

# A password in the location stays out of everything dorf prints (the server trusts anyone).
with_password=${pg/postgres@/postgres:Geheim-4711@}
out=$("$dorf" info --db "$with_password" 2>&1)
if [[ $with_password == *Geheim-4711* && $out == *"region "* && $out != *Geheim-4711* ]]; then
    ok "no password in dorf info"
else
    fail "no password in dorf info" "$(echo "$out" | head -2)"
fi
out=$("$dorf" import --db "$with_password" "$work/missing.osm" 2>&1)
if [[ $out != *Geheim-4711* ]]; then ok "no password in an error"; else
    fail "no password in an error" "$out"
fi
finish
