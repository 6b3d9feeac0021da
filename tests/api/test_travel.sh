#!/usr/bin/env bash
# End-to-end tests of lists by travel time (api/travel.c): GET /api/places, /api/shops,
# /api/news and /api/funk/{channel} with near=lon,lat&sort=travel_time&mode=walk|bike|car.
# On the north of Bayreuth ($DORF_SHARED_DATA/osm/north-bayreuth.osm.pbf) when it is there,
# else on the hand-made village: the lists come in non-decreasing travel_time_s, each time
# agrees with `dorf route` from the same origin, a post with a location gets a time and one
# without is left out, and bad arguments and a region without roads answer 400.
# Usage: test_travel.sh path/to/dorf
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
shared=${DORF_SHARED_DATA:-$(dirname "$0")/../../../shared/data}
work=$(mktemp -d /tmp/dorf-travel-XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/../cli/lib.sh"

if [[ -f $shared/osm/north-bayreuth.osm.pbf ]]; then
    osm=$shared/osm/north-bayreuth.osm.pbf
    origin=11.5800,49.9700 # Bayreuth, north of the centre
    radius=4000
else
    osm=$data/village.osm
    origin=11.5000,50.0000
    radius=2000
fi
echo "region: $osm, origin $origin"
db=$work/r.dorf
"$dorf" import --quiet --db "$db" "$osm" || fail setup "import failed"
# A hamlet with one footway, a bakery beside it and a kiosk 1.1 km away from it: roads for
# walking, none for cars. (The house is there because importing a region without buildings
# trips UBSan in importers/households.c, locate_addresses: &r->buildings[0] of NULL.)
cat >"$work/footway.osm" <<'OSM'
<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="dorf test">
  <node id="1" lat="50.0" lon="11.5" version="1"/>
  <node id="2" lat="50.0" lon="11.502" version="1"/>
  <node id="3" lat="50.0002" lon="11.501" version="1">
    <tag k="shop" v="bakery"/>
    <tag k="name" v="Bäckerei"/>
  </node>
  <node id="4" lat="50.01" lon="11.5005" version="1">
    <tag k="shop" v="kiosk"/>
    <tag k="name" v="Kiosk beyond the fields"/>
  </node>
  <node id="5" lat="50.0003" lon="11.5009" version="1"/>
  <node id="6" lat="50.0003" lon="11.5011" version="1"/>
  <node id="7" lat="50.0004" lon="11.5011" version="1"/>
  <node id="8" lat="50.0004" lon="11.5009" version="1"/>
  <way id="20" version="1">
    <nd ref="5"/>
    <nd ref="6"/>
    <nd ref="7"/>
    <nd ref="8"/>
    <nd ref="5"/>
    <tag k="building" v="yes"/>
  </way>
  <way id="10" version="1">
    <nd ref="1"/>
    <nd ref="2"/>
    <tag k="highway" v="footway"/>
  </way>
</osm>
OSM
empty=$work/footway.dorf
"$dorf" import --quiet --db "$empty" "$work/footway.osm" || fail setup "import of the footway failed"

# start DB: serves DB in the background (its pid appended to pids); listen_url DB waits for
# the address and prints it.
start() {
    "$dorf" serve --db "$1" --listen 127.0.0.1:0 >/dev/null 2>"$work/err.$(basename "$1")" &
    pids+=($!)
}
listen_url() {
    for _ in $(seq 100); do
        local b
        b=$(grep -o 'listening on http://[^ ]*' "$work/err.$(basename "$1")" | sed 's/listening on //')
        [[ -n $b ]] && { echo "$b"; return; }
        sleep 0.1
    done
}
start "$db"
start "$empty"
base=$(listen_url "$db")
base_empty=$(listen_url "$empty")
if [[ -z $base || -z $base_empty ]]; then
    fail setup "dorf serve did not start: $(cat "$work"/err.*)"
    finish
    exit 1
fi

req() { status=$(curl -s -o "$work/b" -w '%{http_code}' --max-time 60 "$@"); }
j() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$work/b" 2>/dev/null; }
check() {
    local name=$1 want=$2 cond=${3:-True}
    if [[ $status == "$want" && $(j "$cond") == True ]]; then
        ok "$name"
    else
        fail "$name" "status $status (want $want), body $(head -c 400 "$work/b")"
    fi
}
refused() { check "$1" 400 "j['error']['code'] == 'bad_query' and \"$2\" in j['error']['message']"; }
# route_time LON,LAT: the walking time from the origin by the CLI (CH), or "null".
route_time() {
    "$dorf" route --db "$db" --mode walk --max-snap 500 "$origin" "$1" 2>/dev/null |
        python3 -c "import json,sys; print(json.load(sys.stdin)['properties']['time_s'])" ||
        echo null
}
# agree FILE-OF-"LON,LAT TIME" LINES: every time within a second of route_time.
agree() {
    local bad=0 n=0
    while read -r pos t; do
        local want
        want=$(route_time "$pos")
        n=$((n + 1))
        if [[ $t == None ]]; then
            [[ $want == null ]] || { echo "  $pos: null, dorf route says $want" >&2; bad=1; }
        elif ! python3 -c "import sys; sys.exit(abs($t - $want) > 1.0)" 2>/dev/null; then
            echo "  $pos: $t s, dorf route says $want s" >&2
            bad=1
        fi
    done <"$1"
    [[ $bad == 0 && $n -gt 0 ]]
}

# ---- places -----------------------------------------------------------------------------
q="near=$origin&radius=$radius&sort=travel_time&mode=walk"
req "$base/api/places?$q&limit=1000"
check "places by walking time" 200 "len(j) >= 3 and all('travel_time_s' in p for p in j)"
cp "$work/b" "$work/places.json"
check "in non-decreasing travel_time_s, unreachable last" 200 \
    "(lambda t: [x for x in t if x is not None] == sorted(x for x in t if x is not None) and
      all(x is None for x in t[len([x for x in t if x is not None]):]))([p['travel_time_s'] for p in j])"
