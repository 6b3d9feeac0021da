#!/usr/bin/env bash
# End-to-end tests of the vector tiles of `dorf serve` (api/h_tiles.c) on the North-Bayreuth
# region: tiles at zooms 12 to 16 saved as Z/X/Y.pbf and read back with GDAL's MVT driver
# (ogrinfo): the expected layers are there, the number of places, roads and buildings in each
# tile matches the region file (SpatiaLite in sqlite3) for the tile's bounds, and with GDAL's
# clipping off every geometry lies within the tile and its buffer; tiles far away are empty;
# malformed paths are 400; style.json and the TileJSON documents parse, name absolute URLs made
# from the Host header and those URLs work; ETag and If-None-Match give 304; live tiles show
# located events and news as the public lists do; parcel tiles need a volunteer; a new import
# while the server runs changes the tiles' ETag.
# Usage: test_tiles.sh path/to/dorf
set -u
dorf=$1
shared=${DORF_SHARED_DATA:-$(dirname "$0")/../../../shared/data}
work=$(mktemp -d /tmp/dorf-tiles-XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/../cli/lib.sh"

for tool in curl sqlite3 python3 ogrinfo ogr2ogr; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/install-deps)"; exit 77; }
done
osm=$shared/osm/north-bayreuth.osm.pbf
[[ -f $osm ]] || { echo "missing $osm (set DORF_SHARED_DATA)"; exit 77; }
db=$work/r.dorf
"$dorf" import --quiet --db "$db" "$osm" || { fail setup "import of $osm failed"; finish; exit 1; }
sqlite3 "$db" '.load mod_spatialite' 'SELECT 1' >/dev/null 2>&1 ||
    { echo "sqlite3 cannot load mod_spatialite (libsqlite3-mod-spatialite)"; exit 77; }

"$dorf" serve --db "$db" --listen 127.0.0.1:0 2>"$work/serve.err" &
pid=$!
base=
for _ in $(seq 100); do
    base=$(grep -o 'listening on http://[^ ]*' "$work/serve.err" | sed 's/listening on //')
    [[ -n $base ]] && break
    sleep 0.1
done
[[ -n $base ]] || { fail setup "the server did not start: $(cat "$work/serve.err")"; finish; exit 1; }

# req CURL-ARGS...: one request; status in $status, headers in $work/h, body in $work/b (or
# in $out when set; curl writes no file for an empty body, so it is removed first).
req() {
    local to=${out:-$work/b}
    rm -f "$to"
    status=$(curl -s -o "$to" -D "$work/h" -w '%{http_code}' --max-time 30 "$@")
    [[ -f $to ]] || : >"$to"
}
header() { grep -i "^$1:" "$work/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$work/b" 2>/dev/null; }
expect() {
    local name=$1 want=$2 cond=${3:-True}
    if [[ $status == "$want" && $(json_get "bool($cond)") == True ]]; then
        ok "$name"
    else
        fail "$name" "status $status (expected $want), body $(head -c 300 "$work/b")"
    fi
}

# ---- base tiles read back with GDAL ------------------------------------------------------------
# The tiles around the middle of the region's roads at each zoom, and their bounds.
read -r cx cy <<<"$(sqlite3 "$db" 'SELECT avg(lon), avg(lat) FROM road_node' | tr '|' ' ')"
python3 - "$cx" "$cy" >"$work/tiles.txt" <<'EOF'
import math, sys
lon, lat = float(sys.argv[1]), float(sys.argv[2])
def tile(z, lon, lat):
    n = 2 ** z
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2
    return int((lon + 180) / 360 * n), int(y * n)
for z in (12, 13, 14, 15, 16):
    x, y = tile(z, lon, lat)
    for dx, dy in ((0, 0), (1, 0)) if z >= 14 else ((0, 0),):
        print(z, x + dx, y + dy)
