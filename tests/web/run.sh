#!/usr/bin/env bash
# Browser tests of the portal (docs/portal.md): imports the North-Bayreuth extract, starts
# `dorf serve` with the portal on a free port of 127.0.0.1, and runs portal.test.mjs (node's
# test runner, playwright-core driving Debian's Chromium). The test seeds its accounts, shop,
# products and orders through the API. Screenshots go to $DORF_WEB_ARTEFACTS (ctest sets it
# to <build>/web-artefacts), with the server's log.
# Usage: tests/web/run.sh path/to/dorf
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
web=${DORF_WEB_DIR:-$here/../../web}
web=$(cd "$web" && pwd)
shared=${DORF_SHARED_DATA:-$here/../../../shared/data}
artefacts=${DORF_WEB_ARTEFACTS:-$PWD/web-artefacts}
chromium=${CHROMIUM:-/usr/bin/chromium}
work=$(mktemp -d /tmp/dorf-web-XXXXXX)
pid=
cleanup() {
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

need() { echo "web/portal: $1" >&2; exit 1; }
command -v node >/dev/null || need "node is missing: run scripts/install-deps (Debian: nodejs npm)"
[[ -x $chromium ]] || need "$chromium is missing: run scripts/install-deps (Debian: chromium)"
[[ -d $here/node_modules/playwright-core ]] ||
    need "tests/web/node_modules is missing: build with CMake (it runs npm ci in tests/web)"
[[ -f $web/node_modules/maplibre-gl/dist/maplibre-gl.js ]] ||
    need "web/node_modules is missing: build with CMake (it runs npm ci in web/)"

mkdir -p "$artefacts"
rm -f "$artefacts"/*.png
"$dorf" import --quiet --db "$work/region.dorf" "$shared/osm/north-bayreuth.osm.pbf" ||
    need "importing $shared/osm/north-bayreuth.osm.pbf failed"
"$dorf" serve --db "$work/region.dorf" --listen 127.0.0.1:0 --web "$web" --login-limit 1000 \
    --write-limit 0 --access-log "$artefacts/access.log" 2>"$artefacts/server.log" &
pid=$!
base=
for _ in $(seq 100); do
    base=$(grep -o 'listening on http://[^ ]*' "$artefacts/server.log" | sed 's/listening on //')
    [[ -n $base ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n $base ]] || need "dorf serve did not start: $(cat "$artefacts/server.log")"

cd "$here" || exit 1
DORF_BASE=$base DORF_WEB_ARTEFACTS=$artefacts DORF_WEB_DIR=$web CHROMIUM=$chromium \
    node --test --test-concurrency=1 --test-reporter=spec portal.test.mjs
rc=$?
echo "web/portal: screenshots in $artefacts"
exit $rc
