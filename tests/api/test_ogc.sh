#!/usr/bin/env bash
# End-to-end tests of OGC API Features (api/h_ogc.c) against a real `dorf serve` on the shared
# North-Bayreuth extract, read with GDAL's own client (ogrinfo OAPIF:) and with curl + python3:
# the collections GDAL lists (places, roads, events and the base map's land cover, water,
# waterways and railways), feature counts for whole layers and for a box compared with the
# region file (sqlite3 with SpatiaLite as the oracle), walking every page through the next
# links (each feature exactly once), single features by id, events appearing once posted
# through POST /api/events (and filtered by datetime), absolute links from a checked Host
# header, and bad queries answered 400/404.
# Usage: test_ogc.sh path/to/dorf
set -u
dorf=$1
shared=${DORF_SHARED_DATA:-$(dirname "$0")/../../../shared/data}
extract=$shared/osm/north-bayreuth.osm.pbf
work=$(mktemp -d /tmp/dorf-ogc-XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    [[ -n ${KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/../cli/lib.sh"

for tool in ogrinfo sqlite3 curl python3; do
    command -v "$tool" >/dev/null || { fail setup "$tool is not installed (scripts/install-deps)"; finish; exit 1; }
done
db=$work/r.dorf
"$dorf" import --quiet --db "$db" "$extract" || { fail setup "import of $extract failed"; finish; exit 1; }

"$dorf" serve --db "$db" --listen 127.0.0.1:0 2>"$work/err" &
pid=$!
base=
for _ in $(seq 100); do
    base=$(grep -o 'listening on http://[^ ]*' "$work/err" | sed 's/listening on //')
    [[ -n $base ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z $base ]]; then
    fail setup "dorf serve did not start: $(cat "$work/err")"
    finish
    exit 1
fi
ogc=$base/ogc

# req CURL-ARGS...: one request; status in $status, headers in $work/h, body in $work/b.
req() { status=$(curl -s -o "$work/b" -D "$work/h" -w '%{http_code}' --max-time 20 "$@"); }
# j EXPR: a Python expression over the last body, parsed as `j`.
j() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$work/b" 2>/dev/null; }
check() {
    local name=$1 want=$2 cond=${3:-True}
    if [[ $status == "$want" && $(j "$cond") == True ]]; then
        ok "$name"
    else
        fail "$name" "status $status (want $want), body $(head -c 400 "$work/b")"
    fi
}
refused() { check "$1" "$2" "j['error']['code'] == '$3' and len(j['error']['message']) > 10"; }
# sql QUERY: one value from the region file, with SpatiaLite's functions.
sql() { sqlite3 -readonly -batch "$db" ".load mod_spatialite" "$1" 2>"$work/sql.err" | tail -1; }
# count LAYER [ogrinfo options]: the feature count GDAL's OAPIF driver reports.
count() {
    local layer=$1
    shift
    ogrinfo -ro -so "$@" "OAPIF:$ogc" "$layer" 2>"$work/ogr.err" | sed -n 's/^Feature Count: //p'
}

# ---- landing page, conformance, collections --------------------------------------------------
req "$ogc"
check landing_page 200 "{l['rel']: l['type'] for l in j['links']}['service-desc'] ==
    'application/vnd.oai.openapi+json;version=3.0' and
    {l['rel']: l['href'] for l in j['links']}['data'] == '$ogc/collections' and
    {l['rel']: l['href'] for l in j['links']}['conformance'] == '$ogc/conformance' and
    {l['rel']: l['href'] for l in j['links']}['service-desc'] == '$base/api'"
grep -qi '^content-type: application/json' "$work/h" && ok landing_is_json || fail landing_is_json "$(cat "$work/h")"
req "$ogc/conformance"
check conformance 200 "set(j['conformsTo']) >= {'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
    'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson'}"
req "$base/api"
check openapi_lists_ogc_paths 200 "all(p in j['paths'] for p in ['/ogc', '/ogc/conformance',
    '/ogc/collections', '/ogc/collections/{collectionId}', '/ogc/collections/{collectionId}/items',
    '/ogc/collections/{collectionId}/items/{featureId}'])"
req "$ogc/collections"
check collections 200 "[c['id'] for c in j['collections']] == ['places', 'roads', 'events', 'landcover',
        'water', 'waterways', 'railways'] and
    all(c['itemType'] == 'feature' and c['crs'] == ['http://www.opengis.net/def/crs/OGC/1.3/CRS84']
        and len(c['extent']['spatial']['bbox'][0]) == 4
        and any(l['rel'] == 'items' and l['href'] == '$ogc/collections/' + c['id'] + '/items'
                for l in c['links']) for c in j['collections'])"