EOF
all_fetched=1
while read -r z x y; do
    mkdir -p "$work/tiles/$z/$x"
    out=$work/tiles/$z/$x/$y.pbf req "$base/tiles/base/$z/$x/$y.mvt"
    [[ $status == 200 && -s $work/tiles/$z/$x/$y.pbf ]] || all_fetched=0
    [[ $(header Content-Type) == application/vnd.mapbox-vector-tile ]] || all_fetched=0
done <"$work/tiles.txt"
[[ $all_fetched == 1 ]] && ok base_tiles_are_served || fail base_tiles_are_served "status $status"

# Counts per layer as GDAL reads a tile (clipped to the tile, as GDAL does by default).
cat >"$work/check.py" <<'EOF'
import json, math, re, subprocess, sys
db, tiles, z, x, y = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
path = f"{tiles}/{z}/{x}/{y}.pbf"
def bounds(z, x, y):
    n = 2 ** z
    lon = lambda x: x / n * 360 - 180
    lat = lambda y: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lon(x), lat(y + 1), lon(x + 1), lat(y)
def sql(q):
    out = subprocess.run(["sqlite3", db, ".load mod_spatialite", q], capture_output=True, text=True)
    return int(out.stdout.strip())
counts, names = {}, set()
out = subprocess.run(["ogrinfo", "-ro", "-al", "-q", path], capture_output=True, text=True)
for line in out.stdout.splitlines():
    m = re.match(r"OGRFeature\((\w+)\)", line)
    if m:
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
so = subprocess.run(["ogrinfo", "-ro", "-al", "-so", path], capture_output=True, text=True)
names = set(re.findall(r"Layer name: (\w+)", so.stdout))
w, s, e, n = bounds(z, x, y)
box = f"BuildMbr({w!r}, {s!r}, {e!r}, {n!r})"
minzoom = {"motorway": 6, "motorway_link": 6, "trunk": 6, "trunk_link": 6, "primary": 8,
           "primary_link": 8, "secondary": 9, "secondary_link": 9, "tertiary": 10,
           "tertiary_link": 10, "unclassified": 12, "residential": 12, "living_street": 12,
           "road": 12, "pedestrian": 12, "service": 13, "track": 13}
classes = [c for c, m in minzoom.items() if m <= z]
if z >= 14:
    classes += ["footway", "path", "cycleway", "bridleway", "steps"]
want = {
    "places": sql(f"SELECT count(*) FROM place WHERE X(geom) >= {w!r} AND X(geom) < {e!r} "
                  f"AND Y(geom) >= {s!r} AND Y(geom) < {n!r}") if z >= 12 else 0,
    "roads": sql(f"SELECT count(*) FROM road_edge WHERE ST_Intersects(geom, {box}) AND highway IN "
                 f"({','.join(repr(c) for c in classes)})"),
    "buildings": sql(f"SELECT count(*) FROM building WHERE ST_Intersects(geom, {box})") if z >= 13 else 0,
}
if z >= 13:
    for layer in ("landcover", "water", "waterway", "railway"):
        want[layer] = sql(f"SELECT count(*) FROM map_feature WHERE layer = '{layer}' AND "
                          f"ST_Intersects(geom, {box})")
# Below zoom 16 buildings smaller than 64 square tile units are left out: at least those a
# tenth larger than that (area_m2 is true area, a tile unit shrinks with cos(latitude)) stay.
unit_m = 40075016.686 * math.cos(math.radians((s + n) / 2)) / (2 ** z * 4096)
big = sql(f"SELECT count(*) FROM building WHERE ST_Intersects(geom, {box}) "
          f"AND area_m2 >= {1.1 * 64 * unit_m * unit_m!r}") if z >= 13 else 0
problems = []
# Places are points: exact. Lines and polygons: exact at zoom 16; below, a line shorter than a
# tile unit may collapse (at most 2 % of them) and polygons under the minimum area are left out.
for layer, n_sql in want.items():
    got = counts.get(layer, 0)
    low = big if layer == "buildings" else 0 if layer in ("landcover", "water") else n_sql * 0.98
    if layer == "places" or z >= 16:
        if got != n_sql:
            problems.append(f"{layer}: {got} in the tile, {n_sql} in the region")
    elif not (low <= got <= n_sql):
        problems.append(f"{layer}: {got} in the tile, {n_sql} in the region")
    if n_sql > 0 and layer not in names:
        problems.append(f"no layer {layer}")
