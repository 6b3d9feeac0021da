#!/usr/bin/env bash
# The bounded load test of `dorf serve` (docs/operations.md, "Load and abuse"): wrk with
# tests/load/mix.lua, 100 connections for 60 s on loopback, mixing reads (places near a point,
# base tiles, news) and writes (orders, DorfFunk posts), then nginx serving a static file of a
# tile's size with the same wrk settings, for the side-by-side line.
#
#   test_load.sh path/to/dorf
#
# Environment: LOAD_SECONDS (default 60; shorter only for local iteration, ctest uses 60),
# DORF_TEST_DATA. Needs wrk, nginx, curl, python3 and sqlite3 (scripts/install-deps).
# Passes when:
#   - no answer is a 5xx, none is a 429 (the write limit is turned off for the test: all 100
#     connections come from 127.0.0.1, and 600 changes a minute would refuse most writes),
#     no other 4xx, and wrk saw no socket errors or timeouts (--timeout 10s);
#   - no write is lost: every order id and post marker answered 2xx is in the database; the
#     database holds no more unanswered writes than wrk left in flight (it stops at its
#     deadline without reading the last answers: at most one per connection and run);
#   - resident memory is flat: the mean VmRSS of the last 10 s is at most 10 % + 8 MiB above
#     the mean of the first 10 s (sampled every second, after a 5 s warm-up run of the same mix).
# p99 latency and requests per second are reported, never judged.
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${LOAD_SECONDS:-60}
work=$(mktemp -d /tmp/dorf-load-XXXXXX)
pid=
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
nginx_started=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    [[ -n $nginx_started ]] && "$nginx_bin" -p "$work/nginx" -c nginx.conf -s stop 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
source "$here/../cli/lib.sh"

for tool in wrk curl python3 sqlite3; do
    command -v "$tool" >/dev/null || { fail setup "$tool is missing: run scripts/install-deps"; finish; exit; }
done
[[ -x $nginx_bin ]] || { fail setup "nginx is missing: run scripts/install-deps"; finish; exit; }

"$dorf" import --quiet --db "$work/r.dorf" "$root/data-samples/north-bayreuth.osm.pbf" ||
    { fail setup "import failed"; finish; exit; }
printf 'load-password-1\n' | "$dorf" account add --db "$work/r.dorf" --email shop@load.test \
    --name Shop --roles shop >/dev/null || fail setup "account add shop"
printf 'load-password-2\n' | "$dorf" account add --db "$work/r.dorf" --email anna@load.test \
    --name Anna >/dev/null || fail setup "account add citizen"

# All of wrk's connections come from 127.0.0.1: the per-address connection limit (default 32)
# must let 100 of them in, and the write limit (default 600 a minute) must not refuse them.
"$dorf" serve --db "$work/r.dorf" --listen 127.0.0.1:0 --write-limit 0 \
    --max-connections-per-ip 128 2>"$work/serve.err" &
pid=$!
base=
for _ in $(seq 100); do
    base=$(grep -so 'http://127.0.0.1:[0-9]*' "$work/serve.err" | head -1)
    [[ -n $base ]] && break
    sleep 0.1
done
[[ -n $base ]] || { fail serve "the server did not start: $(cat "$work/serve.err")"; finish; exit; }

