#!/usr/bin/env bash
# End-to-end tests of `dorf route` on the hand-made village (tests/data/village.osm):
# GeoJSON output with the known time and length, the graph cache beside the database, and
# one-line errors for bad input. Usage: test_route_cli.sh path/to/dorf
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
work=$(mktemp -d /tmp/dorf-route-XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

"$dorf" import --quiet --db "$work/v.dorf" "$data/village.osm" || fail setup "import failed"

# json_get FILE EXPR: evaluates a Python expression over the parsed GeoJSON `f`.
json_get() { python3 -c "import json,sys; f=json.load(open(sys.argv[1])); print($2)" "$1"; }

# West end of Hauptstraße (node 1) to its east end (node 4), by car: three segments of
# 0.001 degrees of longitude at 50 N, at the residential speed (30 km/h, under the 50 signed).
if "$dorf" route --db "$work/v.dorf" --mode car 11.5000,50.0000 11.5030,50.0000 >"$work/r.json" 2>"$work/err"; then
    type=$(json_get "$work/r.json" 'f["geometry"]["type"]')
    n=$(json_get "$work/r.json" 'len(f["geometry"]["coordinates"])')
    len=$(json_get "$work/r.json" 'round(f["properties"]["length_m"])')
    t=$(json_get "$work/r.json" 'f["properties"]["time_s"]')
    [[ $type == LineString && $n -eq 4 ]] && ok "route is a 4-point LineString" || fail "route shape" "$type with $n points"
    [[ $len -ge 213 && $len -le 216 ]] && ok "route length ${len} m" || fail "route length" "$len"
    python3 -c "import sys; sys.exit(0 if abs($t - $len / (30 / 3.6)) < 0.1 else 1)" && ok "car time ${t}s at 30 km/h" || fail "car time" "$t"
else
    fail "car route" "$(cat "$work/err")"
fi
[[ -f $work/v.dorf.car.graph ]] && ok "graph cache written beside the db" || fail "graph cache" "missing"

# Cars never snap onto Kirchweg: it is one-way with dead ends, so a car could not leave it;
# the south end of Kirchweg snaps to Hauptstraße instead. Walking routes go there.
"$dorf" route --db "$work/v.dorf" --mode car 11.5000,50.0000 11.5010,49.9990 >"$work/c.json" 2>"$work/err"
snap=$(json_get "$work/c.json" 'round(f["properties"]["to_snap_m"])')
[[ $snap -ge 100 ]] && ok "car snaps away from the dead-end one-way (${snap} m)" || fail "car snap" "$snap"
"$dorf" route --db "$work/v.dorf" --mode walk 11.5010,49.9990 11.5000,50.0000 >"$work/w.json" 2>"$work/err"
snap=$(json_get "$work/w.json" 'round(f["properties"]["from_snap_m"])')
[[ $snap -eq 0 ]] && ok "walking starts on Kirchweg itself" || fail "walk snap" "$snap: $(cat "$work/err")"

# A damaged cache is rebuilt, not trusted.
printf 'garbage' >"$work/v.dorf.car.graph"
"$dorf" route --db "$work/v.dorf" --mode car 11.5000,50.0000 11.5030,50.0000 >"$work/r2.json" 2>"$work/err" &&
    cmp -s "$work/r.json" "$work/r2.json" && ok "damaged cache is rebuilt" || fail "damaged cache" "$(cat "$work/err")"

# A cache of another mode under this mode's name is rebuilt, not used: walking time, not car.
cp "$work/v.dorf.car.graph" "$work/v.dorf.walk.graph"
"$dorf" route --db "$work/v.dorf" --mode walk 11.5000,50.0000 11.5030,50.0000 >"$work/w2.json" 2>"$work/err"
t=$(json_get "$work/w2.json" 'f["properties"]["time_s"]')
python3 -c "import sys; sys.exit(0 if abs($t - 215.1 / (5 / 3.6)) < 1 else 1)" && ok "a car cache under the walk name is not used (${t}s)" || fail "mode check" "walk time $t: $(cat "$work/err")"

"$dorf" route --db "$work/v.dorf" --mode car 12.5,51.0 11.5000,50.0000 >/dev/null 2>"$work/err"
[[ $? -eq 1 ]] && grep -qE "from the nearest road|within 1000 m" "$work/err" && ok "point far from roads" || fail "far point" "$(cat "$work/err")"
"$dorf" route --db "$work/v.dorf" --mode boat 11.5,50 11.5,50 >/dev/null 2>"$work/err"
[[ $? -eq 2 ]] && ok "unknown mode is a usage error" || fail "unknown mode" "$(cat "$work/err")"
"$dorf" route --db "$work/v.dorf" 11.5 11.5,50 >/dev/null 2>"$work/err"
[[ $? -eq 2 ]] && grep -q "LON,LAT" "$work/err" && ok "malformed coordinate" || fail "malformed coordinate" "$(cat "$work/err")"
"$dorf" route --db "$work/absent.dorf" 11.5,50 11.5,50 >/dev/null 2>"$work/err"
[[ $? -eq 1 ]] && ok "missing db" || fail "missing db" "$(cat "$work/err")"

finish