# The places' extent contains every place of the region file.
read -r minx miny maxx maxy <<<"$(sql "SELECT min(X(geom)) || ' ' || min(Y(geom)) || ' ' || max(X(geom)) || ' ' || max(Y(geom)) FROM place")"
req "$ogc/collections/places"
check places_extent_covers_the_places 200 "(lambda b: b[0] <= $minx and b[1] <= $miny and
    b[2] >= $maxx and b[3] >= $maxy and b[2] - b[0] < $maxx - $minx + 1e-4)(j['extent']['spatial']['bbox'][0])"

# ---- GDAL's client -----------------------------------------------------------------------------
ogrinfo -ro -so "OAPIF:$ogc" >"$work/layers" 2>"$work/ogr.err"
if grep -q '^1: places' "$work/layers" && grep -q '^2: roads' "$work/layers" &&
    grep -q '^3: events' "$work/layers" && grep -q '^4: landcover (title: Land cover) (Multi Polygon)' "$work/layers" &&
    grep -q '^7: railways' "$work/layers"; then
    ok ogrinfo_lists_the_collections
else
    fail ogrinfo_lists_the_collections "$(cat "$work/layers" "$work/ogr.err")"
fi
places=$(sql 'SELECT count(*) FROM place')
roads=$(sql 'SELECT count(*) FROM road_edge')
[[ $places -gt 10 && $roads -gt 1000 ]] && ok region_has_data || fail region_has_data "places $places roads $roads"
got=$(count places)
[[ $got == "$places" ]] && ok ogrinfo_counts_places || fail ogrinfo_counts_places "$got, want $places: $(cat "$work/ogr.err")"
got=$(count roads)
[[ $got == "$roads" ]] && ok ogrinfo_counts_roads || fail ogrinfo_counts_roads "$got, want $roads: $(cat "$work/ogr.err")"
got=$(count events)
[[ $got == 0 ]] && ok ogrinfo_no_events_yet || fail ogrinfo_no_events_yet "$got: $(cat "$work/ogr.err")"
# The base map: one collection per layer of map_feature.
for pair in landcover:landcover water:water waterways:waterway railways:railway; do
    collection=${pair%%:*}
    want=$(sql "SELECT count(*) FROM map_feature WHERE layer = '${pair##*:}'")
    got=$(count "$collection")
    [[ -n $got && $got == "$want" ]] && ok "ogrinfo_counts_$collection" || fail "ogrinfo_counts_$collection" "$got, want $want: $(cat "$work/ogr.err")"
done
[[ $(sql "SELECT count(*) FROM map_feature WHERE layer = 'landcover'") -gt 100 ]] && ok region_has_landcover ||
    fail region_has_landcover "the import made no land cover"
ogrinfo -ro -al -so "OAPIF:$ogc" places >"$work/places.info" 2>&1
grep -q '^open_now: Integer(Boolean)' "$work/places.info" && grep -q '^subclass: String' "$work/places.info" &&
    ok ogrinfo_sees_place_fields || fail ogrinfo_sees_place_fields "$(cat "$work/places.info")"