json() { curl -sf --max-time 10 -H 'Content-Type: application/json' "$@"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
shop_token=$(json -d '{"email":"shop@load.test","password":"load-password-1"}' \
    "$base/api/login" | field token)
token=$(json -d '{"email":"anna@load.test","password":"load-password-2"}' "$base/api/login" |
    field token)
# A grocery to claim as the shop; its position is the point the places are searched around.
read -r osm_type osm_id lon lat < <(curl -sf "$base/api/places?category=grocery&limit=1" |
    python3 -c 'import json,sys; p=json.load(sys.stdin)[0]; print(p["osm_type"], p["osm_id"], p["lon"], p["lat"])')
shop=$(json -H "Authorization: Bearer $shop_token" \
    -d "{\"osm_type\":\"$osm_type\",\"osm_id\":$osm_id}" "$base/api/shops" | field id)
product=$(json -H "Authorization: Bearer $shop_token" \
    -d '{"name":"Brezel","price_cents":80,"unit":"piece","stock":10000000}' \
    "$base/api/shops/$shop/products" | field id)
for i in 1 2 3 4 5; do
    json -H "Authorization: Bearer $token" \
        -d "{\"title\":\"News $i\",\"body\":\"what happened in the village, part $i\"}" \
        "$base/api/news" >/dev/null || fail setup "news $i"
done
# The base tiles around the point at zooms 13 to 16: the tile with the point and its
# eastern and southern neighbours.
tiles=$(python3 - "$lon" "$lat" <<'EOF'
import math, sys
lon, lat = float(sys.argv[1]), float(sys.argv[2])
out = []
for z in range(13, 17):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    out += [f"{z}/{x}/{y}", f"{z}/{x + 1}/{y}", f"{z}/{x}/{y + 1}"]
print(" ".join(out))
EOF
)
[[ -n ${shop:-} && -n ${product:-} && -n ${token:-} && -n $tiles ]] ||
    { fail setup "could not make the shop, product or session"; finish; exit; }
ok setup

# The peer's file: the bytes of the largest of these tiles (a tile is what nginx would serve
# for a tiled map).
mkdir -p "$work/nginx/html" "$work/nginx/logs" "$work/out"
chmod 755 "$work" "$work/nginx" "$work/nginx/html" # nginx's workers may run as nobody
for t in $tiles; do
    curl -sf "$base/tiles/base/$t.mvt" -o "$work/tile"
    if [[ ! -f $work/nginx/html/tile.mvt ]] ||
        (($(wc -c <"$work/tile") > $(wc -c <"$work/nginx/html/tile.mvt"))); then
        cp "$work/tile" "$work/nginx/html/tile.mvt"
    fi
done
chmod 644 "$work/nginx/html/tile.mvt"
tile_bytes=$(wc -c <"$work/nginx/html/tile.mvt")

export LOAD_TOKEN=$token LOAD_SHOP=$shop LOAD_PRODUCT=$product LOAD_NEAR="$lon,$lat" \
    LOAD_TILES=$tiles LOAD_OUT=$work/out
# Warm-up (caches, the tile cache, SQLite's pages, malloc's arenas), not measured.
LOAD_RUN=warmup wrk -t2 -c100 -d5s --timeout 10s -s "$here/mix.lua" "$base" >"$work/warmup.txt" 2>&1 ||
    fail warmup "wrk failed: $(cat "$work/warmup.txt")"
cp -r "$work/out" "$work/out-warmup"
rm -f "$work/out"/*
# The server counts a closed connection against the per-address limit until its thread has
# cleaned it up: let it finish with the warm-up's 100 before wrk opens 100 new ones.
sleep 2

# Resident memory once a second while the measured run lasts.
(while kill -0 "$pid" 2>/dev/null; do
    awk '/^VmRSS/ {print $2}' "/proc/$pid/status"
    sleep 1
done) >"$work/rss.txt" 2>/dev/null &
sampler=$!
LOAD_RUN=measured wrk -t2 -c100 -d"${seconds}s" --timeout 10s --latency -s "$here/mix.lua" "$base" \
    >"$work/wrk.txt" 2>&1 || fail wrk "wrk failed: $(cat "$work/wrk.txt")"
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
cat "$work/wrk.txt"

# Counts from mix.lua's done() line and wrk's summary.
read -r ok2xx orders_ok posts_ok n4xx n429 n5xx nother p99_us timeouts econn eread ewrite < <(
    awk '/^mix:/ {print $3, $5, $7, $9, $11, $13, $15, $17, $19, $21, $23, $25}' "$work/wrk.txt")
rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
[[ -n ${ok2xx:-} ]] || { fail wrk "no summary from mix.lua"; finish; exit; }
[[ $n5xx == 0 ]] && ok no-5xx || fail no-5xx "$n5xx answers were 5xx; see $work/serve.err"
[[ $n429 == 0 ]] && ok no-429 || fail no-429 "$n429 answers were 429: the write limit is on?"
[[ $n4xx == 0 && $nother == 0 ]] && ok no-4xx ||
    fail no-4xx "$n4xx answers were 4xx and $nother neither 2xx nor 4xx/5xx"
[[ $((timeouts + econn + eread + ewrite)) == 0 ]] && ok no-socket-errors ||
    fail no-socket-errors "timeouts $timeouts, connect $econn, read $eread, write $ewrite"
((orders_ok > 0 && posts_ok > 0)) && ok writes-made ||
    fail writes-made "orders $orders_ok, posts $posts_ok answered 2xx"

# Stop the server (gracefully: the writes in flight finish) before reading the database.
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
rc=$?
pid=
[[ $rc == 0 ]] && ok stop || fail stop "exit code $rc after SIGTERM"

# Zero lost writes: what wrk was told is stored is in the database, and nothing else is.
cat "$work/out-warmup"/*.log "$work/out"/*.log >"$work/answered.txt"
lost=$(python3 - "$work/answered.txt" "$work/r.dorf" <<'EOF'
import sqlite3, sys
orders, posts = set(), set()
for line in open(sys.argv[1]):
    kind, value = line.split()
    (orders if kind == "order" else posts).add(value)
db = sqlite3.connect(sys.argv[2])
citizen = db.execute("SELECT id FROM app_user WHERE email = 'anna@load.test'").fetchone()[0]
stored_orders = {str(r[0]) for r in db.execute(
    "SELECT id FROM shop_order WHERE citizen_id = ?", (citizen,))}
stored_posts = {r[0] for r in db.execute(
    "SELECT title FROM post WHERE kind = 'funk' AND title LIKE 'load-%'")}
print(len(orders - stored_orders), len(posts - stored_posts),
      len(stored_orders - orders), len(stored_posts - posts),
      len(stored_orders), len(stored_posts))
EOF
)
read -r lost_orders lost_posts extra_orders extra_posts stored_orders stored_posts <<<"$lost"
echo "writes: $stored_orders orders and $stored_posts posts stored (warm-up included);" \
    "answered 2xx but missing: $lost_orders orders, $lost_posts posts;" \
    "stored but not answered 2xx: $extra_orders orders, $extra_posts posts"
[[ $lost_orders == 0 && $lost_posts == 0 ]] && ok no-lost-writes ||
    fail no-lost-writes "$lost_orders orders and $lost_posts posts answered 2xx are missing"
# wrk stops at its deadline without reading the answers in flight: each of the 100
# connections may have one write stored but unanswered per run (2 runs), besides those whose
# connection failed.
unanswered_bound=$((2 * 100 + timeouts + eread + ewrite))
((extra_orders + extra_posts <= unanswered_bound)) && ok unanswered-writes-bounded ||
    fail unanswered-writes-bounded "$extra_orders orders and $extra_posts posts stored" \
        "without a 2xx, more than the $unanswered_bound requests wrk left unanswered"

# Flat memory: the mean of the last 10 samples against the mean of the first 10.
read -r rss_first rss_last rss_samples < <(python3 - "$work/rss.txt" <<'EOF'
import sys
kb = [int(l) for l in open(sys.argv[1]) if l.strip()]
first, last = kb[:10], kb[-10:]
print(sum(first) // max(1, len(first)), sum(last) // max(1, len(last)), len(kb))
EOF
)
echo "resident memory: first 10 s $((rss_first / 1024)) MiB, last 10 s $((rss_last / 1024)) MiB" \
    "($rss_samples samples)"
if ((rss_samples < 20)); then
    fail memory-flat "only $rss_samples samples: LOAD_SECONDS must be at least 20"
elif ((rss_last <= rss_first * 110 / 100 + 8192)); then
    ok memory-flat
else
    fail memory-flat "last 10 s ${rss_last} kB > first 10 s ${rss_first} kB + 10 % + 8 MiB"
fi

# The peer: nginx serving the tile's bytes from a file, same wrk settings.
nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes $(nproc);
pid nginx.pid;
error_log logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$nport;
        root html;
        default_type application/vnd.mapbox-vector-tile;
        location / { }
    }
}
EOF
if "$nginx_bin" -p "$work/nginx" -c nginx.conf 2>"$work/nginx.err"; then
    nginx_started=1
    wrk -t2 -c100 -d"${seconds}s" --timeout 10s --latency "http://127.0.0.1:$nport/tile.mvt" \
        >"$work/nginx.txt" 2>&1
    n_rps=$(awk '/Requests\/sec/ {print $2}' "$work/nginx.txt")
    n_p99=$(awk '/^ +99%/ {print $2}' "$work/nginx.txt")
    "$nginx_bin" -p "$work/nginx" -c nginx.conf -s stop 2>/dev/null
    nginx_started=
    printf 'dorf mixed: %s req/s p99 %.2f ms | nginx static (%s bytes): %s req/s p99 %s | ratio %s\n' \
        "$rps" "$(echo "$p99_us" | awk '{print $1 / 1000}')" "$tile_bytes" "$n_rps" "$n_p99" \
        "$(python3 -c "print('%.3f' % ($rps / $n_rps))")"
else
    echo "nginx did not start (its side of the comparison is missing): $(cat "$work/nginx.err")"
fi
if (($(wc -l <"$work/serve.err") > 1)); then
    echo "the server's messages, in order (repeats counted):"
    sed 's/[0-9]\{4,\}/N/g' "$work/serve.err" | uniq -c | head -20
fi
grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$work/serve.err" &&
    fail sanitizer "$(grep -m5 "runtime error\|Sanitizer" "$work/serve.err")"
finish
