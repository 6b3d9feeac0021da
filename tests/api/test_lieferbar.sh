#!/usr/bin/env bash
# End-to-end tests of LieferBar over HTTP (api/h_lieferbar.c, api/h_lieferbar_routes.c) on
# a real `dorf serve`: volunteers publish availability (bad inputs refused with the field
# named, nothing stored), list open parcels on the map (bbox, near, sort=distance), two
# volunteers claim the same parcels at once (exactly one 200 per parcel, many rounds), the
# winner reports picked up and delivered (the order becomes delivered) while the other gets
# 404; a route request answers 202 and its job a GeoJSON route, whose parcels are then
# claimed all at once (and a second time refused with 409). Parcels are set up with sqlite3
# as handed-over orders, as the marketplace would.
# Usage: test_lieferbar.sh path/to/dorf
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
shared=${DORF_SHARED_DATA:-$(dirname "$0")/../../../shared/data}
work=$(mktemp -d /tmp/dorf-lieferbar-api-XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/../cli/lib.sh"

for tool in curl sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/install-deps)"; exit 77; }
done

osm=$shared/osm/north-bayreuth.osm.pbf
[[ -f $osm ]] || osm=$data/village.osm
db=$work/r.dorf
"$dorf" import --quiet --db "$db" "$osm" || { fail setup "import of $osm failed"; finish; exit 1; }

"$dorf" serve --db "$db" --listen 127.0.0.1:0 2>"$work/serve.err" &
pid=$!
base=
for _ in $(seq 100); do
    base=$(grep -o 'listening on http://[^ ]*' "$work/serve.err" | sed 's/listening on //')
    [[ -n $base ]] && break
    sleep 0.1
done
[[ -n $base ]] || { fail setup "the server did not start: $(cat "$work/serve.err")"; finish; exit 1; }

# req NAME CURL-ARGS...: one request; status in $status, headers in $work/h, body in $work/b.
req() { status=$(curl -s -o "$work/b" -D "$work/h" -w '%{http_code}' --max-time 30 "$@"); }
json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$work/b" 2>/dev/null; }
sql() { sqlite3 -cmd '.timeout 5000' "$db" "$1"; }
# expect NAME STATUS [PYTHON-CONDITION over the body j]
expect() {
    local name=$1 want=$2 cond=${3:-True}
    if [[ $status == "$want" && $(json_get "bool($cond)") == True ]]; then
        ok "$name"
    else
        fail "$name" "status $status (expected $want), body $(head -c 300 "$work/b")"
    fi
}

# register EMAIL ROLE: prints the session token.
register() {
    curl -s -o /dev/null --max-time 30 -H 'Content-Type: application/json' \
        -d "{\"email\":\"$1\",\"name\":\"$1\",\"password\":\"correct horse battery\",\"roles\":[\"$2\"]}" \
        "$base/api/register"
    curl -s --max-time 30 -H 'Content-Type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"correct horse battery\"}" "$base/api/login" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
register admin@x.org citizen >/dev/null # the first account becomes admin
shop=$(register shop@x.org shop)
citizen=$(register citizen@x.org citizen)
anna=$(register anna@x.org volunteer)
ben=$(register ben@x.org volunteer)
[[ -n $anna && -n $ben && -n $citizen && -n $shop ]] || fail setup "registration failed"
A=(-H "Authorization: Bearer $anna" -H 'Content-Type: application/json')
B=(-H "Authorization: Bearer $ben" -H 'Content-Type: application/json')
C=(-H "Authorization: Bearer $citizen" -H 'Content-Type: application/json')

# Parcels: handed-over orders of one shop, pickups and drop-offs on road nodes near the
# middle of the region.
read -r cx cy <<<"$(sql "SELECT avg(lon), avg(lat) FROM road_node" | tr '|' ' ')"
node() { sql "SELECT lon || ' ' || lat FROM road_node ORDER BY (lon - $cx) * (lon - $cx) + (lat - $cy) * (lat - $cy) LIMIT 1 OFFSET $1"; }
read -r hx hy <<<"$(node 0)"
shop_user=$(sql "SELECT id FROM app_user WHERE email = 'shop@x.org'")
citizen_user=$(sql "SELECT id FROM app_user WHERE email = 'citizen@x.org'")
now=$(date +%s)
parcels=24
{
    echo "BEGIN;"
    read -r sx sy <<<"$(node 3)"
    echo "INSERT INTO shop (id, osm_type, osm_id, owner_id, name, lon, lat, created_at)
          VALUES (1, 'n', 1, $shop_user, 'Dorfladen', $sx, $sy, $now);"
    for i in $(seq $parcels); do
        read -r px py <<<"$(node $((i % 6 + 2)))"
        read -r dx dy <<<"$(node $((i % 9 + 10)))"
        echo "INSERT INTO shop_order (id, citizen_id, shop_id, state, delivery, dropoff_lon,
              dropoff_lat, total_cents, created_at, updated_at) VALUES ($i, $citizen_user, 1,
              'handed_over', 1, $dx, $dy, 500, $now, $now);
              INSERT INTO parcel (id, order_id, state, pickup_lon, pickup_lat, dropoff_lon,
              dropoff_lat, ready_at, due_from, due_until, size, created_at, updated_at)
              VALUES ($i, $i, 'open', $px, $py, $dx, $dy, $now, $now, $((now + 8 * 3600)), 1,
              $now, $now);"
    done
    echo "COMMIT;"
} >"$work/setup.sql"
sqlite3 -cmd '.timeout 5000' "$db" <"$work/setup.sql" || fail setup "inserting parcels failed"

