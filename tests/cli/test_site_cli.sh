#!/usr/bin/env bash
# End-to-end tests of `dorf site` on the village fixture, with the road junctions as candidates:
# the households of the two eastern buildings live nearest the junction n7 and farthest from the
# bakery, so one new bakery by p-median goes there, proven optimal; with the bakery shut on a
# Sunday, the covering model within 1 minute takes the junction n5 by the big apartment house.
# Then the candidates written as a GeoPackage (read back by ogrinfo) and as CSV, the generated
# candidates on the real extract, and the error paths (usage errors exit 2, bad input exit 1).
# Usage: test_site_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
shared=${DORF_SHARED_DATA:-$(dirname "$0")/../../../shared/data}
work=$(mktemp -d /tmp/dorf-site-XXXXXX)
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"

"$dorf" import --quiet --db "$work/village.dorf" "$data/village.osm" || fail setup "village import failed"
cat >"$work/junctions.csv" <<'EOF'
id,lon,lat
n1,11.500,50.000
n2,11.501,50.000
n3,11.502,50.000
n4,11.503,50.000
n5,11.501,50.001
n6,11.501,49.999
n7,11.502,50.001
n8,11.504,50.000
far,11.600,50.100
EOF
db=$work/village.dorf
cands=$work/junctions.csv

# The chosen sites' rows: "ID LON LAT SERVED WITHIN".
chosen() { sed -n '/^chosen sites:/,/^$/p' "$work/out" | sed '1,2d;/^$/d' | awk '{print $1}' | tr '\n' ' '; }

if "$dorf" site --db "$db" --category bakery --add 1 --model p-median --candidates "$cands" \
    >"$work/out" 2>"$work/err"; then
    if [[ $(chosen) == "n7 " ]] && grep -q ': optimal$' "$work/out" &&
        grep -qE 'gap 0\.0000%$' "$work/out" &&
        grep -q '^candidates: 9 (8 within 500 m of a road)' "$work/out" &&
        grep -q '^existing places: 1 of the 1' "$work/out"; then
        ok "p-median puts the new bakery by the eastern houses, proven optimal"
    else
        fail "p-median" "unexpected output: $(cat "$work/out")"
    fi
else
    fail "p-median" "exit $?: $(cat "$work/err")"
fi

if "$dorf" site --db "$db" --category bakery --add 1 --model max-cover --threshold 1 \
    --at "2026-11-29 10:00" --candidates "$cands" >"$work/out" 2>"$work/err"; then
    if [[ $(chosen) == "n5 " ]] && grep -q '^existing places: 0 of the 1' "$work/out" &&
        grep -qE '^within 1 min +0\.0% +70\.0%$' "$work/out" &&
        grep -qE '^objective \(persons covered\): before 0\.0, after 14\.0, bound 14\.0, gap 0\.0000%$' "$work/out"; then
        ok "max-cover on a Sunday, the bakery shut: the apartment house's junction"
    else
        fail "max-cover" "unexpected output: $(cat "$work/out")"
    fi
else
    fail "max-cover" "exit $?: $(cat "$work/err")"
fi

if "$dorf" site --quiet --db "$db" --category post --add 2 --model p-median --mode car \
    --candidates "$cands" --out "$work/sites.gpkg" >"$work/out" 2>"$work/err" && [[ ! -s $work/out ]]; then
    rows=$(ogrinfo -ro -q -sql "SELECT count(*) AS n, sum(chosen) AS k, sum(usable) AS u FROM site_candidates" \
        "$work/sites.gpkg" 2>/dev/null | sed -nE 's/.* = ([0-9]+).*/\1/p' | tr '\n' ' ')
    if [[ $rows == "9 2 8 " ]]; then
        ok "--out writes every candidate with chosen and usable flags to a GeoPackage"
    else
        fail "--out gpkg" "count, chosen, usable: '$rows'"
    fi
else
    fail "--out gpkg" "exit $?: $(cat "$work/err") $(cat "$work/out")"
