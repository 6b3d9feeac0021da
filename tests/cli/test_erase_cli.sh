#!/usr/bin/env bash
# End-to-end tests of `dorf erase`: a person with a post, a reply and a session is erased by
# e-mail address; the counts are printed, the neighbour's reply stays, and neither the
# database file nor its write-ahead log holds any of the person's strings afterwards. The
# errors: no terminal and no --yes, both or neither of --user and --email, a bad id (exit 2),
# an unknown account (exit 1, one line), and "no" at the confirmation prompt keeps the account.
# Usage: test_erase_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
work=$(mktemp -d /tmp/dorf-erase-XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
db=$work/v.dorf

"$dorf" import --quiet --db "$db" "$data/village.osm" || fail setup "import failed"
printf 'erika-password-1\n' | "$dorf" account add --db "$db" --email erika.cli7@example.org \
    --name "Erika Clixmuster" >/dev/null || fail setup "account erika"
printf 'nora-password-1\n' | "$dorf" account add --db "$db" --email nora@example.org \
    --name "Nora Nachbarin" >/dev/null || fail setup "account nora"
erika=$(sqlite3 "$db" "SELECT id FROM app_user WHERE email = 'erika.cli7@example.org'")
nora=$(sqlite3 "$db" "SELECT id FROM app_user WHERE email = 'nora@example.org'")
sqlite3 "$db" "
INSERT INTO post (id, kind, channel, author_id, title, body, lon, lat, created_at)
  VALUES (1, 'funk', 'help', $erika, 'ERIKA-CLI-title-3141', 'ERIKA-CLI-body-2718', 11.5, 49.9, 1);
INSERT INTO post (id, kind, channel, author_id, parent_id, title, body, created_at)
  VALUES (2, 'funk', 'help', $nora, 1, '', 'Nora answers on the CLI', 2);
INSERT INTO session (token_hash, user_id, created_at, expires_at)
  VALUES (zeroblob(32), $erika, 1, 9999999999);" || fail setup "posts"

# traces FILE...: how many of Erika's strings the files hold, as bytes.
traces() {
    python3 - "$@" <<'PY'
import os, sys
needles = [b"erika.cli7@example.org", b"Erika Clixmuster", b"ERIKA-CLI-title-3141",
           b"ERIKA-CLI-body-2718"]
found = 0
for path in sys.argv[1:]:
    data = open(path, "rb").read() if os.path.exists(path) else b""
    for n in needles:
        if n in data:
            print(f"{path} holds {n.decode()}", file=sys.stderr)
            found += 1
print(found)
PY
}
[[ $(traces "$db" "$db-wal" 2>/dev/null) -gt 0 ]] && ok scan-sees-before ||
    fail scan-sees-before "the scan finds nothing even before the erasure"

expect_error no-terminal 2 "--yes" -- "$dorf" erase --db "$db" --user "$erika" </dev/null
expect_error both 2 "one of --user or --email" -- "$dorf" erase --db "$db" --user 1 \
    --email x@y --yes
expect_error neither 2 "one of --user or --email" -- "$dorf" erase --db "$db" --yes
expect_error bad-id 2 "positive integer" -- "$dorf" erase --db "$db" --user 12x --yes
expect_error unknown 1 "no account 999" -- "$dorf" erase --db "$db" --user 999 --yes
expect_error unknown-email 1 "no account with the e-mail address x@example.org" -- \
    "$dorf" erase --db "$db" --email x@example.org --yes

# "no" at the prompt of a terminal (script(1) gives the command one) keeps the account.
if command -v script >/dev/null; then
    printf 'no\n' | script -qec "'$dorf' erase --db '$db' --user $erika" /dev/null \
        >"$work/prompt" 2>&1
    rc=$?
    if [[ $rc == 1 ]] && grep -q "Type yes" "$work/prompt" && grep -q "not erased" "$work/prompt" &&
        [[ $(sqlite3 "$db" "SELECT count(*) FROM app_user WHERE id = $erika") == 1 ]]; then
        ok prompt-no
    else
        fail prompt-no "exit $rc: $(cat "$work/prompt")"
    fi
fi

"$dorf" erase --db "$db" --email ERIKA.cli7@example.org --yes >"$work/out" 2>"$work/err"
rc=$?
if [[ $rc == 0 ]] && grep -q "erased account $erika" "$work/out" &&
    grep -q "1 sessions" "$work/out" && grep -q "1 posts and replies" "$work/out" &&
    grep -q "checkpointed and truncated" "$work/out"; then
    ok erase
else
    fail erase "exit $rc: $(cat "$work/out" "$work/err")"
fi
[[ $(traces "$db" "$db-wal") == 0 ]] && ok scan-clean || fail scan-clean "traces are left"
reply=$(sqlite3 "$db" "SELECT p.body || '|' || u.name FROM post p JOIN post q ON q.id = p.parent_id
    JOIN app_user u ON u.id = q.author_id WHERE p.id = 2")
[[ $reply == "Nora answers on the CLI|deleted" ]] && ok reply-kept || fail reply-kept "$reply"
erase_rows=$(sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE action = 'erase'
    AND user_id IS NULL")
[[ $erase_rows == 1 ]] && ok audit || fail audit "no anonymous erase row in the audit log"
[[ $(sqlite3 "$db" "PRAGMA integrity_check") == ok ]] && ok integrity || fail integrity "damaged"
expect_error again 1 "no account $erika" -- "$dorf" erase --db "$db" --user "$erika" --yes
expect_error deleted-account 1 "cannot be erased" -- "$dorf" erase --db "$db" \
    --email "(deleted)" --yes
finish