# ---- availability ----
avail() { echo "{\"from_at\":$now,\"until_at\":$((now + 4 * 3600)),\"mode\":\"bike\",\"capacity\":3,\"max_detour_s\":1800,\"home\":{\"lon\":$hx,\"lat\":$hy}$1}"; }
req "${A[@]}" -d "$(avail '')" "$base/api/availability"
expect availability_is_published 201 'j["id"] > 0 and j["mode"] == "bike" and j["trip"] is None'
grep -qi '^location: /api/availability/' "$work/h" || fail availability_location "no Location"
avail_id=$(json_get 'j["id"]')

bad_availability() {
    local name=$1 field=$2 body=$3
    req "${A[@]}" -d "$body" "$base/api/availability"
    expect "$name" 400 "'$field' in j['error']['message']"
}
bad_availability unknown_field_is_refused colour "$(avail ',"colour":"red"')"
bad_availability window_must_not_be_empty until_at \
    "{\"from_at\":$now,\"until_at\":$now,\"mode\":\"bike\",\"capacity\":3,\"max_detour_s\":0,\"home\":{\"lon\":$hx,\"lat\":$hy}}"
bad_availability window_must_be_within_a_day until_at \
    "{\"from_at\":$now,\"until_at\":$((now + 86401)),\"mode\":\"bike\",\"capacity\":3,\"max_detour_s\":0,\"home\":{\"lon\":$hx,\"lat\":$hy}}"
bad_availability capacity_must_be_in_range capacity \
    "{\"from_at\":$now,\"until_at\":$((now + 60)),\"mode\":\"bike\",\"capacity\":21,\"max_detour_s\":0,\"home\":{\"lon\":$hx,\"lat\":$hy}}"
bad_availability detour_must_be_in_range max_detour_s \
    "{\"from_at\":$now,\"until_at\":$((now + 60)),\"mode\":\"bike\",\"capacity\":2,\"max_detour_s\":7201,\"home\":{\"lon\":$hx,\"lat\":$hy}}"
bad_availability mode_must_be_known mode \
    "{\"from_at\":$now,\"until_at\":$((now + 60)),\"mode\":\"bus\",\"capacity\":2,\"max_detour_s\":0,\"home\":{\"lon\":$hx,\"lat\":$hy}}"
bad_availability home_must_be_on_the_globe home \
    "{\"from_at\":$now,\"until_at\":$((now + 60)),\"mode\":\"car\",\"capacity\":2,\"max_detour_s\":0,\"home\":{\"lon\":$hx,\"lat\":91}}"
bad_availability trip_must_be_a_position trip "$(avail ',"trip":[11.5,50]')"
bad_availability times_must_be_integers from_at \
    "{\"from_at\":\"now\",\"until_at\":$((now + 60)),\"mode\":\"car\",\"capacity\":2,\"max_detour_s\":0,\"home\":{\"lon\":$hx,\"lat\":$hy}}"