check "every place within the radius" 200 "all(p['distance_m'] <= $radius for p in j)"
echo "  $(j 'len(j)') places, $(j 'sum(p["travel_time_s"] is None for p in j)') unreachable"
j '"\n".join("%r,%r %s" % (p["lon"], p["lat"], p["travel_time_s"]) for p in j[:: max(1, len(j) // 12)])' \
    >"$work/pairs"
agree "$work/pairs" && ok "travel_time_s agrees with dorf route --mode walk (12 places)" ||
    fail "agreement with dorf route" "see above"

req "$base/api/places?$q&limit=3"
check "limit= keeps the fastest" 200 \
    "[p['id'] for p in j] == [p['id'] for p in json.load(open('$work/places.json'))[:3]]"
req "$base/api/places?$q&format=geojson&limit=2"
check "GeoJSON carries travel_time_s" 200 \
    "j['type'] == 'FeatureCollection' and 'travel_time_s' in j['features'][0]['properties']"
req "$base/api/places?near=$origin&radius=$radius&sort=travel_time&mode=car&limit=1000"
check "by car too" 200 "len(j) == len(json.load(open('$work/places.json')))"
req "$base/api/shops?near=$origin&radius=$radius&sort=travel_time&mode=bike"
check "shops take sort=travel_time" 200 "isinstance(j, list)"

# ---- errors ------------------------------------------------------------------------------
req "$base/api/places?near=$origin&radius=$radius&sort=travel_time"
refused "sort=travel_time without mode is 400" "'mode'"
req "$base/api/places?sort=travel_time&mode=walk"
refused "sort=travel_time without near is 400" "'near'"
req "$base/api/places?bbox=11.4,49.9,11.6,50.1&sort=travel_time&mode=walk"
refused "sort=travel_time with bbox is 400" "'near'"
req "$base/api/places?near=$origin&radius=$radius&sort=travel_time&mode=plane"
refused "an unknown mode is 400" "plane"
req "$base/api/places?near=$origin&radius=$radius&mode=walk"
refused "mode without sort=travel_time is 400" "'mode'"
req "$base/api/places?near=0,0&radius=1000&sort=travel_time&mode=walk"
refused "an origin far from any road is 400" "'near'"
req "$base_empty/api/places?near=11.5,50.0&radius=2000&sort=travel_time&mode=car"
refused "a region without roads for the mode is 400" "no roads"
req "$base_empty/api/places?near=11.5,50.0&radius=2000&sort=travel_time&mode=walk"
check "... while walking there works; a place far from roads is null and last" 200 \
    "[p['name'] for p in j] == ['Bäckerei', 'Kiosk beyond the fields'] and
     j[0]['travel_time_s'] > 0 and j[1]['travel_time_s'] is None"