# A box in the middle of the region: GDAL (which sends bbox= and pages through next links)
# and the server's numberMatched against SpatiaLite on the file, without its spatial index.
box="11.53 50.0 11.56 50.02"
bbox=${box// /,}
read -r x0 y0 x1 y1 <<<"$box"
want_roads=$(sql "SELECT count(*) FROM road_edge WHERE Intersects(geom, BuildMbr($x0, $y0, $x1, $y1, 4326)) = 1")
want_places=$(sql "SELECT count(*) FROM place WHERE X(geom) BETWEEN $x0 AND $x1 AND Y(geom) BETWEEN $y0 AND $y1")
[[ $want_roads -gt 20 && $want_roads -lt $roads ]] && ok box_holds_some_roads || fail box_holds_some_roads "$want_roads of $roads"
got=$(count roads -spat $box)
[[ $got == "$want_roads" ]] && ok ogrinfo_counts_roads_in_box || fail ogrinfo_counts_roads_in_box "$got, want $want_roads"
got=$(count places -spat $box)
[[ $got == "$want_places" ]] && ok ogrinfo_counts_places_in_box || fail ogrinfo_counts_places_in_box "$got, want $want_places"
want_landcover=$(sql "SELECT count(*) FROM map_feature WHERE layer = 'landcover' AND Intersects(geom, BuildMbr($x0, $y0, $x1, $y1, 4326)) = 1")
got=$(count landcover -spat $box)
[[ $got == "$want_landcover" && $got -gt 0 ]] && ok ogrinfo_counts_landcover_in_box || fail ogrinfo_counts_landcover_in_box "$got, want $want_landcover"
req "$ogc/collections/landcover/items?bbox=$bbox&limit=1"
check landcover_box_number_matched 200 "j['numberMatched'] == $want_landcover"
req "$ogc/collections/roads/items?bbox=$bbox&limit=1"
check roads_box_number_matched 200 "j['numberMatched'] == $want_roads and j['numberReturned'] == 1"
grep -qi '^content-type: application/geo+json' "$work/h" && ok items_are_geojson || fail items_are_geojson "$(cat "$work/h")"

# ---- paging: every feature exactly once -------------------------------------------------------
# walk URL: follows the next links; prints "pages features distinct matched ok", where ok says
# that every page's numberReturned, numberMatched and prev link were consistent.
walk() {
    python3 - "$1" <<'EOF'
import json, sys, urllib.request
url, pages, ids, matched, good = sys.argv[1], 0, [], None, True
while url:
    with urllib.request.urlopen(url, timeout=20) as r:
        page = json.load(r)
    pages += 1
    feats = page['features']
    ids += [f['id'] for f in feats]
    good &= page['numberReturned'] == len(feats) and page['type'] == 'FeatureCollection'
    good &= matched in (None, page['numberMatched'])
    matched = page['numberMatched']
    rels = {l['rel']: l['href'] for l in page['links']}
    good &= (pages > 1) == ('prev' in rels) and 'self' in rels
    url = rels.get('next')
    good &= pages < 10000
print(pages, len(ids), len(set(ids)), matched, good)
EOF
}
read -r pages n distinct matched good <<<"$(walk "$ogc/collections/roads/items?limit=500")"
[[ $pages == $(((roads + 499) / 500)) && $n == "$roads" && $distinct == "$roads" && $matched == "$roads" && $good == True ]] &&
    ok paging_roads_each_once || fail paging_roads_each_once "pages $pages features $n distinct $distinct matched $matched ok $good"
read -r pages n distinct matched good <<<"$(walk "$ogc/collections/places/items?limit=7&bbox=$bbox")"
[[ $n == "$want_places" && $distinct == "$want_places" && $matched == "$want_places" && $good == True ]] &&
    ok paging_keeps_the_box || fail paging_keeps_the_box "pages $pages features $n distinct $distinct matched $matched ok $good"
req "$ogc/collections/roads/items?limit=3&offset=3"
check prev_and_next_links 200 "(lambda r: r['prev'].endswith('limit=3') and r['next'].endswith('limit=3&offset=6')
    and r['self'].startswith('$ogc/collections/roads/items?'))({l['rel']: l['href'] for l in j['links']})"
req "$ogc/collections/roads/items?offset=9223372036854775807&limit=10000"
check offset_at_the_top_is_an_empty_page 200 "j['features'] == [] and j['numberMatched'] == $roads and
    not any(l['rel'] == 'next' for l in j['links'])"
req "$ogc/collections/roads/items?limit=10"
check default_and_explicit_limit 200 "j['numberReturned'] == 10 and any(l['rel'] == 'next' for l in j['links'])"

