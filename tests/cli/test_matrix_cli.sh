#!/usr/bin/env bash
# End-to-end tests of `dorf matrix` on the village fixture: the CSV it writes (ids, times
# equal to `dorf route`'s, empty times for nothing), the hierarchy cache it leaves, and its
# one-line errors naming file and line for malformed rows and unsnappable points.
# Usage: test_matrix_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
work=$(mktemp -d /tmp/dorf-matrix-XXXXXX)
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"


db=$work/village.dorf
"$dorf" import --quiet --db "$db" "$data/village.osm" || fail setup "village import failed"
printf 'id,lon,lat\nbakery,11.5005,50.0001\nchurch,11.5025,50.0001\n' >"$work/from.csv"
printf 'lon,lat\r\n11.501,50.0008\r\n11.503,50.0000\r\n' >"$work/to.csv"

if "$dorf" matrix --db "$db" --from "$work/from.csv" --to "$work/to.csv" >"$work/m.csv" 2>"$work/err"; then
    ok "matrix runs"
else
    fail "matrix runs" "$(cat "$work/err")"
fi
[[ $(head -1 "$work/m.csv") == "from_id,to_id,time_s" ]] && ok "header line" || fail "header line" "$(head -1 "$work/m.csv")"
[[ $(wc -l <"$work/m.csv") -eq 5 ]] && ok "one row per pair" || fail "one row per pair" "$(cat "$work/m.csv")"
cut -d, -f1,2 "$work/m.csv" | tail -n +2 | tr '\n' ' ' | grep -qx "bakery,1 bakery,2 church,1 church,2 " &&
    ok "ids from the id column and row numbers" || fail "ids" "$(cat "$work/m.csv")"
[[ -f $db.car.ch ]] && ok "hierarchy cache written beside the database" || fail "cache" "no $db.car.ch"

# Each cell equals `dorf route` with bidirectional Dijkstra between the same points.
all_equal=1
while IFS=, read -r fid tid t; do
    [[ $fid == from_id ]] && continue
    src=$(grep "^$fid," "$work/from.csv" | cut -d, -f2,3)
    dst=$(sed -n "$((tid + 1))p" "$work/to.csv" | tr -d '\r')
    want=$("$dorf" route --db "$db" --algorithm bidijkstra "$src" "$dst" | sed -n 's/.*"time_s": \([0-9.]*\).*/\1/p')
    if ! awk -v a="$t" -v b="$want" 'BEGIN { exit !(a != "" && (a - b) ^ 2 < 1e-6) }'; then
        all_equal=0
        fail "cell $fid,$tid" "matrix $t, route $want"
    fi
done <"$work/m.csv"
[[ $all_equal -eq 1 ]] && ok "every cell equals dorf route's time"

"$dorf" matrix --db "$db" --mode walk --from "$work/from.csv" --to "$work/to.csv" --out "$work/w.csv" >"$work/out" 2>&1
[[ -s $work/w.csv && ! -s $work/out && -f $db.walk.ch ]] && ok "--out and --mode walk" || fail "--out" "$(cat "$work/out")"

# Errors name the file and line.
printf 'id,lon,lat\na,11.5005,50.0001\nb,11.5,north\n' >"$work/badlat.csv"
expect_error "malformed latitude" 1 "badlat.csv:3: 'north' is not a latitude" -- "$dorf" matrix --db "$db" --from "$work/badlat.csv" --to "$work/to.csv"
printf 'id,lon,lat\na,11.5005\n' >"$work/cols.csv"
expect_error "missing column" 1 "cols.csv:2: expected 3 columns" -- "$dorf" matrix --db "$db" --from "$work/from.csv" --to "$work/cols.csv"
printf 'name,x,y\n1,2,3\n' >"$work/header.csv"
expect_error "no header line" 1 "header.csv:1: expected a header line" -- "$dorf" matrix --db "$db" --from "$work/header.csv" --to "$work/to.csv"
printf 'id,lon,lat\nfar,12.5,50.0\n' >"$work/far.csv"
expect_error "point far from any road" 1 "far.csv:2: 12.500000,50.000000" -- "$dorf" matrix --db "$db" --from "$work/far.csv" --to "$work/to.csv"
printf 'id,lon,lat\n' >"$work/empty.csv"
expect_error "no points" 1 "empty.csv: no points" -- "$dorf" matrix --db "$db" --from "$work/empty.csv" --to "$work/to.csv"
expect_error "missing file" 1 "nowhere.csv" -- "$dorf" matrix --db "$db" --from "$work/nowhere.csv" --to "$work/to.csv"
expect_error "without --to" 2 "--to FILE" -- "$dorf" matrix --db "$db" --from "$work/from.csv"
expect_error "bad mode" 2 "--mode" -- "$dorf" matrix --db "$db" --mode boat --from "$work/from.csv" --to "$work/to.csv"
"$dorf" matrix --help | grep -q "usage: dorf matrix" && ok "matrix --help" || fail "matrix --help" "no usage"

# A damaged hierarchy cache is rebuilt, not trusted.
printf 'garbage' | dd of="$db.car.ch" bs=1 seek=200 conv=notrunc 2>/dev/null
"$dorf" matrix --db "$db" --from "$work/from.csv" --to "$work/to.csv" >"$work/m2.csv" 2>"$work/err"
cmp -s "$work/m.csv" "$work/m2.csv" && ok "damaged cache rebuilt" || fail "damaged cache" "$(cat "$work/err")"

finish