if z < 13 and "buildings" in names:
    problems.append("buildings below zoom 13")
# Every vertex within the tile and its buffer (GDAL's clipping off), in degrees.
geo = subprocess.run(["ogr2ogr", "-oo", "CLIP=NO", "-t_srs", "EPSG:4326", "-f", "GeoJSON",
                      "/vsistdout/", path], capture_output=True, text=True)
pad = 64 / 4096
wb, sb, eb, nb = bounds(z, x - pad, y - pad)[0], bounds(z, x, y + pad)[1], \
    bounds(z, x + pad, y)[2], bounds(z, x, y - pad)[3]
def coords(c):
    if isinstance(c[0], (int, float)):
        yield c
    else:
        for k in c:
            yield from coords(k)
outside = 0
for text in re.split(r"\n(?=\{)", geo.stdout.strip()):
    try:
        doc = json.loads(text)
    except ValueError:
        continue
    for f in doc.get("features", []):
        for px, py in (c[:2] for c in coords(f["geometry"]["coordinates"])):
            eps = 1e-7
            if not (wb - eps <= px <= eb + eps and sb - eps <= py <= nb + eps):
                outside += 1
if outside:
    problems.append(f"{outside} vertices outside the buffered tile")
print("; ".join(problems) if problems else "ok", json.dumps(counts, sort_keys=True))
EOF
while read -r z x y; do
    result=$(python3 "$work/check.py" "$db" "$work/tiles" "$z" "$x" "$y" 2>&1)
    if [[ $result == ok* ]]; then
        ok "tile_${z}_${x}_${y}_matches_the_region"
    else
        fail "tile_${z}_${x}_${y}_matches_the_region" "$result"
    fi
done <"$work/tiles.txt"

# A zoom level's directory of tiles reads as one dataset (GDAL opens Z/ with its X/Y.pbf).
zoom_dir=$(ogrinfo -ro -so "$work/tiles/14" 2>&1)
if grep -q 'buildings' <<<"$zoom_dir" && grep -q 'roads' <<<"$zoom_dir"; then
    ok gdal_reads_a_zoom_directory
else
    fail gdal_reads_a_zoom_directory "$(head -5 <<<"$zoom_dir")"
fi

# ---- empty, malformed, cached ------------------------------------------------------------------
req "$base/tiles/base/14/100/100.mvt"
if [[ $status == 200 && ! -s $work/b ]]; then ok far_away_tiles_are_empty; else
    fail far_away_tiles_are_empty "status $status, $(wc -c <"$work/b") bytes"; fi
req "$base/tiles/base/0/0/0.mvt"
[[ $status == 200 ]] && ok the_whole_world_is_a_tile || fail the_whole_world_is_a_tile "$status"
for p in 23/0/0.mvt 3/8/0.mvt 3/0/8.mvt a/0/0.mvt 3/x/0.mvt 3/0/0 3/0/0.png 3/-1/0.mvt \
    03/0/0.mvt 3/0/0.mvt.gz; do
    req "$base/tiles/base/$p"
    expect "malformed_path_${p//\//_}_is_400" 400 \
        "j['error']['code'] == 'bad_request' and len(j['error']['message']) > 10"
done
req "$base/tiles/live/99/0/0.mvt"
expect malformed_live_path_is_400 400 "j['error']['code'] == 'bad_request'"
req "$base/tiles/nothing/1/0/0.mvt"
expect unknown_tile_source_is_404 404 "j['error']['code'] == 'not_found'"

