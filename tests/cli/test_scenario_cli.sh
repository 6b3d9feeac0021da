#!/usr/bin/env bash
# End-to-end tests of `dorf scenario run` on the village fixture: closing the only bakery
# loses every person's access to a bakery and the region file is left byte for byte as it
# was; --out writes the change tables, --report a self-contained HTML page (rendered in
# headless Chromium when it is installed; the screenshot is kept as a test artefact); bad
# scenario files and edits that do not fit the region are clear errors.
# Usage: test_scenario_cli.sh path/to/dorf [ARTEFACT_DIR]   (run by ctest)
set -u
dorf=$1
artefacts=${2:-${DORF_ARTEFACTS:-}}
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
work=$(mktemp -d /tmp/dorf-scenario-XXXXXX)
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"

"$dorf" import --quiet --db "$work/village.dorf" "$data/village.osm" || fail setup "village import failed"
# The graph caches are written on first use; make them now so the checksum below sees a
# settled file set.
"$dorf" coverage --quiet --db "$work/village.dorf" --at "Tue 10:00" || fail setup "coverage failed"
sum_before=$(sha256sum "$work/village.dorf" | cut -d' ' -f1)

cat >"$work/close.json" <<'JSON'
{"name": "Die Bäckerei schließt", "at": "2026-12-01 10:00", "categories": ["bakery"],
 "edits": [{"close": "n300"}]}
JSON
if "$dorf" scenario run --db "$work/village.dorf" --out "$work/change.gpkg" \
    --report "$work/report.html" "$work/close.json" >"$work/out" 2>"$work/err"; then
    if grep -qE '^bakery +walk +100\.0% +0\.0% +[0-9]+ +0$' "$work/out" &&
        grep -q "close n300 (Bäckerei Beispiel)" "$work/out" && grep -q "Beispieldorf" "$work/out"; then
        ok "closing the only bakery: everybody loses it, the settlement is listed"
    else
        fail "close bakery" "unexpected output: $(cat "$work/out")"
    fi
else
    fail "close bakery" "exit $?: $(cat "$work/err")"
fi
if [[ $(sha256sum "$work/village.dorf" | cut -d' ' -f1) == "$sum_before" ]]; then
    ok "the region file is unchanged"
else
    fail "baseline" "the region file changed"
fi
lost=$(ogrinfo -ro -q -sql "SELECT lost_15min FROM coverage_region WHERE mode = 'walk'" "$work/change.gpkg" 2>/dev/null |
    sed -nE 's/.*lost_15min \(Real\) = ([0-9.]+).*/\1/p')
persons=$(sqlite3 "$work/village.dorf" "SELECT sum(persons) FROM household" 2>/dev/null)
if [[ -n $lost && -n $persons ]] && awk -v a="$lost" -v b="$persons" 'BEGIN { exit !(a == b) }'; then
    ok "--out: the region table says every person lost the bakery within 15 min"
else
    fail "--out" "lost '$lost', persons '$persons'"
fi
if [[ -s $work/report.html ]] && grep -q "<svg" "$work/report.html" && ! grep -q "src=" "$work/report.html" &&
    [[ $(stat -c %a "$work/report.html") != 600 ]]; then
    ok "--report writes a self-contained, readable HTML page"
else
    fail "--report" "$(ls -la "$work")"
fi
chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -n $chromium && -n $artefacts ]]; then
    mkdir -p "$artefacts"
    timeout 60 "$chromium" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size=1100,2400 --screenshot="$artefacts/scenario-report.png" \
        "file://$work/report.html" >/dev/null 2>&1
    if [[ $(stat -c %s "$artefacts/scenario-report.png" 2>/dev/null || echo 0) -gt 20000 ]]; then
        ok "the report renders in headless Chromium ($artefacts/scenario-report.png)"
    else
        fail "screenshot" "no screenshot of the report"
    fi
fi

# A volunteer pool of 3 brings the bakery's goods to everybody in the little village.
printf '{"name": "pool", "categories": ["bakery"], "edits": [{"volunteers": {"count": 3}}]}' >"$work/pool.json"
if "$dorf" scenario run --db "$work/village.dorf" --at "2026-12-01 10:00" "$work/pool.json" >"$work/out" 2>"$work/err" &&
    grep -qE '^bakery +lieferbar +0\.0% +100\.0% +0 +[1-9][0-9]*$' "$work/out"; then
    ok "a volunteer pool gains everybody LieferBar access to the bakery"
else
    fail "volunteers" "$(cat "$work/out" "$work/err")"
fi
printf '{"name": "x", "edits": [{"volunteers": {"add": 5}}]}' >"$work/volunteers.json"
expect_error "a volunteer edit with an unknown member" 1 "unknown member 'add'" -- "$dorf" scenario run --db "$work/village.dorf" --at "Tue 10:00" "$work/volunteers.json"
printf '{"name": "x", "edits": [{"close": "n999"}]}' >"$work/missing.json"
expect_error "a place the region does not have" 1 "no place n999" -- "$dorf" scenario run --db "$work/village.dorf" --at "Tue 10:00" "$work/missing.json"
printf '{"name": "x", "edits": [' >"$work/broken.json"
expect_error "broken JSON names file, line and column" 1 "broken.json:1:" -- "$dorf" scenario run --db "$work/village.dorf" --at "Tue 10:00" "$work/broken.json"
printf '{"name": "x", "edits": [{"close": "n300"}]}' >"$work/no-at.json"
expect_error "no time given" 2 "--at" -- "$dorf" scenario run --db "$work/village.dorf" "$work/no-at.json"
expect_error "no such scenario file" 1 "nope.json" -- "$dorf" scenario run --db "$work/village.dorf" --at "Tue 10:00" "$work/nope.json"
expect_error "unknown subcommand" 2 "unknown subcommand" -- "$dorf" scenario walk
expect_error "unwritable report" 1 "$work/none/r.html" -- "$dorf" scenario run --quiet --db "$work/village.dorf" --report "$work/none/r.html" "$work/close.json"

finish
