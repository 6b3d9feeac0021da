#!/usr/bin/env bash
# End-to-end tests of `dorf import` and `dorf info` as a user runs them: exit codes, one-line
# errors that name the file, databases left unchanged by every kind of bad input, and the
# counts of a real extract checked against what GDAL's ogrinfo reports for the same file.
# Usage: test_import_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
shared=${DORF_SHARED_DATA:-$(dirname "$0")/../../../shared/data}
work=$(mktemp -d /tmp/dorf-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"


checksum() { sha256sum "$1" | cut -d' ' -f1; }

# A region to protect: every failing import below must leave it byte for byte as it is.
"$dorf" import --quiet --db "$work/region.dorf" "$data/village.osm" || fail setup "village import failed"
before=$(checksum "$work/region.dorf")
unchanged() {
    if [[ $(checksum "$work/region.dorf") == "$before" ]]; then ok "$1 leaves the region unchanged"; else fail "$1" "the region file changed"; fi
}

expect_error "missing extract" 1 "nowhere.osm.pbf" -- "$dorf" import --db "$work/region.dorf" "$work/nowhere.osm.pbf"
unchanged "missing extract"

head -c 3000 "$data/village.osm" >"$work/cut.osm"
expect_error "truncated XML extract" 1 "cut.osm" -- "$dorf" import --db "$work/region.dorf" "$work/cut.osm"
unchanged "truncated XML extract"

if [[ -f $shared/osm/north-bayreuth.osm.pbf ]]; then
    head -c 200000 "$shared/osm/north-bayreuth.osm.pbf" >"$work/cut.osm.pbf"
    expect_error "truncated PBF extract" 1 "truncated" -- "$dorf" import --db "$work/region.dorf" "$work/cut.osm.pbf"
    unchanged "truncated PBF extract"
fi

gzip -c "$data/village.osm" | head -c 400 >"$work/cut.osm.gz"
expect_error "truncated gzip extract" 1 "truncated" -- "$dorf" import --db "$work/region.dorf" "$work/cut.osm.gz"
unchanged "truncated gzip extract"

printf 'id,name\n1,not osm\n' >"$work/table.osm"
expect_error "non-OSM file" 1 "not an OpenStreetMap extract" -- "$dorf" import --db "$work/region.dorf" "$work/table.osm"
unchanged "non-OSM file"

expect_error "empty extract" 1 "nothing to import" -- "$dorf" import --db "$work/region.dorf" "$data/empty.osm"
unchanged "empty extract"

expect_error "unwritable db path" 1 "/nonexistent-dir/r.dorf" -- "$dorf" import --db /nonexistent-dir/r.dorf "$data/village.osm"
expect_error "db path is a directory" 1 "directory" -- "$dorf" import --db "$work" "$data/village.osm"

expect_error "new db is not left behind after a failed import" 1 "nothing to import" -- "$dorf" import --db "$work/new.dorf" "$data/empty.osm"
if [[ -e $work/new.dorf || -e $work/new.dorf-wal ]]; then fail "no db left behind" "new.dorf exists"; else ok "no db left behind"; fi

cp "$work/region.dorf" "$work/future.dorf"
sqlite3 "$work/future.dorf" "PRAGMA user_version = 99" 2>/dev/null || python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 99'); c.commit()" "$work/future.dorf"
expect_error "db written by a newer dorf" 1 "newer dorf" -- "$dorf" import --db "$work/future.dorf" "$data/village.osm"
expect_error "info on a db written by a newer dorf" 1 "upgrade dorf" -- "$dorf" info --db "$work/future.dorf"
expect_error "info on a missing db" 1 "dorf import" -- "$dorf" info --db "$work/absent.dorf"
if [[ -e $work/absent.dorf ]]; then fail "info creates nothing" "absent.dorf was created"; else ok "info creates nothing"; fi

# The importer is a module beside the executable; without it, import says so and the other
# commands still work.
mkdir -p "$work/alone"
cp "$dorf" "$work/alone/dorf"
expect_error "importer module missing" 1 "cannot load the GDAL module" -- "$work/alone/dorf" import --db "$work/alone.dorf" "$data/village.osm"
if "$work/alone/dorf" info --db "$work/region.dorf" >/dev/null 2>&1; then ok "info works without the importer module"; else fail "info without module" "failed"; fi

expect_error "import without --db" 2 "--db" -- "$dorf" import "$data/village.osm"
expect_error "import with two extracts" 2 "exactly one" -- "$dorf" import --db "$work/x.dorf" a.osm b.osm
expect_error "unknown command" 2 "unknown command" -- "$dorf" frobnicate
if "$dorf" import --help | grep -q "usage: dorf import"; then ok "import --help"; else fail "import --help" "no usage"; fi

# What the import skipped is listed, by kind.
"$dorf" info --db "$work/region.dorf" --issues=opening_hours >"$work/issues"
grep -q "node/301: opening_hours \"Mo-Xx 08:00-12:00\": at character 4" "$work/issues" &&
    ! grep -q "way/1005" "$work/issues" && ok "info --issues=opening_hours lists the pharmacy only" ||
    fail "info --issues=KIND" "$(cat "$work/issues")"
"$dorf" info --db "$work/region.dorf" --issues >"$work/issues"
grep -q "way/1005: refers to nodes missing" "$work/issues" && grep -q "relation/5002: via ways" "$work/issues" &&
    ok "info --issues lists every kind" || fail "info --issues" "$(cat "$work/issues")"
"$dorf" import --verbose --db "$work/verbose.dorf" "$data/village.osm" >/dev/null 2>"$work/err"
grep -q "info: roads: 61 nodes, 18 ways, 3 relations read; 7 segments between 8 nodes" "$work/err" && grep -q "info: households" "$work/err" &&
    ok "import --verbose logs each phase" || fail "import --verbose" "$(cat "$work/err")"

# Re-import is idempotent: the same counts again.
"$dorf" info --db "$work/region.dorf" | grep -v "imported at" >"$work/info1"
"$dorf" import --quiet --db "$work/region.dorf" "$data/village.osm"
"$dorf" info --db "$work/region.dorf" | grep -v "imported at" >"$work/info2"
if diff -q "$work/info1" "$work/info2" >/dev/null; then ok "re-import gives the same region"; else fail "re-import" "$(diff "$work/info1" "$work/info2")"; fi

# Ctrl-C at any moment: either the import finished, or it stopped with 130 and left the
# previous region as it was.
if [[ -f $shared/osm/north-bayreuth.osm.gz ]]; then
    interrupted=0
    for delay in 0.05 0.1 0.15 0.2 0.3; do
        before=$(checksum "$work/region.dorf")
        "$dorf" import --quiet --db "$work/region.dorf" "$shared/osm/north-bayreuth.osm.gz" 2>"$work/err" &
        pid=$!
        sleep "$delay"
        kill -INT "$pid" 2>/dev/null
        wait "$pid"
        rc=$?
        if [[ $rc -eq 130 ]]; then
            interrupted=$((interrupted + 1))
            [[ $(checksum "$work/region.dorf") == "$before" ]] || fail "Ctrl-C after ${delay}s" "region changed"
            grep -q "interrupted" "$work/err" || fail "Ctrl-C after ${delay}s" "no message: $(cat "$work/err")"
        elif [[ $rc -ne 0 ]]; then
            fail "Ctrl-C after ${delay}s" "exit code $rc: $(cat "$work/err")"
        fi
        "$dorf" import --quiet --db "$work/region.dorf" "$data/village.osm"
    done
    if [[ $interrupted -gt 0 ]]; then ok "Ctrl-C leaves the previous region ($interrupted of 5 runs interrupted)"; else fail "Ctrl-C" "no run was interrupted in time"; fi
fi

# The real extract: counts beside what ogrinfo reports for the same file.
ogr_count() { # FILE SQL
    ogrinfo -ro -q "$1" -sql "$2" 2>/dev/null | sed -n 's/.*COUNT_\* (Integer) = \([0-9]*\).*/\1/p'
}
info_value() { # INFO_FILE LABEL -> first number after the label
    sed -n "s/^$2 *\([0-9][0-9]*\).*/\1/p" "$1" | head -1
}
if [[ -f $shared/osm/north-bayreuth.osm.pbf ]] && command -v ogrinfo >/dev/null; then
    for src in north-bayreuth.osm.pbf north-bayreuth.osm.gz monaco.osm.gz; do
        [[ -f $shared/osm/$src ]] || continue
        extract=$shared/osm/$src
        ogr_path=$extract
        [[ $src == *.gz ]] && ogr_path=/vsigzip/$extract
        "$dorf" import --db "$work/nb.dorf" "$extract" >"$work/report" || fail "$src import" "failed"
        "$dorf" info --db "$work/nb.dorf" >"$work/info"
        want_buildings=$(ogr_count "$ogr_path" "SELECT count(*) FROM multipolygons WHERE building IS NOT NULL AND building <> 'no'")
        want_highway=$(( $(ogr_count "$ogr_path" "SELECT count(*) FROM lines WHERE highway IS NOT NULL") + \
                         $(ogr_count "$ogr_path" "SELECT count(*) FROM multipolygons WHERE other_tags LIKE '%\"highway\"=>%'") ))
        want_shops=$(( $(ogr_count "$ogr_path" "SELECT count(*) FROM points WHERE other_tags LIKE '%\"shop\"=>%'") + \
                       $(ogr_count "$ogr_path" "SELECT count(*) FROM multipolygons WHERE shop IS NOT NULL") ))
        want_addresses=$(( $(ogr_count "$ogr_path" "SELECT count(*) FROM points WHERE other_tags LIKE '%\"addr:housenumber\"=>%'") + \
                           $(ogr_count "$ogr_path" "SELECT count(*) FROM multipolygons WHERE other_tags LIKE '%\"addr:housenumber\"=>%'") ))
        got_buildings=$(info_value "$work/info" "buildings")
        got_addresses=$(info_value "$work/info" "addresses")
        got_shops=$(sed -n 's/^places .*(\([0-9]*\) shops).*/\1/p' "$work/info")
        road=$(sed -n 's/^  roads *\([0-9]*\) ways.*/\1/p' "$work/report")
        skipped=$(sed -n 's/.*(\([0-9]*\) highway ways not routable.*/\1/p' "$work/report")
        got_highway=$((road + skipped))
        for what in buildings highway shops addresses; do
            want_var=want_$what got_var=got_$what
            if [[ -n ${!want_var} && ${!want_var} -gt 0 && ${!want_var} -eq ${!got_var} ]]; then
                ok "$src: $what ${!got_var} = ogrinfo's ${!want_var}"
            else
                fail "$src: $what" "dorf ${!got_var}, ogrinfo ${!want_var}"
            fi
        done
        grep -q "^crs *EPSG:25832" "$work/info" && ok "$src: metric CRS is UTM 32N" || fail "$src: crs" "$(grep crs "$work/info")"
        # Both lie in UTM zone 32 (6-12 E), in Europe: ETRS89 / UTM 32N.
        case $src in
        north-bayreuth*) want_bbox="^bbox *11.39.*,49.88.*,11.67.*,50.09" ;;
        monaco*) want_bbox="^bbox *7.38[0-9]*,43.51[0-9]*,7.50[0-9]*,43.75" ;;
        esac
        grep -q "$want_bbox" "$work/info" && ok "$src: bbox" || fail "$src: bbox" "$(grep bbox "$work/info")"
    done
else
    echo "skip real-extract checks: ../shared/data or ogrinfo missing"
fi

finish