req "$base/api/news?sort=travel_time&mode=walk"
refused "news: sort=travel_time without near is 400" "'near'"
req "$base/api/news?near=$origin&sort=travel_time"
refused "news: without mode is 400" "'mode'"
req "$base/api/news?near=$origin&sort=travel_time&mode=walk&before=5"
refused "news: before= pages only sort=time" "before"

# ---- posts ---------------------------------------------------------------------------------
req -X POST -H 'Content-Type: application/json' --data-binary \
    '{"email": "anna@dorf.test", "name": "Anna", "password": "password-Anna"}' "$base/api/register"
req -X POST -H 'Content-Type: application/json' --data-binary \
    '{"email": "anna@dorf.test", "password": "password-Anna"}' "$base/api/login"
anna=$(j 'j["token"]')
place=$(python3 -c "import json; p=[p for p in json.load(open('$work/places.json'))
    if p['travel_time_s'] is not None][-1]; print('%r,%r' % (p['lon'], p['lat']))")
post() { # post PATH JSON -> id
    req -X POST -H "Authorization: Bearer $anna" -H 'Content-Type: application/json' \
        --data-binary "$2" "$base$1"
    j 'j["id"]'
}
lon=${place%,*} lat=${place#*,}
located=$(post /api/news "{\"title\": \"Flohmarkt\", \"body\": \"b\", \"location\": {\"lon\": $lon, \"lat\": $lat}}")
unlocated=$(post /api/news '{"title": "Ohne Ort", "body": "b"}')
near_origin=$(post /api/news "{\"title\": \"Hier\", \"body\": \"b\", \"location\": {\"lon\": ${origin%,*}, \"lat\": ${origin#*,}}}")
req "$base/api/news?near=$origin&radius=$radius&sort=travel_time&mode=walk"
check "news by walking time: located posts only" 200 \
    "sorted(p['id'] for p in j['posts']) == sorted([$located, $near_origin]) and j['next_before'] is None"
check "the post at the origin comes first" 200 \
    "[p['id'] for p in j['posts']] == [$near_origin, $located] and
     j['posts'][0]['travel_time_s'] <= j['posts'][1]['travel_time_s']"
j '"\n".join("%r,%r %s" % (p["location"]["lon"], p["location"]["lat"], p["travel_time_s"]) for p in j["posts"])' \
    >"$work/pairs"
agree "$work/pairs" && ok "a post's travel_time_s agrees with dorf route" ||
    fail "post agreement" "see above"
[[ -n $unlocated ]] || fail "setup" "no post without location"
req "$base/api/news?near=$origin&radius=$radius&sort=travel_time&mode=walk&limit=1"
check "news: limit= keeps the fastest" 200 "[p['id'] for p in j['posts']] == [$near_origin]"
funk=$(post /api/funk/lending "{\"title\": \"Leiter\", \"body\": \"b\", \"location\": {\"lon\": $lon, \"lat\": $lat}}")
req -H "Authorization: Bearer $anna" "$base/api/funk/lending?near=$origin&radius=$radius&sort=travel_time&mode=bike"
check "funk by cycling time" 200 \
    "[p['id'] for p in j['posts']] == [$funk] and j['posts'][0]['travel_time_s'] is not None"
req "$base/api/events?near=$origin&radius=$radius&sort=travel_time&mode=car"
check "events by driving time (none yet)" 200 "j['posts'] == []"

kill -0 "${pids[0]}" 2>/dev/null && ok "the server still runs" || fail "server" "it died"
finish