# ---- single features ---------------------------------------------------------------------------
req "$ogc/collections/places/items?limit=1"
first=$(j "j['features'][0]['id']")
python3 -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1]))['features'][0], sort_keys=True))" "$work/b" >"$work/listed"
req "$ogc/collections/places/items/$first"
python3 -c "import json,sys; f=json.load(open(sys.argv[1])); f.pop('links'); print(json.dumps(f, sort_keys=True))" "$work/b" >"$work/single" 2>/dev/null
[[ $status == 200 && $first =~ ^[nwr][0-9]+$ ]] && cmp -s "$work/listed" "$work/single" &&
    ok place_round_trip || fail place_round_trip "$first: status $status, $(head -c 300 "$work/b")"
osm_type=${first:0:1}
osm_id=${first:1}
[[ $(sql "SELECT count(*) FROM place WHERE osm_type = '$osm_type' AND osm_id = $osm_id") == 1 ]] &&
    ok place_id_is_the_osm_element || fail place_id_is_the_osm_element "$first"
road=$(sql 'SELECT max(id) FROM road_edge')
req "$ogc/collections/roads/items/$road"
check road_round_trip 200 "j['id'] == $road and j['geometry']['type'] == 'LineString' and
    abs(j['properties']['length_m'] - $(sql "SELECT length_m FROM road_edge WHERE id = $road")) < 0.06 and
    j['properties']['class'] == '$(sql "SELECT highway FROM road_edge WHERE id = $road")' and
    len(j['geometry']['coordinates']) == $(sql "SELECT NumPoints(geom) FROM road_edge WHERE id = $road")"
req "$ogc/collections/water/items?limit=1"
water=$(j "j['features'][0]['id']")
req "$ogc/collections/water/items/$water"
check water_round_trip 200 "j['id'] == '$water' and j['geometry']['type'] in ('Polygon', 'MultiPolygon') and
    j['properties']['kind'] == '$(sql "SELECT kind FROM map_feature WHERE layer = 'water' AND osm_type || osm_id = '$water'")'"
for path in "places/items/x1" "places/items/n0" "places/items/n99999999999" "roads/items/0" \
    "roads/items/abc" "roads/items/$((road + 1))" "events/items/1" "water/items/n1" "landcover/items/$water"; do
    req "$ogc/collections/$path"
    refused "unknown_feature_$path" 404 not_found
done
for path in nope nope/items nope/items/1; do
    req "$ogc/collections/$path"
    refused "unknown_collection_$path" 404 not_found
done

# ---- bad queries -------------------------------------------------------------------------------
for q in 'foo=1' 'bbox=1,2,3' 'bbox=1,2,3,4,5' 'bbox=11.6,50,11.5,50.1' 'bbox=11,50,12,91' \
    'bbox=a,b,c,d' 'bbox=nan,1,2,3' 'bbox=' 'limit=0' 'limit=10001' 'limit=-1' 'limit=1.5' \
    'offset=-1' 'offset=9223372036854775808' 'f=html' 'bbox-crs=EPSG:4326' 'limit=5&limit=6' \
    'datetime=2026-01-01T00:00:00Z' 'LIMIT=5'; do
    req "$ogc/collections/roads/items?$q"
    refused "bad_query_$q" 400 bad_query
done
req "$ogc/collections/roads/items?f=json&bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84&bbox=$bbox"
check known_parameters_accepted 200 "j['numberMatched'] == $want_roads"
req "$ogc/collections?limit=5"
refused collections_take_no_limit 400 bad_query
for q in 'datetime=2026-13-01T00:00:00Z' 'datetime=2026-02-30' 'datetime=2026-01-01T10:00:00' \
    'datetime=2027-01-01/2026-01-01' 'datetime=a/b/c' 'datetime=yesterday'; do
    req "$ogc/collections/events/items?$q"
    refused "bad_datetime_$q" 400 bad_query
done

# ---- links from the Host header ----------------------------------------------------------------
req -H 'Host: dorf.example:8080' "$ogc/collections/roads/items?limit=1"
check links_use_the_host_header 200 "all(l['href'].startswith('http://dorf.example:8080/ogc/') for l in j['links'])"
for host in 'evil.example/x' 'a b' 'x@evil.example' 'dorf.example:99999'; do
    req -H "Host: $host" "$ogc"
    check "bad_host_falls_back_$host" 200 "all(l['href'].startswith('$base/') for l in j['links'])"
