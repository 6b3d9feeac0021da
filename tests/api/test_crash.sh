#!/usr/bin/env bash
# Crash consistency (crash_driver.py): `dorf serve` killed with SIGKILL at random moments, at
# least 100 times, while clients place and cancel orders, hand orders over, claim parcels and
# post messages; then every acknowledged write is in the file, no refused one is, stock and
# parcels are consistent and the file passes integrity_check. And `dorf import` killed mid-way
# over an existing region, several times: the previous region stays byte for byte.
# Usage: test_crash.sh path/to/dorf   (DORF_CRASH_KILLS overrides the 100 kills of the server)
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${DORF_TEST_DATA:-$here/../data}
shared=${DORF_SHARED_DATA:-$here/../../../shared/data}
work=$(mktemp -d /tmp/dorf-crash-XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$here/../cli/lib.sh"

"$dorf" import --quiet --db "$work/v.dorf" "$data/village.osm" || fail setup "import failed"
printf 'admin-password-1\n' | "$dorf" account add --db "$work/v.dorf" --email admin@dorf.test \
    --name Admin --roles admin >/dev/null || fail setup "account add failed"

python3 "$here/crash_driver.py" serve "$dorf" "$work/v.dorf" --kills "${DORF_CRASH_KILLS:-100}" &&
    ok serve-killed || fail serve-killed "see above"

# The import: the village first, then the larger extract over it, killed mid-way.
extract=$shared/osm/north-bayreuth.osm.gz
if [[ -r $extract ]]; then
    "$dorf" import --quiet --db "$work/r.dorf" "$data/village.osm" || fail setup "import failed"
    python3 "$here/crash_driver.py" import "$dorf" "$work/r.dorf" "$extract" --kills 8 &&
        ok import-killed || fail import-killed "see above"
else
    fail import-killed "$extract is missing (DORF_SHARED_DATA)"
fi
finish
