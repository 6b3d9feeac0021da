#!/usr/bin/env bash
# End-to-end tests of `dorf isochrone` on the village fixture: the output is a GeoJSON
# FeatureCollection with one Feature per time, nested and growing, rings closed and oriented
# as RFC 7946 asks; and the error paths (bad --minutes, a point far from any road, no --db).
# Usage: test_isochrone_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
work=$(mktemp -d /tmp/dorf-iso-XXXXXX)
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"


"$dorf" import --quiet --db "$work/village.dorf" "$data/village.osm" || fail setup "village import failed"

# check_geojson NAME FILE N: a FeatureCollection of N features with the given minutes, each a
# (Multi)Polygon with closed rings of >= 4 points, exteriors counter-clockwise and holes
# clockwise, areas growing with the minutes.
check_geojson() {
    python3 - "$2" "$3" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
assert doc["type"] == "FeatureCollection", doc.get("type")
feats = doc["features"]
assert len(feats) == want, f"{len(feats)} features, expected {want}"
def area2(ring):
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:]))
last = None
for f in feats:
    assert f["type"] == "Feature"
    p = f["properties"]
    assert p["minutes"] > 0 and p["area_m2"] > 0 and p["mode"] in ("walk", "bike", "car"), p
    g = f["geometry"]
    polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    assert g["type"] in ("Polygon", "MultiPolygon") and polys, g["type"]
    for poly in polys:
        for k, ring in enumerate(poly):
            assert len(ring) >= 4 and ring[0] == ring[-1], "ring not closed"
            assert (area2(ring) > 0) == (k == 0), "ring orientation is not RFC 7946's"
            for lon, lat in ring:
                assert 11.49 < lon < 11.52 and 49.99 < lat < 50.01, (lon, lat)
    if last is not None and p["minutes"] > last["minutes"]:
        assert p["area_m2"] >= last["area_m2"], "area shrinks with time"
    last = p
EOF
}

"$dorf" isochrone --db "$work/village.dorf" --mode walk --minutes 1,2,3 11.5015,50.0001 \
    >"$work/iso.json" 2>"$work/err"
rc=$?
if [[ $rc -eq 0 ]] && check_geojson walk "$work/iso.json" 3 2>"$work/py"; then
    ok "walking isochrones are a FeatureCollection of 3 nested, oriented polygons"
else
    fail "walking isochrones" "rc $rc: $(cat "$work/err" "$work/py")"
fi
if python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["features"]; assert [x["properties"]["minutes"] for x in f]==[1,2,3]' "$work/iso.json" 2>/dev/null; then
    ok "features come in the order of --minutes"
else
    fail "feature order" "$(head -c 300 "$work/iso.json")"
fi

"$dorf" isochrone --db "$work/village.dorf" --mode car --minutes 0.5 11.5015,50.0001 \
    >"$work/car.json" 2>"$work/err"
rc=$?
if [[ $rc -eq 0 ]] && check_geojson car "$work/car.json" 1 2>"$work/py"; then
    ok "a single driving isochrone"
else
    fail "driving isochrone" "rc $rc: $(cat "$work/err" "$work/py")"
fi

"$dorf" isochrone --db "$work/village.dorf" --minutes 2 --reverse --buffer 20 11.5015,50.0001 \
    >"$work/rev.json" 2>"$work/err"
rc=$?
if [[ $rc -eq 0 ]] && check_geojson reverse "$work/rev.json" 1 2>"$work/py"; then
    ok "--reverse and --buffer"
else
    fail "--reverse" "rc $rc: $(cat "$work/err" "$work/py")"
fi

db=$work/village.dorf
expect_error "--minutes 0" 2 "--minutes" -- "$dorf" isochrone --db "$db" --minutes 0 11.5015,50.0001
expect_error "--minutes abc" 2 "--minutes" -- "$dorf" isochrone --db "$db" --minutes abc 11.5015,50.0001
expect_error "--minutes 5,,10" 2 "--minutes" -- "$dorf" isochrone --db "$db" --minutes 5,,10 11.5015,50.0001
expect_error "--minutes 5,-1" 2 "--minutes" -- "$dorf" isochrone --db "$db" --minutes 5,-1 11.5015,50.0001
expect_error "--minutes 5," 2 "--minutes" -- "$dorf" isochrone --db "$db" --minutes 5, 11.5015,50.0001
expect_error "no --minutes" 2 "--minutes" -- "$dorf" isochrone --db "$db" 11.5015,50.0001
expect_error "no --db" 2 "--db" -- "$dorf" isochrone --minutes 5 11.5015,50.0001
expect_error "bad coordinate" 2 "LON,LAT" -- "$dorf" isochrone --db "$db" --minutes 5 11.5,95
expect_error "bad mode" 2 "--mode" -- "$dorf" isochrone --db "$db" --mode plane --minutes 5 11.5015,50.0001
expect_error "point far from any road" 1 "road a walk route may use" -- "$dorf" isochrone --db "$db" --minutes 5 11.6,50.0
expect_error "missing database" 1 "absent.dorf" -- "$dorf" isochrone --db "$work/absent.dorf" --minutes 5 11.5015,50.0001
if "$dorf" isochrone --help | grep -q "usage: dorf isochrone"; then ok "isochrone --help"; else fail "isochrone --help" "no usage"; fi
if "$dorf" --help | grep -q "isochrone"; then ok "dorf --help lists isochrone"; else fail "dorf --help" "no isochrone"; fi

finish
