#!/usr/bin/env bash
# End-to-end tests of `dorf export` on the sample extract with synthetic platform activity
# (scripts/seed-activity): exports in all four formats and both grids, then
#   - export_leak_scan.py: no e-mail, name, text, id, exact position or exact time of the
#     database in any byte of any file (and the scan does find them in a leaky dump);
#   - export_check.py: k-anonymity of published cells checked against cells computed with
#     cs2cs, totals that reveal nothing of suppressed cells, pseudonyms that join within an
#     export and not across two, the same figures from a repeated export;
#   - bad input: k below 2, an unknown format or grid, an existing directory, a directory
#     that cannot be made: a clear error and nothing left behind.
# Usage: test_export_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
extract=$here/../../data-samples/north-bayreuth.osm.pbf
work=$(mktemp -d /tmp/dorf-export-XXXXXX)
trap 'umount "$work/small" 2>/dev/null; rm -rf "$work"' EXIT
source "$here/lib.sh"
db=$work/r.dorf

"$dorf" import --quiet --db "$db" "$extract" || fail setup "import failed"
"$here/../../scripts/seed-activity" "$db" --citizens 250 --orders 800 --volunteers 20 \
    --now 1795000000 >/dev/null || fail setup "seed-activity failed"

# 1. The four formats, both grids, both kinds of noise.
if "$dorf" export --db "$db" --out "$work/gpkg" >"$work/out" 2>"$work/err" &&
    grep -q "published .*, suppressed [1-9]" "$work/out" &&
    [[ -f $work/gpkg/export.gpkg && -f $work/gpkg/manifest.json ]]; then
    ok "gpkg export with manifest"
else
    fail "gpkg export" "$(cat "$work/out" "$work/err")"
fi
"$dorf" export --quiet --db "$db" --out "$work/csv" --format csv --time hour &&
    [[ $(ls "$work/csv" | grep -c '^export-.*\.csv$') -eq 6 ]] && ok "csv export: six files" ||
    fail "csv export" "$(ls "$work/csv")"
"$dorf" export --quiet --db "$db" --out "$work/geojson" --format geojson --grid 100m &&
    grep -q CRS3035RES100mN "$work/geojson/export-cells.geojson" &&
    ok "geojson export on the 100 m grid" || fail "geojson export" "no 100 m cells"
"$dorf" export --quiet --db "$db" --out "$work/fgb" --format fgb --epsilon 0.5 &&
    python3 -c "import json,sys; n=json.load(open(sys.argv[1]))['noise']; \
        sys.exit(0 if n['method'] == 'laplace' and n['epsilon'] == 0.5 else 1)" \
        "$work/fgb/manifest.json" && ok "fgb export with Laplace noise" ||
    fail "fgb export" "manifest lacks the Laplace parameters"
hours=$(cut -d, -f6 "$work/csv/export-orders.csv" | sed -n 2p)
[[ $hours =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}$ ]] && ok "--time hour gives hours" ||
    fail "--time hour" "period '$hours'"
"$dorf" export --quiet --db "$db" --out "$work/again" || fail "repeat export" "failed"

# 2. Leaks: every byte of every file of every export.
if python3 "$here/export_leak_scan.py" "$db" "$work/gpkg" "$work/csv" "$work/geojson" \
    "$work/fgb" >"$work/scan" 2>&1; then
    ok "leak scan: $(tail -1 "$work/scan")"
else
    fail "leak scan" "$(head -20 "$work/scan")"
fi
# The scan must find what a careless export would hold.
mkdir "$work/leaky"
sqlite3 -csv "$db" "SELECT o.id, u.email, o.dropoff_lon, o.dropoff_lat, o.created_at
    FROM shop_order o JOIN app_user u ON u.id = o.citizen_id WHERE o.delivery = 1
    LIMIT 3" >"$work/leaky/dump.csv"
if ! python3 "$here/export_leak_scan.py" "$db" "$work/leaky" >"$work/scan" 2>&1 &&
    grep -q "LEAK.*text .*@" "$work/scan" && grep -q "LEAK.*position" "$work/scan" &&
    grep -q "LEAK.*time" "$work/scan" && grep -q "LEAK.*id " "$work/scan"; then
    ok "the leak scan finds e-mail, position, time and id in a careless dump"
else
    fail "leak scan control" "$(tail -5 "$work/scan")"
fi

# 3. Disclosure control against independently computed cells.
if python3 "$here/export_check.py" "$db" 5 "$work/gpkg" "$work/again" "$work/again" \
    >"$work/check" 2>&1; then
    ok "disclosure checks ($(grep -c '^ok' "$work/check") passed)"
else
    fail "disclosure checks" "$(grep -v '^ok' "$work/check")"
fi

# 4. Bad input: a clear error and nothing new in the directory.
touch "$work/afile"
before=$(ls -a "$work")
expect_error "k below 2" 2 "at least 2" -- "$dorf" export --db "$db" --out "$work/x" --k 1
expect_error "unknown format" 2 "unknown format 'shp'" -- \
    "$dorf" export --db "$db" --out "$work/x" --format shp
expect_error "unknown grid" 2 "--grid takes 1km or 100m" -- \
    "$dorf" export --db "$db" --out "$work/x" --grid 5km
expect_error "existing directory" 1 "already exists" -- \
    "$dorf" export --quiet --db "$db" --out "$work/gpkg"
expect_error "unwritable place" 1 "cannot make a directory" -- \
    "$dorf" export --quiet --db "$db" --out "$work/afile/x"
[[ $(ls -a "$work") == "$before" ]] && ok "no partial output left" ||
    fail "partial output" "$(diff <(echo "$before") <(ls -a "$work"))"

# 5. A disk that fills up half-way (a 100 KiB tmpfs; needs root, as CI runs): exit 1 with a
#    message, and the filesystem as empty as before, whatever the format.
mkdir "$work/small"
if mount -t tmpfs -o size=100k tmpfs "$work/small" 2>/dev/null; then
    for format in gpkg csv geojson fgb; do
        "$dorf" export --quiet --db "$db" --out "$work/small/x" --format $format \
            >"$work/out" 2>"$work/err"
        rc=$?
        if [[ $rc -eq 1 && -s $work/err && -z $(ls -A "$work/small") ]]; then
            ok "a full disk ($format): an error, nothing left"
        else
            fail "full disk ($format)" "exit $rc, left: $(ls -A "$work/small"); $(cat "$work/err")"
        fi
        rm -rf "${work:?}/small/"*
    done
    umount "$work/small"
else
    echo "skip: full-disk checks need root to mount a tmpfs"
fi

finish
