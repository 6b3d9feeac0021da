#!/usr/bin/env bash
# End-to-end tests of `dorf coverage` on the village fixture: the printed table (the butcher
# open only on Monday mornings is reached on Monday, by nobody on Tuesday), the GeoPackage
# with its four layers read back by ogrinfo, CSV output as one file per layer, and the error
# paths (bad --at, unknown category, thresholds beyond the limit, unwritable output: exit 1
# and no file left).
# Usage: test_coverage_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
work=$(mktemp -d /tmp/dorf-coverage-XXXXXX)
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"

"$dorf" import --quiet --db "$work/village.dorf" "$data/village.osm" || fail setup "village import failed"

# The butcher's row for walking: "butcher  OPEN/ALL walk  share..."
butcher_row() { grep -E '^butcher +[0-9]+/[0-9]+ +walk' "$work/out"; }

if "$dorf" coverage --db "$work/village.dorf" --at "2026-11-30 10:00" --categories butcher,bakery \
    >"$work/out" 2>"$work/err"; then
    if butcher_row | grep -qE '^butcher +1/1 +walk +100\.0% +100\.0% +100\.0% +100\.0%'; then
        ok "Monday: the butcher is open and reached by everyone on foot within 5 minutes"
    else
        fail "Monday" "unexpected row: $(butcher_row)"
    fi
else
    fail "Monday" "exit $?: $(cat "$work/err")"
fi

if "$dorf" coverage --db "$work/village.dorf" --at "2026-12-01 10:00" --categories butcher \
    --modes walk,car >"$work/out" 2>"$work/err"; then
    if butcher_row | grep -qE '^butcher +0/1 +walk +0\.0% +0\.0% +0\.0% +0\.0% +- +100\.0%$' &&
        grep -qE '^butcher +0/1 +car ' "$work/out" && ! grep -qE ' bike ' "$work/out" &&
        grep -q "Tuesday 2026-12-01 at 10:00" "$work/out"; then
        ok "Tuesday: the butcher is shut and nobody reaches one"
    else
        fail "Tuesday" "unexpected output: $(cat "$work/out")"
    fi
else
    fail "Tuesday" "exit $?: $(cat "$work/err")"
fi

if "$dorf" coverage --quiet --db "$work/village.dorf" --at "Tue 10:00" --out "$work/cov.gpkg" \
    >"$work/out" 2>"$work/err" && [[ ! -s $work/out ]]; then
    layers=$(ogrinfo -ro -q "$work/cov.gpkg" 2>/dev/null | sed -E 's/^[0-9]+: ([a-z0-9_]+).*/\1/' | sort | tr '\n' ' ')
    rows=$(ogrinfo -ro -q -sql "SELECT count(*) AS n FROM coverage_region" "$work/cov.gpkg" 2>/dev/null |
        sed -nE 's/.*n \(Integer[0-9]*\) = ([0-9]+).*/\1/p')
    if [[ $layers == "coverage_grid_100m coverage_grid_1km coverage_region coverage_settlement " &&
        $rows == 18 ]]; then
        ok "--out writes a GeoPackage with region, settlements and both grids"
    else
        fail "--out gpkg" "layers '$layers', region rows '$rows'"
    fi
else
    fail "--out gpkg" "exit $?: $(cat "$work/err") $(cat "$work/out")"
fi

if "$dorf" coverage --quiet --db "$work/village.dorf" --at "Tue 10:00" --out "$work/cov.csv" \
    --thresholds 10 2>"$work/err" &&
    head -1 "$work/cov-coverage_settlement.csv" | grep -q '"*zone"*,"*name"*,' &&
    head -1 "$work/cov-coverage_grid_1km.csv" | grep -q 'share_10min' &&
    [[ ! -e $work/cov.csv ]]; then
    ok "--out with .csv writes one file per layer"
else
    fail "--out csv" "$(cat "$work/err"; ls "$work")"
fi

expect_error "a time without a day" 2 "Tue 10:00" -- "$dorf" coverage --db "$work/village.dorf" --at "10:00"
expect_error "an unknown category" 2 "unknown category 'baker'" -- "$dorf" coverage --db "$work/village.dorf" --at "Tue 10:00" --categories baker
expect_error "thresholds beyond the limit" 2 "exceeds --limit" -- "$dorf" coverage --db "$work/village.dorf" --at "Tue 10:00" --thresholds 30,90
expect_error "decreasing thresholds" 2 "larger than the one before" -- "$dorf" coverage --db "$work/village.dorf" --at "Tue 10:00" --thresholds 10,5
expect_error "no --db" 2 "required" -- "$dorf" coverage --at "Tue 10:00"
expect_error "unknown output format" 1 ".gpkg" -- "$dorf" coverage --quiet --db "$work/village.dorf" --at "Tue 10:00" --out "$work/cov.xlsx"
expect_error "unwritable output" 1 "$work/none/cov.gpkg" -- "$dorf" coverage --quiet --db "$work/village.dorf" --at "Tue 10:00" --out "$work/none/cov.gpkg"
if ls "$work" | grep -q "dorf-tmp\|cov.xlsx"; then
    fail "no partial output" "$(ls "$work")"
else
    ok "failed writes leave no file behind"
fi

finish
