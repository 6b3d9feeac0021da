#!/usr/bin/env bash
# End-to-end tests of `dorf lieferbar plan`: on the village fixture and (when ../shared/data
# is there) the north-Bayreuth extract, the GeoJSON is a FeatureCollection with a route per
# volunteer used, a Point per stop and per unserved parcel, every route within the detour
# its volunteer accepted; and the errors: no --db, a bad date or count (exit 2), a region
# without shops or with none open that day (exit 1, one line).
# Usage: test_lieferbar_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
work=$(mktemp -d /tmp/dorf-lieferbar-XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

"$dorf" import --quiet --db "$work/village.dorf" "$data/village.osm" || fail setup "village import failed"

# check_plan FILE PARCELS: the plan's GeoJSON is consistent; prints "served routes".
check_plan() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
parcels = int(sys.argv[2])
assert doc["type"] == "FeatureCollection", doc.get("type")
routes = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
points = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
assert len(routes) + len(points) == len(doc["features"]), "unexpected geometry"
stops = [p for p in points if p["properties"]["kind"] in ("pickup", "dropoff", "trip")]
unserved = [p for p in points if p["properties"]["kind"] == "unserved"]
assert len(stops) + len(unserved) == len(points)
assert len(stops) == sum(len(r["properties"]["stops"]) for r in routes), "stops != route stops"
served = set()
for r in routes:
    p = r["properties"]
    assert p["mode"] in ("walk", "bike", "car") and len(r["geometry"]["coordinates"]) >= 2
    assert p["detour_s"] <= p["max_detour_s"] + 1e-3, f"detour {p['detour_s']} > {p['max_detour_s']}"
    kinds = [s["kind"] for s in p["stops"]]
    for parcel in p["parcels"]:
        i = [k for k, s in enumerate(p["stops"]) if s["parcel"] == parcel]
        assert len(i) == 2 and kinds[i[0]] == "pickup" and kinds[i[1]] == "dropoff", (parcel, kinds)
        assert parcel not in served
        served.add(parcel)
    times = [s["time"] for s in p["stops"]]
    assert times == sorted(times) and p["departure"] <= times[0] <= times[-1] <= p["return"], times
for u in unserved:
    assert u["properties"]["reason"] in ("unserved", "no road nearby")
    assert u["properties"]["parcel"] not in served
assert len(served) + len(unserved) == parcels, f"{len(served)} + {len(unserved)} != {parcels}"
print(len(served), len(routes))
EOF
}

# The village on a Tuesday: its bakery and pharmacy, its few households.
if "$dorf" lieferbar plan --db "$work/village.dorf" --date 2026-12-01 --parcels 8 \
    --volunteers 3 --seed 2 --time 0.3 --out "$work/v.geojson" 2>"$work/err"; then
    if r=$(check_plan "$work/v.geojson" 8 2>"$work/py"); then
        ok "village plan is consistent GeoJSON (served, routes: $r)"
    else
        fail "village plan" "$(cat "$work/py")"
    fi
    grep -q "served .* of 8 parcels" "$work/err" && ok "summary on stderr" || fail summary "$(cat "$work/err")"
else
    fail "village plan" "$(cat "$work/err")"
fi
# Standard output without --out, nothing else there; --quiet prints no summary.
"$dorf" lieferbar plan --db "$work/village.dorf" --date 2026-12-01 --parcels 4 --volunteers 2 \
    --time 0.1 --quiet >"$work/s.geojson" 2>"$work/err"
[[ $? -eq 0 && ! -s $work/err ]] && check_plan "$work/s.geojson" 4 >/dev/null 2>&1 &&
    ok "GeoJSON on stdout, --quiet" || fail "stdout" "$(cat "$work/err")"

if [[ -r ${DORF_SHARED_DATA:-/nonexistent}/osm/north-bayreuth.osm.pbf ]]; then
    "$dorf" import --quiet --db "$work/nb.dorf" "$DORF_SHARED_DATA/osm/north-bayreuth.osm.pbf" ||
        fail setup "north-bayreuth import failed"
    start=$(date +%s.%N)
    if "$dorf" lieferbar plan --db "$work/nb.dorf" --date 2026-12-01 --parcels 20 --volunteers 6 \
        --seed 42 --time 0.5 --out "$work/nb.geojson" 2>"$work/err"; then
        secs=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $start))")
        if r=$(check_plan "$work/nb.geojson" 20 2>"$work/py"); then
            [[ ${r%% *} -gt 0 ]] && ok "north-bayreuth: 20 parcels, 6 volunteers (served, routes: $r) in ${secs}s" ||
                fail "north-bayreuth" "nothing served: $(cat "$work/err")"
        else
            fail "north-bayreuth plan" "$(cat "$work/py")"
        fi
    else
        fail "north-bayreuth plan" "$(cat "$work/err")"
    fi
else
    echo "  (no ../shared/data: north-bayreuth skipped)"
fi

"$dorf" lieferbar plan --help >"$work/out" 2>&1 && grep -q "usage: dorf lieferbar plan" "$work/out" &&
    ok "--help" || fail "--help" "$(cat "$work/out")"
expect_error "missing --db" 2 "--db FILE is required" -- "$dorf" lieferbar plan --date 2026-12-01
expect_error "bad date" 2 "not a date" -- "$dorf" lieferbar plan --db "$work/village.dorf" --date 2026-02-30
expect_error "bad count" 2 "--parcels" -- "$dorf" lieferbar plan --db "$work/village.dorf" --parcels -3
expect_error "no subcommand" 2 "usage" -- "$dorf" lieferbar
expect_error "unknown subcommand" 2 "unknown subcommand" -- "$dorf" lieferbar replan --db "$work/village.dorf"
expect_error "missing database" 1 "absent.dorf" -- "$dorf" lieferbar plan --db "$work/absent.dorf" --date 2026-12-01
expect_error "no shop open on Sunday" 1 "open on Sunday 2026-11-29" -- \
    "$dorf" lieferbar plan --db "$work/village.dorf" --date 2026-11-29

# A hamlet with a road and houses but no shop.
cat >"$work/hamlet.osm" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="dorf test">
  <node id="1" lat="50.0" lon="11.5"/>
  <node id="2" lat="50.0" lon="11.502"/>
  <node id="11" lat="50.0002" lon="11.5005"/>
  <node id="12" lat="50.0002" lon="11.5006"/>
  <node id="13" lat="50.0003" lon="11.5006"/>
  <node id="14" lat="50.0003" lon="11.5005"/>
  <way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>
  <way id="2"><nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/>
    <tag k="building" v="house"/></way>
</osm>
EOF
"$dorf" import --quiet --db "$work/hamlet.dorf" "$work/hamlet.osm" || fail setup "hamlet import failed"
expect_error "region without shops" 1 "no shops" -- \
    "$dorf" lieferbar plan --db "$work/hamlet.dorf" --date 2026-12-01
[[ ! -e $work/none.geojson ]] && "$dorf" lieferbar plan --db "$work/hamlet.dorf" --date 2026-12-01 \
    --out "$work/none.geojson" 2>/dev/null
[[ ! -e $work/none.geojson ]] && ok "no output file after an error" || fail "output after error" "file written"

finish