done

# ---- events, posted through the platform API ---------------------------------------------------
req -X POST -H 'Content-Type: application/json' --data-binary \
    '{"email": "anna@dorf.example", "name": "Anna", "password": "correct horse battery"}' "$base/api/register"
req -X POST -H 'Content-Type: application/json' --data-binary \
    '{"email": "anna@dorf.example", "password": "correct horse battery"}' "$base/api/login"
token=$(j "j['token']")
now=$(date +%s)
start=$((now + 86400 - now % 86400 + 17 * 3600)) # tomorrow 17:00 UTC
post() {
    req -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary "$2" "$base/api/$1"
}
post events "{\"title\": \"Dorffest\", \"body\": \"Am Anger\", \"starts_at\": $start, \"ends_at\": $((start + 7200)), \"location\": {\"lon\": 11.54, \"lat\": 50.01}}"
check event_posted 201
event=$(j "j['id']")
post events "{\"title\": \"Ohne Ort\", \"body\": \"b\", \"starts_at\": $start}"
check unlocated_event_posted 201
post news '{"title": "Neuigkeit", "body": "b", "location": {"lon": 11.54, "lat": 50.01}}'
check news_posted 201
got=$(count events)
[[ $got == 1 ]] && ok ogrinfo_counts_the_event || fail ogrinfo_counts_the_event "$got: $(cat "$work/ogr.err")"
iso() { python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1]), datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))" "$1"; }
req "$ogc/collections/events/items"
check event_feature 200 "j['numberMatched'] == 1 and j['features'][0]['id'] == $event and
    j['features'][0]['properties']['title'] == 'Dorffest' and
    j['features'][0]['properties']['starts_at'] == '$(iso "$start")' and
    j['features'][0]['properties']['ends_at'] == '$(iso $((start + 7200)))' and
    j['features'][0]['geometry']['coordinates'] == [11.54, 50.01] and
    'author' not in j['features'][0]['properties']"
req "$ogc/collections/events/items/$event"
check event_round_trip 200 "j['id'] == $event and j['properties']['body'] == 'Am Anger'"
req "$ogc/collections/events"
check events_temporal_extent 200 "j['extent']['temporal']['interval'] == [['$(iso "$start")', '$(iso $((start + 7200)))']]"
for dt in "$(iso $((start + 3600)))" "../$(iso "$start")" "$(iso $((start + 7200)))/.." \
    "$(iso $((start - 86400)))/$(iso $((start + 86400)))" "$(iso "$start" | cut -c1-10)"; do
    req --get --data-urlencode "datetime=$dt" "$ogc/collections/events/items"
    check "datetime_includes_$dt" 200 "j['numberMatched'] == 1"
done
plus_one=$(python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1]), datetime.timezone(datetime.timedelta(hours=1))).isoformat())" "$((start + 3600))")
req --get --data-urlencode "datetime=$plus_one" "$ogc/collections/events/items"
check "datetime_with_offset_$plus_one" 200 "j['numberMatched'] == 1"
for dt in "$(iso $((start - 1)))" "$(iso $((start + 7201)))/.." "../$(iso $((start - 1)))"; do
    req --get --data-urlencode "datetime=$dt" "$ogc/collections/events/items"
    check "datetime_excludes_$dt" 200 "j['numberMatched'] == 0 and j['features'] == []"
done
req "$ogc/collections/events/items?bbox=11.0,49.0,11.1,49.1"
check events_box_excludes 200 "j['numberMatched'] == 0"

req "$base/health"
[[ $status == 200 ]] && ok still_serving || fail still_serving "health $status"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
# Under the asan preset the server reports memory errors and leaks on its stderr at exit.
if [[ $rc == 0 ]] && ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$work/err"; then
    ok clean_exit
else
    fail clean_exit "exit $rc: $(grep -E -A5 'Sanitizer|runtime error' "$work/err" | head -20)"
fi
finish
