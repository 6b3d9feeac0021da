#!/usr/bin/env bash
# The portal's static files as `dorf serve` serves them (api/static.c), over HTTP with curl,
# on a hand-made portal directory: index at /, content types, Cache-Control, ETag and 304,
# HEAD, 404 pages (HTML outside the API, JSON under /api, /ogc, /tiles), and every way of
# naming a file outside the directory refused: "..", its percent-encodings, backslashes,
# NUL, hidden files, node_modules by path, and symbolic links (even ones inside). Then the
# server without a portal: the API still works and / says how to build it.
# Usage: test_static.sh path/to/dorf
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
work=$(mktemp -d /tmp/dorf-static-XXXXXX)
pid=
stop() { # a graceful stop, and SIGKILL after 15 s so that a stuck server fails fast
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 150); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null && echo "dorf serve did not stop on SIGTERM within 15 s" >&2
        wait "$pid" 2>/dev/null
    fi
    pid=
}
cleanup() {
    stop
    rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/../cli/lib.sh"

if ! "$dorf" import --quiet --db "$work/v.dorf" "$data/village.osm"; then
    fail setup "import failed"
    finish
    exit 1
fi

# The portal: a page, a style sheet in a folder, a vendor file, and things that must stay hidden.
web=$work/web
mkdir -p "$web/css" "$web/node_modules/maplibre-gl/dist" "$web/sub"
printf '<!doctype html><title>portal</title>\n' >"$web/index.html"
printf 'body { color: black }\n' >"$web/css/site.css"
printf 'var maplibregl = {};\n' >"$web/node_modules/maplibre-gl/dist/maplibre-gl.js"
printf '{"name": "x"}\n' >"$web/node_modules/maplibre-gl/package.json"
printf 'secret\n' >"$work/secret.txt"
printf 'hidden\n' >"$web/.env"
printf 'noext\n' >"$web/README"
ln -s "$work/secret.txt" "$web/leak.txt"
ln -s "$web/index.html" "$web/inner.html"
ln -s "$work" "$web/up"

start() { # start ARGS...: serve the village with ARGS; $base is its URL
    "$dorf" serve --db "$work/v.dorf" --listen 127.0.0.1:0 "$@" 2>"$work/err" &
    pid=$!
    base=
    # Up to 30 s: a shared machine running the suites in parallel can be slow to start one.
    for _ in $(seq 300); do
        base=$(grep -o 'listening on http://[^ ]*' "$work/err" | sed 's/listening on //')
        [[ -n $base ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [[ -n $base ]] || echo "dorf serve did not start: $(cat "$work/err")" >&2
}
# get PATH [CURL-ARGS...]: status in $status, headers in $work/h, body in $work/b.
get() {
    local path=$1
    shift
    rm -f "$work/b"
    status=$(curl -s --path-as-is -o "$work/b" -D "$work/h" -w '%{http_code}' --max-time 10 \
        "$@" "$base$path")
}
header() { grep -i "^$1:" "$work/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
expect() { # expect NAME STATUS [CONTENT-TYPE-PREFIX [BODY-SUBSTRING]]
    local name=$1 want=$2 type=${3:-} text=${4:-}
    if [[ $status != "$want" ]]; then
        fail "$name" "status $status, want $want; body $(head -c 200 "$work/b")"
    elif [[ -n $type && $(header Content-Type) != "$type"* ]]; then
        fail "$name" "Content-Type '$(header Content-Type)', want $type"
    elif [[ -n $text ]] && ! grep -qF -- "$text" "$work/b"; then
        fail "$name" "body lacks '$text': $(head -c 200 "$work/b")"
    else
        ok "$name"
    fi
}
never_secret() { # never_secret NAME PATH: the answer is an error and never the secret file
    get "$2"
    if [[ $status == 200 ]] || grep -q secret "$work/b"; then
        fail "$1" "status $status, body $(head -c 100 "$work/b")"
    elif [[ $status != 400 && $status != 404 ]]; then
        fail "$1" "status $status, want 400 or 404"
    else
        ok "$1"
    fi
}

start --web "$web"
[[ -n $base ]] || { fail setup "dorf serve did not start: $(cat "$work/err")"; finish; exit 1; }

get /
expect "/ serves index.html" 200 "text/html; charset=utf-8" "<title>portal</title>"
[[ $(header Cache-Control) == no-cache ]] && ok "index.html is revalidated (no-cache)" ||
    fail "index.html cache" "Cache-Control '$(header Cache-Control)'"
[[ $(header X-Content-Type-Options) == nosniff ]] && ok "nosniff on files" || fail nosniff "missing"
etag=$(header ETag)
[[ $etag == \"*\" ]] && ok "an entity tag" || fail etag "ETag '$etag'"
get / -H "If-None-Match: $etag"
[[ $status == 304 && ! -s $work/b ]] && ok "If-None-Match answers 304 without a body" ||
    fail 304 "status $status"
get / -H 'If-None-Match: "other"'
expect "another tag gets the file" 200 "text/html"
get /index.html
expect "/index.html" 200 "text/html"
get /css/site.css
expect "a style sheet in a folder" 200 "text/css; charset=utf-8" "color: black"
get /css/site.css -I
[[ $status == 200 && $(header Content-Length) == 22 ]] && ! grep -q color "$work/b" &&
    ok "HEAD: headers and length only" ||
    fail HEAD "status $status, length $(header Content-Length)"
get /vendor/maplibre-gl/maplibre-gl.js
expect "vendor files from node_modules/maplibre-gl/dist" 200 "text/javascript" "maplibregl"
[[ $(header Cache-Control) == no-cache ]] && ok "an unversioned vendor URL is revalidated" ||
    fail "vendor cache" "$(header Cache-Control)"
get '/vendor/maplibre-gl/maplibre-gl.js?v=5.24.1'
[[ $(header Cache-Control) == *immutable* && $(header Cache-Control) == *max-age=31536000* ]] &&
    ok "a versioned vendor URL is kept a year" || fail "versioned cache" "$(header Cache-Control)"
get /nothere.html
expect "a missing file: HTML 404 page" 404 "text/html" "Not found"
get /README
expect "a file of no served type is not served" 404 "text/html"
get /api/nothere
expect "under /api: JSON 404" 404 "application/json" '"code":"not_found"'
for p in /ogc/nothere /tiles/nothere /health/x; do
    get "$p"
    expect "$p: JSON 404" 404 "application/json" '"not_found"'
done
status=$(curl -s -o "$work/b" -w '%{http_code}' -X POST "$base/index.html")
expect "POST to a file: JSON 404" 404 "application/json"

never_secret "../ is refused" /../secret.txt
never_secret "../ deeper is refused" /css/../../secret.txt
never_secret "%2e%2e is refused" /%2e%2e/secret.txt
never_secret "%2E%2E/ upper case is refused" /css/%2E%2E/%2E%2E/secret.txt
never_secret "..%2f is refused" /..%2fsecret.txt
never_secret "%252e%252e (double encoding) is refused" /%252e%252e/secret.txt
never_secret "backslashes are refused" '/..%5csecret.txt'
never_secret "a raw backslash is refused" '/css\..\..\secret.txt'
never_secret "a symbolic link out of the directory is not followed" /leak.txt
never_secret "a link to a directory outside is not followed" /up/secret.txt
never_secret "hidden files are not served" /.env
never_secret "node_modules is not served by its path" /node_modules/maplibre-gl/package.json
never_secret "// is refused" //etc/passwd
get '/inner.html'
expect "even a link inside is not followed" 404
# libmicrohttpd decodes %00 to NUL, which ends the path: what follows never reaches a file.
get '/index.html%00/../../secret.txt'
if [[ $status == 200 ]] && grep -q '<title>portal' "$work/b"; then
    ok "NUL ends the path (what follows it is never used)"
elif [[ $status == 400 || $status == 404 ]]; then
    ok "NUL is refused"
else
    fail "NUL" "status $status, body $(head -c 100 "$work/b")"
fi
get /health
expect "the API still answers beside the portal" 200 "application/json" '"status":"ok"'
stop

# No portal: the API works, / says how to build it.
start --web "$work/none"
[[ -n $base ]] || { fail "start without a portal" "$(cat "$work/err")"; finish; exit 1; }
grep -q "no portal in $work/none" "$work/err" && ok "a warning names the missing portal" ||
    fail "no-portal warning" "$(cat "$work/err")"
get /
expect "/ without a portal says how to build it" 503 "text/html" "npm ci"
get /health
expect "the API works without a portal" 200 "application/json"
stop

DORF_WEB_DIR=$web start
get /css/site.css
expect "DORF_WEB_DIR names the portal when --web is not given" 200 "text/css"
stop

"$dorf" serve --help | grep -q -- '--web DIR' && ok "--help names --web" ||
    fail help "--web missing"
finish