read -r z x y <<<"$(sed -n 3p "$work/tiles.txt")"
req "$base/tiles/base/$z/$x/$y.mvt"
etag=$(header ETag)
if [[ $status == 200 && $etag == \"*-$z-$x-$y\" && $(header Cache-Control) == 'public, max-age=300' ]]; then
    ok base_tiles_carry_etag_and_cache_control
else
    fail base_tiles_carry_etag_and_cache_control "status $status, etag '$etag', $(cat "$work/h")"
fi
req -H "If-None-Match: $etag" "$base/tiles/base/$z/$x/$y.mvt"
if [[ $status == 304 && ! -s $work/b ]]; then ok if_none_match_gives_304; else
    fail if_none_match_gives_304 "status $status"; fi
req -H 'If-None-Match: "other"' "$base/tiles/base/$z/$x/$y.mvt"
[[ $status == 200 && -s $work/b ]] && ok another_etag_gives_the_tile || fail another_etag_gives_the_tile "$status"
req -I "$base/tiles/base/$z/$x/$y.mvt"
[[ $status == 200 ]] && ok head_is_answered || fail head_is_answered "$status"

# ---- TileJSON and the style --------------------------------------------------------------------
req "$base/tiles/style.json"
expect style_is_maplibre_version_8 200 \
    "j['version'] == 8 and set(j['sources']) == {'base', 'live'} and 'glyphs' not in j and
     'sprite' not in j and all(l['type'] != 'symbol' for l in j['layers']) and
     {'landcover', 'water', 'buildings', 'roads', 'places', 'events', 'posts'} <=
     {l['id'] for l in j['layers']} and
     all(l.get('source') in (None, 'base', 'live') for l in j['layers'])"
cp "$work/b" "$work/style.json"
# MapLibre's own validator, when the portal's packages are installed (web/node_modules).
spec=$(dirname "$0")/../../web/node_modules/@maplibre/maplibre-gl-style-spec
if command -v node >/dev/null && [[ -d $spec ]]; then
    errors=$(node -e 'const s = require(process.argv[1]);
        const e = s.validateStyleMin(require(process.argv[2]));
        console.log(e.map((x) => x.message).join("; "))' "$(cd "$spec" && pwd)" "$work/style.json" 2>&1)
    [[ -z $errors ]] && ok style_passes_maplibre_validation ||
        fail style_passes_maplibre_validation "$errors"
fi
urls_work=1
for source in base live; do
    url=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sources'][sys.argv[2]]['url'])" \
        "$work/style.json" "$source")
    [[ $url == "$base/tiles/$source.json" ]] || { urls_work=0; echo "url $url" >&2; }
    req "$url"
    expect "tilejson_${source}_is_valid" 200 \
        "j['tilejson'] == '3.0.0' and j['tiles'] == ['$base/tiles/$source/{z}/{x}/{y}.mvt'] and
         j['minzoom'] == 0 and j['maxzoom'] == 16 and len(j['bounds']) == 4 and
         j['bounds'][0] < $cx < j['bounds'][2] and j['bounds'][1] < $cy < j['bounds'][3] and
         'OpenStreetMap' in j['attribution'] and len(j['vector_layers']) > 0 and
         all('id' in l and isinstance(l['fields'], dict) for l in j['vector_layers'])"
    template=$(json_get "j['tiles'][0]")
    tile_url=${template/\{z\}/$z}
    tile_url=${tile_url/\{x\}/$x}
    tile_url=${tile_url/\{y\}/$y}
    req "$tile_url"
    [[ $status == 200 ]] || { urls_work=0; echo "$tile_url: $status" >&2; }
done
[[ $urls_work == 1 ]] && ok style_urls_lead_to_tiles || fail style_urls_lead_to_tiles "see above"
req "$base/tiles/base.json"
expect base_tilejson_lists_the_layers 200 \
    "[l['id'] for l in j['vector_layers']] == ['landcover', 'water', 'waterway', 'railway',
      'roads', 'buildings', 'places'] and j['vector_layers'][4]['fields'] ==
      {'class': 'String', 'name': 'String', 'oneway': 'Boolean'}"
req "$base/tiles/parcels.json"
expect parcels_tilejson 200 "j['vector_layers'][0]['id'] == 'parcels' and
    j['tiles'][0].endswith('/tiles/parcels/{z}/{x}/{y}.mvt')"
req -H 'Host: tiles.example.org:8443' -H 'X-Forwarded-Proto: https' "$base/tiles/base.json"
expect tile_urls_follow_the_host_header 200 \
    "j['tiles'] == ['https://tiles.example.org:8443/tiles/base/{z}/{x}/{y}.mvt']"
for host in 'evil.org/x' 'a b' 'x:99999999' '"q"' ''; do
    req -H "Host: $host" "$base/tiles/style.json"
    expect "bad_host_${host//[^a-z0-9]/_}_is_refused" 400 "j['error']['code'] == 'bad_request'"
done

# ---- live tiles: events and news ----------------------------------------------------------------
register() {
    curl -s -o /dev/null --max-time 30 -H 'Content-Type: application/json' \
        -d "{\"email\":\"$1\",\"name\":\"$1\",\"password\":\"correct horse battery\",\"roles\":[\"$2\"]}" \
        "$base/api/register"
    curl -s --max-time 30 -H 'Content-Type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"correct horse battery\"}" "$base/api/login" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
admin=$(register admin@x.org citizen)
sqlite3 -cmd '.timeout 5000' "$db" "UPDATE app_user SET roles = 33 WHERE email = 'admin@x.org'" ||
    fail setup "cannot make a moderator" # citizen (1) and moderator (32)
anna=$(register anna@x.org citizen)
vol=$(register vol@x.org volunteer)
[[ -n $admin && -n $anna && -n $vol ]] || fail setup "registration failed"
now=$(date +%s)
post() { # post TOKEN KIND JSON -> id
    curl -s --max-time 30 -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        -d "$3" "$base/api/$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
loc="\"location\": {\"lon\": $cx, \"lat\": $cy}"
ev=$(post "$anna" events "{\"title\": \"Dorffest\", \"body\": \"Am Anger\", $loc, \"starts_at\": $((now + 3600))}")
old=$(post "$anna" events "{\"title\": \"Vorbei\", \"body\": \"x\", $loc, \"starts_at\": $((now - 7200)), \"ends_at\": $((now - 3600))}")
news=$(post "$anna" news "{\"title\": \"Neue Bank\", \"body\": \"am Platz\", $loc}")
hidden=$(post "$anna" news "{\"title\": \"Versteckt\", \"body\": \"x\", $loc}")
post "$anna" news '{"title": "Ohne Ort", "body": "x"}' >/dev/null
curl -s -o /dev/null -X POST -H "Authorization: Bearer $admin" "$base/api/posts/$hidden/hide"
read -r z x y <<<"$(sed -n 3p "$work/tiles.txt")"
mkdir -p "$work/live/$z/$x"
out=$work/live/$z/$x/$y.pbf req "$base/tiles/live/$z/$x/$y.mvt"
live=$(ogrinfo -ro -al -q "$work/live/$z/$x/$y.pbf" 2>&1)
if [[ $status == 200 && $(header Cache-Control) == no-store ]] &&
    grep -q "title (String) = Dorffest" <<<"$live" && grep -q "starts_at (Integer.*) = $((now + 3600))" <<<"$live" &&
    grep -q "title (String) = Neue Bank" <<<"$live" && grep -q "kind (String) = news" <<<"$live" &&
    ! grep -q "Vorbei\|Versteckt\|Ohne Ort\|Am Anger\|anna" <<<"$live" &&
    [[ $(grep -c '^OGRFeature(events)' <<<"$live") == 1 && $(grep -c '^OGRFeature(posts)' <<<"$live") == 1 ]]; then
    ok live_tiles_show_located_events_and_news
else
    fail live_tiles_show_located_events_and_news "status $status: $live"
fi
req "$base/tiles/live/14/100/100.mvt"
[[ $status == 200 && ! -s $work/b ]] && ok live_tiles_elsewhere_are_empty || fail live_tiles_elsewhere_are_empty "$status"
[[ -n $ev && -n $old && -n $news ]] || fail setup "posting failed"

# ---- parcel tiles: volunteers only ---------------------------------------------------------------
node() { sqlite3 "$db" "SELECT lon || ' ' || lat FROM road_node ORDER BY (lon - $cx) * (lon - $cx) + (lat - $cy) * (lat - $cy) LIMIT 1 OFFSET $1"; }
read -r px py <<<"$(node 0)"
read -r dx dy <<<"$(node 1)"
citizen_user=$(sqlite3 "$db" "SELECT id FROM app_user WHERE email = 'anna@x.org'")
sqlite3 -cmd '.timeout 5000' "$db" "BEGIN;
  INSERT INTO shop (id, osm_type, osm_id, owner_id, name, lon, lat, created_at)
    VALUES (1, 'n', 1, $citizen_user, 'Dorfladen', $px, $py, $now);
  INSERT INTO shop_order (id, citizen_id, shop_id, state, delivery, dropoff_lon, dropoff_lat,
    total_cents, created_at, updated_at) VALUES (1, $citizen_user, 1, 'handed_over', 1, $dx, $dy,
    500, $now, $now), (2, $citizen_user, 1, 'handed_over', 1, $dx, $dy, 500, $now, $now);
  INSERT INTO parcel (id, order_id, state, pickup_lon, pickup_lat, dropoff_lon, dropoff_lat,
    ready_at, due_from, due_until, size, created_at, updated_at) VALUES
    (1, 1, 'open', $px, $py, $dx, $dy, $now, $now, $((now + 3600)), 1, $now, $now),
    (2, 2, 'delivered', $px, $py, $dx, $dy, $now, $now, $((now + 3600)), 1, $now, $now);
  COMMIT;" || fail setup "inserting parcels failed"
req "$base/tiles/parcels/$z/$x/$y.mvt"
expect parcel_tiles_need_a_session 401 "j['error']['code'] == 'unauthorized'"
req -H "Authorization: Bearer $anna" "$base/tiles/parcels/$z/$x/$y.mvt"
expect parcel_tiles_need_a_volunteer 403 "j['error']['code'] == 'forbidden'"
mkdir -p "$work/parcels/$z/$x"
out=$work/parcels/$z/$x/$y.pbf req -H "Authorization: Bearer $vol" "$base/tiles/parcels/$z/$x/$y.mvt"
parcels=$(ogrinfo -ro -al -q "$work/parcels/$z/$x/$y.pbf" 2>&1)
if [[ $status == 200 && $(header Cache-Control) == no-store ]] &&
    [[ $(grep -c '^OGRFeature(parcels)' <<<"$parcels") == 2 ]] &&
    grep -q "end (String) = pickup" <<<"$parcels" && grep -q "end (String) = dropoff" <<<"$parcels" &&
    grep -q "state (String) = open" <<<"$parcels" && ! grep -q "delivered\|Dorfladen" <<<"$parcels"; then
    ok volunteers_see_open_parcels_at_both_ends
else
    fail volunteers_see_open_parcels_at_both_ends "status $status: $parcels"
fi

# ---- a new import changes the tiles -------------------------------------------------------------
sleep 1 # a new import stamp (seconds)
"$dorf" import --quiet --db "$db" "$osm" || fail reimport "import failed"
sleep 6 # the server compares stamps at most every 5 seconds
req "$base/tiles/base/$z/$x/$y.mvt"
etag2=$(header ETag)
if [[ $status == 200 && -n $etag2 && $etag2 != "$etag" ]]; then ok a_new_import_changes_the_etag; else
    fail a_new_import_changes_the_etag "status $status, etag $etag -> $etag2"; fi
req -H "If-None-Match: $etag" "$base/tiles/base/$z/$x/$y.mvt"
[[ $status == 200 ]] && ok the_old_etag_is_stale || fail the_old_etag_is_stale "status $status"

kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
# Under ASan and UBSan the server reports leaks and undefined behaviour when it stops.
if grep -q 'Sanitizer\|runtime error' "$work/serve.err"; then
    fail the_server_stops_clean "$(grep -m3 'Sanitizer\|runtime error' "$work/serve.err")"
else
    ok the_server_stops_clean
fi
finish
