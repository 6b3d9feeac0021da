#!/usr/bin/env bash
# End-to-end tests of `dorf migrate`. North-Bayreuth is imported into a file and given platform
# data (scripts/seed-activity); then, always: a copy into a second file gives the same
# `dorf info`, per-table counts and checksums equal on both sides, and the errors (missing
# options, the same file twice, a missing source, a non-empty target). With DORF_TEST_PG (the
# "@postgis" variant): the file is migrated into PostgreSQL; `dorf info` and the row counts of
# the platform's tables agree; the source file is unchanged; a second migrate into the
# non-empty target is refused and --replace overwrites it; new rows get ids past the copied
# ones (the identity sequences moved); a migrate interrupted with SIGINT leaves its target
# empty; and the copy back from PostgreSQL into a file equals the original.
# Usage: test_migrate_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
shared=${DORF_SHARED_DATA:-$here/../../../shared/data}
work=$(mktemp -d /tmp/dorf-migrate-XXXXXX)
source "$here/lib.sh"
trap 'pg_cleanup; rm -rf "$work"' EXIT
export DORF_CACHE_DIR=$work/cache
file=$work/nb.dorf

"$dorf" import --quiet --db "$file" "$shared/osm/north-bayreuth.osm.pbf" ||
    { fail setup "import failed"; finish; exit 1; }
"$here/../../scripts/seed-activity" "$file" --now 1780000000 >/dev/null ||
    { fail setup "seed-activity failed"; finish; exit 1; }
tables=(region_meta road_node road_edge turn_restriction building household address place
    map_feature settlement import_issue store_secret app_user session shop product shop_order
    order_item parcel availability post report user_block audit_log)

# info_body DB: `dorf info` without its first line (which names the database).
info_body() { "$dorf" info --db "$1" | tail -n +2; }