req "${C[@]}" -d "$(avail '')" "$base/api/availability"
expect citizens_cannot_publish_availability 403
req -H 'Content-Type: application/json' -d "$(avail '')" "$base/api/availability"
expect availability_needs_a_session 401
req "${A[@]}" "$base/api/availability"
expect only_the_valid_availability_was_stored 200 "len(j) == 1 and j[0]['id'] == $avail_id"
req "${B[@]}" "$base/api/availability"
expect others_do_not_see_it 200 'j == []'
[[ $(sql "SELECT count(*) FROM availability") == 1 ]] || fail nothing_stored_on_4xx "rows"

# ---- the map ----
bbox=$(python3 -c "print(f'{$hx - 0.5},{$hy - 0.5},{$hx + 0.5},{$hy + 0.5}')")
req "${A[@]}" "$base/api/parcels?bbox=$bbox"
expect open_parcels_are_listed_in_a_bbox 200 \
    "len(j) == $parcels and j[0]['state'] == 'open' and 'lon' in j[0] and 'lon' in j[0]['dropoff']"
req "${A[@]}" "$base/api/parcels?bbox=$bbox&format=geojson"
expect parcels_come_as_geojson 200 \
    "j['type'] == 'FeatureCollection' and len(j['features']) == $parcels and
     j['features'][0]['geometry']['type'] == 'Point' and 'dropoff' in j['features'][0]['properties']"
grep -qi '^content-type: application/geo+json' "$work/h" || fail parcels_are_geojson "$(cat "$work/h")"
req "${A[@]}" "$base/api/parcels?near=$hx,$hy&radius=50000&sort=distance&limit=5"
expect parcels_sort_by_distance 200 \
    "len(j) == 5 and all(a['distance_m'] <= b['distance_m'] for a, b in zip(j, j[1:]))"
req "${A[@]}" "$base/api/parcels?bbox=0,0,1,1"
expect an_empty_box_has_no_parcels 200 "j == []"
req "${A[@]}" "$base/api/parcels?format=kml"
expect an_unknown_format_is_refused 400
req "${A[@]}" "$base/api/parcels?bbox=1,2,3"
expect a_bad_bbox_is_refused 400 "'bbox' in j['error']['message']"
req "${A[@]}" "$base/api/parcels?near=$hx,$hy"
expect near_needs_a_radius 400
req "${A[@]}" "$base/api/parcels?sort=distance"
expect sorting_needs_a_place 400
req "${C[@]}" "$base/api/parcels"
expect citizens_do_not_see_parcels 403

# ---- concurrent claims: two volunteers, the same parcel, at the same moment ----
rounds=16
bad=0
for i in $(seq $rounds); do
    curl -s -o /dev/null -w '%{http_code}' --max-time 30 "${A[@]}" -X POST \
        "$base/api/parcels/$i/claim" >"$work/a$i" &
    pa=$!
    curl -s -o /dev/null -w '%{http_code}' --max-time 30 "${B[@]}" -X POST \
        "$base/api/parcels/$i/claim" >"$work/b$i" &
    wait "$pa" $!
    a=$(cat "$work/a$i") b=$(cat "$work/b$i")
    owner=$(sql "SELECT u.email FROM parcel p JOIN app_user u ON u.id = p.volunteer_id WHERE p.id = $i")
    if [[ "$a$b" == 200409 && $owner == anna@x.org ]] || [[ "$a$b" == 409200 && $owner == ben@x.org ]]; then
        :
    else
        bad=$((bad + 1))
        echo "  round $i: anna $a, ben $b, owner $owner" >&2
    fi
done
if [[ $bad == 0 ]]; then ok "of_two_concurrent_claims_exactly_one_wins_in_${rounds}_rounds"; else
    fail of_two_concurrent_claims_exactly_one_wins "$bad of $rounds rounds"; fi
echo "     $rounds rounds of concurrent claims, $bad without exactly one winner"