fi

if "$dorf" site --quiet --db "$db" --category post --add 1 --model max-cover --candidates "$cands" \
    --out "$work/sites.csv" 2>"$work/err" &&
    head -1 "$work/sites.csv" | grep -q 'id.*usable.*chosen.*served_persons.*covered_persons' &&
    [[ $(grep -c . "$work/sites.csv") == 10 ]]; then
    ok "--out with .csv writes one row per candidate"
else
    fail "--out csv" "$(cat "$work/err"; head -3 "$work/sites.csv" 2>/dev/null)"
fi

# The German extract: generated candidates, all households, proven optimal.
extract=$shared/osm/north-bayreuth.osm.pbf
if [[ -r $extract ]]; then
    "$dorf" import --quiet --db "$work/nb.dorf" "$extract" || fail setup "extract import failed"
    if "$dorf" site --db "$work/nb.dorf" --category grocery --add 2 --model p-median --mode car \
        --generate 60 >"$work/out" 2>"$work/err"; then
        if grep -q '^candidates: 60 (60 within 500 m of a road)' "$work/out" &&
            grep -q ': optimal$' "$work/out" && [[ $(chosen | wc -w) == 2 ]]; then
            ok "60 generated candidates on the extract, solved to proven optimality"
        else
            fail "extract" "unexpected output: $(cat "$work/out")"
        fi
    else
        fail "extract" "exit $?: $(cat "$work/err")"
    fi
else
    echo "skip the extract ($extract missing)"
fi

site() { "$dorf" site --db "$db" --category bakery --add 1 --model p-median "$@"; }
expect_error "k = 0" 2 "--add takes a whole number" -- "$dorf" site --db "$db" --category bakery --add 0 --model p-median --candidates "$cands"
expect_error "an unknown category" 2 "unknown category 'baker'" -- "$dorf" site --db "$db" --category baker --add 1 --model p-median --candidates "$cands"
expect_error "an unknown model" 2 "p-median or max-cover" -- "$dorf" site --db "$db" --category bakery --add 1 --model median --candidates "$cands"
expect_error "no model" 2 "required" -- "$dorf" site --db "$db" --category bakery --add 1
expect_error "both kinds of candidates" 2 "not both" -- site --candidates "$cands" --generate 5
expect_error "a threshold beyond the limit" 2 "exceeds --limit" -- site --candidates "$cands" --threshold 90
expect_error "--add beyond --generate" 2 "exceeds the 5 candidates" -- "$dorf" site --db "$db" --category bakery --add 6 --model p-median --generate 5
expect_error "k larger than the candidates" 1 "cannot site 10 new places among 9 candidates" -- "$dorf" site --db "$db" --category bakery --add 10 --model p-median --candidates "$cands"
expect_error "k larger than the usable candidates" 1 "only 8 of the 9 candidates lie within the snap distance" -- "$dorf" site --db "$db" --category bakery --add 9 --model p-median --candidates "$cands"
expect_error "a missing candidates file" 1 "$work/none.csv" -- site --candidates "$work/none.csv"
printf 'id,lon,lat\na,11.5,50.0\nb,11.5\n' >"$work/bad.csv"
expect_error "a malformed candidates file" 1 "bad.csv:3" -- site --candidates "$work/bad.csv"
printf 'id,lon,lat\na,11.5,50.0\na,11.501,50.0\n' >"$work/twice.csv"
expect_error "an id used twice" 1 "twice.csv:3: the id 'a' is used twice" -- site --candidates "$work/twice.csv"
expect_error "no buildings near roads to generate from" 1 "give them as a CSV file" -- site --generate 5
expect_error "--strict-hours without --at" 2 "need --at" -- site --candidates "$cands" --strict-hours
expect_error "unwritable output" 1 "$work/none/sites.gpkg" -- site --quiet --candidates "$cands" --out "$work/none/sites.gpkg"

finish