# check_report NAME FILE ROWS: the migrate output lists every table, its two counts and two
# checksums equal, and ROWS rows in all.
check_report() {
    local name=$1 out=$2 rows=$3 bad
    bad=$(awk -v want="${#tables[@]}" -v rows="$rows" '
        $4 ~ /^[0-9a-f]+$/ && length($4) == 16 {
            n++
            if ($2 != $3 || $4 != $5 || NF != 5) print "row: " $0
        }
        $1 == "all" && ($3 != rows || $4 != rows) { print "total: " $0 }
        END { if (n != want) print n " tables, expected " want }' "$out")
    if [[ -n $bad ]]; then
        fail "$name" "$bad"
    elif ! head -1 "$out" | grep -q "^migrated .* $rows rows in"; then
        fail "$name" "first line: $(head -1 "$out")"
    else
        ok "$name"
    fi
}

source_rows=0
for t in "${tables[@]}"; do
    source_rows=$((source_rows + $(sqlite3 "$file" "SELECT count(*) FROM $t")))
done
source_md5=$(md5sum <"$file")

# ---- file to file (both stores' code paths of the copy, without a server) ----
copy=$work/copy.dorf
if "$dorf" migrate --from "$file" --to "$copy" >"$work/m1" 2>"$work/err"; then
    check_report "file to file: counts and checksums equal" "$work/m1" "$source_rows"
else
    fail "file to file" "exit $?: $(cat "$work/err")"
fi
if [[ $(info_body "$file") == "$(info_body "$copy")" ]]; then
    ok "file to file: same dorf info"
else
    fail "file to file: same dorf info" "$(diff <(info_body "$file") <(info_body "$copy"))"
fi
if [[ $(sqlite3 "$copy" "PRAGMA foreign_key_check" | wc -l) -eq 0 &&
    $(sqlite3 "$copy" "SELECT count(*) FROM post WHERE id = 300 AND author_id IN
      (SELECT id FROM app_user)") -eq 1 ]]; then
    ok "file to file: foreign keys hold"
else
    fail "file to file: foreign keys hold" "$(sqlite3 "$copy" "PRAGMA foreign_key_check" | head)"
fi

expect_error "no --to" 2 "--from DB and --to DB are both required" -- \
    "$dorf" migrate --from "$file"
expect_error "the same file twice" 2 "name the same database" -- \
    "$dorf" migrate --from "$file" --to "$work/../$(basename "$work")/nb.dorf"
expect_error "missing source" 1 "no such region" -- \
    "$dorf" migrate --from "$work/none.dorf" --to "$work/new.dorf"
if [[ ! -e $work/new.dorf ]]; then ok "missing source: no target made"; else
    fail "missing source: no target made" "$work/new.dorf exists"
fi
expect_error "file target not empty" 1 "is not empty (table region_meta holds" -- \
    "$dorf" migrate --from "$file" --to "$copy"
if "$dorf" migrate --replace --quiet --from "$file" --to "$copy" >"$work/out" 2>"$work/err" &&
    [[ ! -s $work/out ]]; then
    ok "file target --replace --quiet"
else
    fail "file target --replace --quiet" "$(cat "$work/err" "$work/out")"
fi

if ! pg_server >/dev/null; then
    echo "DORF_TEST_PG not set: the PostgreSQL half is left to the @postgis variant"
    finish
    exit
fi

# ---- file to PostgreSQL ----
pg=$(pg_location migrate) || { fail setup "cannot make a schema on $DORF_TEST_PG"; finish; exit 1; }
if "$dorf" migrate --from "$file" --to "$pg" >"$work/m2" 2>"$work/err"; then
    check_report "to PostgreSQL: counts and checksums equal" "$work/m2" "$source_rows"
    head -1 "$work/m2"
else
    fail "to PostgreSQL" "exit $?: $(cat "$work/err")"
fi
if [[ $(info_body "$file") == "$(info_body "$pg")" ]]; then
    ok "to PostgreSQL: same dorf info"
else
    fail "to PostgreSQL: same dorf info" "$(diff <(info_body "$file") <(info_body "$pg") 2>&1)"
fi
mismatch=""
for t in "${tables[@]}"; do
    a=$(sqlite3 "$file" "SELECT count(*) FROM $t")
    b=$(pg_sql "$pg" "SELECT count(*) FROM $t")
    [[ $a == "$b" ]] || mismatch+=" $t: $a vs $b;"
done
if [[ -z $mismatch ]]; then ok "to PostgreSQL: row counts per table"; else
    fail "to PostgreSQL: row counts per table" "$mismatch"
fi
same_rows=$(pg_sql "$pg" "SELECT count(*) FROM app_user
    WHERE id = 48213001 AND email LIKE '%@dorf-test.example'")
if [[ $same_rows == 1 ]]; then ok "to PostgreSQL: ids kept"; else
    fail "to PostgreSQL: ids kept" "account 48213001: $same_rows rows"
fi
if [[ $(md5sum <"$file") == "$source_md5" ]]; then ok "the source file is unchanged"; else
    fail "the source file is unchanged" "its checksum changed"
fi
expect_error "second migrate refused" 1 "is not empty (table region_meta holds 11 rows)" -- \
    "$dorf" migrate --from "$file" --to "$pg"

# New rows after the copy: the identity sequences were moved past the copied ids.
post_max=$(pg_sql "$pg" "SELECT max(id) FROM post")
new_post=$(pg_sql "$pg" "INSERT INTO post (kind, author_id, title, body, created_at)
    VALUES ('news', 48213001, 'after the move', 'body', 1) RETURNING id" 2>&1)
if [[ $new_post == $((post_max + 1)) ]]; then ok "new post gets the next id"; else
    fail "new post gets the next id" "got '$new_post', expected $((post_max + 1))"
fi
user_max=$(pg_sql "$pg" "SELECT max(id) FROM app_user")
if printf 'new-password-12\n' | "$dorf" account add --db "$pg" --email new.after@example.org \
    --name "After Migrate" >"$work/out" 2>"$work/err" &&
    grep -q "^account $((user_max + 1)): new.after@example.org" "$work/out"; then
    ok "dorf account add after the copy gets the next id"
else
    fail "dorf account add after the copy gets the next id" \
        "expected $((user_max + 1)): $(cat "$work/out" "$work/err")"
fi
held=0
for t in "${tables[@]}"; do
    held=$((held + $(pg_sql "$pg" "SELECT count(*) FROM $t")))
done
if "$dorf" migrate --replace --from "$file" --to "$pg" >"$work/m3" 2>"$work/err" &&
    grep -q "replaced $held rows" "$work/m3"; then
    check_report "--replace: the target equals the source again" "$work/m3" "$source_rows"
else
    fail "--replace" "$(cat "$work/err" "$work/m3")"
fi

# ---- interrupted: SIGINT while the copy waits for a lock on post; nothing may remain ----
pg2=$(pg_location interrupted)
"$dorf" info --db "$pg2" >/dev/null 2>&1 # makes dorf's tables
schema2=c$$_interrupted
pg_sql "$pg2" "BEGIN; LOCK TABLE post IN SHARE MODE; SELECT pg_sleep(60); COMMIT" \
    >/dev/null 2>&1 &
locker=$!
for _ in $(seq 50); do
    [[ $(pg_sql "$pg2" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
        WHERE c.relname = 'post' AND l.mode = 'ShareLock' AND l.granted") == 1 ]] && break
    sleep 0.1
done
"$dorf" migrate --from "$file" --to "$pg2" >"$work/out" 2>"$work/err" &
migrate=$!
waiting=0
for _ in $(seq 100); do
    if [[ $(pg_sql "$pg2" "SELECT count(*) FROM pg_locks WHERE NOT granted") -ge 1 ]]; then
        waiting=1
        break
    fi
    sleep 0.1
done
kill -INT "$migrate"
sleep 0.2
pg_sql "$pg2" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
wait "$migrate"
rc=$?
wait "$locker" 2>/dev/null
left=0
for t in "${tables[@]}"; do
    left=$((left + $(pg_sql "$pg2" "SELECT count(*) FROM $schema2.$t")))
done
if [[ $waiting == 1 && $rc == 130 && $left == 0 ]] && grep -q "interrupted" "$work/err"; then
    ok "interrupted migrate leaves the target empty"
else
    fail "interrupted migrate leaves the target empty" \
        "blocked $waiting, exit $rc, $left rows left: $(cat "$work/err")"
fi
if "$dorf" info --db "$pg2" | grep -q "nothing imported yet"; then
    ok "interrupted: dorf info shows no region"
else
    fail "interrupted: dorf info shows no region" "$("$dorf" info --db "$pg2" 2>&1 | head -3)"
fi

# ---- and back: PostgreSQL to a file ----
back=$work/back.dorf
if "$dorf" migrate --from "$pg" --to "$back" >"$work/m4" 2>"$work/err"; then
    check_report "back to a file: counts and checksums equal" "$work/m4" "$source_rows"
else
    fail "back to a file" "exit $?: $(cat "$work/err")"
fi
sums() { awk '$4 ~ /^[0-9a-f]+$/ && length($4) == 16 { print $1, $2, $4 }' "$1"; }
if [[ $(sums "$work/m1") == "$(sums "$work/m4")" ]]; then
    ok "back to a file: the same checksums as the original's"
else
    fail "back to a file: the same checksums" "$(diff <(sums "$work/m1") <(sums "$work/m4"))"
fi
for mode in walk car; do
    a=$("$dorf" route --db "$file" --mode $mode 11.6041,50.0248 11.5011,49.9892 2>&1)
    b=$("$dorf" route --db "$back" --mode $mode 11.6041,50.0248 11.5011,49.9892 2>&1)
    if [[ -n $a && $a == "$b" ]]; then ok "back to a file: same $mode route"; else
        fail "back to a file: same $mode route" "differs: ${b:0:200}"
    fi
done
finish