# One of anna's parcels, for the rest.
mine=$(sql "SELECT min(p.id) FROM parcel p JOIN app_user u ON u.id = p.volunteer_id WHERE u.email = 'anna@x.org'")
[[ -n $mine ]] || { mine=1; sql "UPDATE parcel SET volunteer_id = (SELECT id FROM app_user WHERE email = 'anna@x.org') WHERE id = 1"; }
req "${A[@]}" "$base/api/parcels?mine=true"
expect the_volunteer_sees_own_claims 200 "any(f['id'] == $mine and f['state'] == 'claimed' for f in j)"
req "${B[@]}" "$base/api/parcels?mine=true"
expect others_do_not_list_them 200 "all(f['id'] != $mine for f in j)"
req "${B[@]}" -X POST "$base/api/parcels/$mine/picked-up"
expect others_cannot_pick_it_up 404
req "${B[@]}" -X POST "$base/api/parcels/$mine/release"
expect others_cannot_release_it 404
req "${A[@]}" -X POST "$base/api/parcels/$mine/delivered"
expect delivering_before_pickup_is_a_conflict 409
req "${A[@]}" -X POST "$base/api/parcels/$mine/picked-up"
expect the_owner_picks_it_up 200 "j['state'] == 'picked_up'"
req "${A[@]}" -X POST "$base/api/parcels/$mine/delivered"
expect the_owner_delivers_it 200 "j['state'] == 'delivered'"
[[ $(sql "SELECT state FROM shop_order WHERE id = (SELECT order_id FROM parcel WHERE id = $mine)") == delivered ]] &&
    ok its_order_is_delivered || fail its_order_is_delivered "order state"
req "${A[@]}" -X POST "$base/api/parcels/$mine/delivered"
expect delivering_twice_is_a_conflict 409
req "${A[@]}" -X POST "$base/api/parcels/999999/claim"
expect claiming_an_unknown_parcel_is_404 404
req "${A[@]}" -X POST "$base/api/parcels/abc/claim"
expect a_bad_id_is_404 404

# ---- a route proposal ----
req "${A[@]}" -d "{\"availability_id\":$avail_id,\"time_limit_s\":0.5}" "$base/api/routes"
expect a_route_request_is_accepted 202 "j['state'] == 'queued'"
job=$(grep -i '^location:' "$work/h" | tr -d '\r' | sed 's/^[Ll]ocation: //')
state=
for _ in $(seq 120); do
    req "${A[@]}" "$base$job"
    state=$(json_get 'j["state"]')
    [[ $state == done || $state == failed ]] && break
    sleep 0.5
done
expect the_route_job_finishes_with_geojson 200 \
    "j['state'] == 'done' and j['result']['type'] == 'FeatureCollection' and
     any(f['geometry']['type'] == 'LineString' and f['properties']['parcels']
         for f in j['result']['features']) and len(j['result']['parcels']) > 0"
route_parcels=$(json_get 'json.dumps(j["result"]["accept"]["body"])')
req "${B[@]}" "$base$job"
expect others_cannot_see_the_job 403
req "${A[@]}" -d "$route_parcels" "$base/api/parcels/claim"
expect the_route_is_accepted_all_at_once 200 "len(j['claimed']) > 0"
req "${B[@]}" -d "$route_parcels" "$base/api/parcels/claim"
expect accepting_it_again_is_a_conflict 409 "len(j['error']['parcels']) > 0"
req "${B[@]}" -d "{\"availability_id\":$avail_id}" "$base/api/routes"
expect routes_need_your_own_availability 404
req "${A[@]}" -d "{\"availability_id\":$avail_id,\"speed\":1}" "$base/api/routes"
expect route_requests_refuse_unknown_fields 400 "'speed' in j['error']['message']"
req "${A[@]}" -d "{\"availability_id\":$avail_id,\"parcels\":[\"x\"]}" "$base/api/routes"
expect route_parcels_must_be_ids 400 "'parcels' in j['error']['message']"
req "${A[@]}" -d "{\"availability_id\":$avail_id,\"parcels\":[$mine]}" "$base/api/routes"
expect routes_over_taken_parcels_are_conflicts 409

# ---- withdrawing availability ----
req "${B[@]}" -X DELETE "$base/api/availability/$avail_id"
expect others_cannot_delete_it 404
req "${A[@]}" -X DELETE "$base/api/availability/$avail_id"
[[ $status == 204 ]] && ok availability_is_deleted || fail availability_is_deleted "status $status"
req "${A[@]}" "$base/api/availability"
expect none_is_left 200 'j == []'

kill -TERM "$pid"
wait "$pid" 2>/dev/null
pid=
finish
