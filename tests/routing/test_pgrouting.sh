#!/usr/bin/env bash
# dorf's fastest times beside pgRouting's pgr_dijkstra on the same graph: imports the
# North-Bayreuth extract, exports the car and walk graphs arc by arc in pgRouting's edge table
# form (dorf_export_graph: cost in seconds = dorf's integer milliseconds / 1000), loads them
# with COPY into a throwaway PostgreSQL (scripts/pg-test-server), and compares, for random node
# pairs, pgr_dijkstra's agg_cost with dorf's time from node to node: dorf_route_find with
# Dijkstra and bidirectional Dijkstra, and dorf_ch_route when routing.h has contraction
# hierarchies (dorf_export_graph --help lists "ch"). A pair passes when both find no route, or both find one and the
# times differ by at most 1 ms per arc of pgRouting's path. Prints "N passed, N failed".
#
# Usage: test_pgrouting.sh path/to/dorf path/to/dorf_export_graph   (run by ctest)
# Exits 77 (ctest: skipped) only when PostgreSQL 15, PostGIS or pgRouting is not installed
# or the shared extract is missing, after saying which.
set -u
dorf=$1
export_graph=$2
here=$(cd "$(dirname "$0")" && pwd)
shared=${DORF_SHARED_DATA:-$here/../../../shared/data}
server=${DORF_PG_TEST_SERVER:-$here/../../scripts/pg-test-server}
extract=$shared/osm/north-bayreuth.osm.pbf
car_pairs=${CAR_PAIRS:-300}
walk_pairs=${WALK_PAIRS:-200}
seed=${PAIR_SEED:-20261127}

if ! why=$("$server" check 2>&1); then
    echo "skip: ${why#pg-test-server: } (install with scripts/install-deps --postgres)"
    exit 77
fi
if [[ ! -r $extract ]]; then
    echo "skip: $extract is missing (set DORF_SHARED_DATA)"
    exit 77
fi

work=$(mktemp -d /tmp/dorf-pgr-XXXXXX)
# The server's folder sits directly in /tmp: as root the server runs as another user, who
# cannot enter $work (mode 0700).
pgdir=$(mktemp -d /tmp/dorf-pgr-server-XXXXXX)
cleanup() {
    "$server" stop "$pgdir" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2" >&2; failed=$((failed + 1)); }
finish() {
    echo "$passed passed, $failed failed"
    [[ $failed -eq 0 ]]
    exit
}

if ! "$dorf" import --quiet --db "$work/nb.dorf" "$extract" >"$work/import.log" 2>&1; then
    fail "import" "$(cat "$work/import.log")"
    finish
fi

# A free loopback port: pick at random, skip ports something listens on, retry on a race.
port=
for try in 1 2 3 4 5; do
    p=$((20000 + RANDOM % 40000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        continue
    fi
    if "$server" start "$pgdir" "$p" >"$work/server.log" 2>&1; then
        port=$p
        break
    fi
    "$server" stop "$pgdir" >/dev/null 2>&1
done
if [[ -z $port ]]; then
    fail "start PostgreSQL" "$(cat "$work/server.log")"
    finish
fi
ok "throwaway PostgreSQL with postgis and pgrouting on 127.0.0.1:$port"
psql_run() {
    psql -X -q -At -F, -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d dorf_test "$@"
}

algorithms="dijkstra bidijkstra"
if "$export_graph" --help | grep -q '|ch\]'; then
    algorithms+=" ch"
fi

for mode in car walk; do
    count=car_pairs
    count=${!count}
    [[ $mode == walk ]] && count=$walk_pairs
    if ! "$export_graph" --db "$work/nb.dorf" --mode "$mode" edges >"$work/$mode.edges.csv" \
        2>"$work/err" || ! "$export_graph" --db "$work/nb.dorf" --mode "$mode" pairs "$count" \
        "$seed" >"$work/$mode.pairs.csv" 2>>"$work/err"; then
        fail "$mode: export" "$(cat "$work/err")"
        continue
    fi
    arcs=$(($(wc -l <"$work/$mode.edges.csv") - 1))
    if ! psql_run >"$work/err" 2>&1 <<EOF; then
CREATE TABLE ${mode}_edges (id bigint PRIMARY KEY, source bigint NOT NULL, target bigint NOT NULL,
    cost float8 NOT NULL, reverse_cost float8 NOT NULL, x1 float8, y1 float8, x2 float8, y2 float8);
\copy ${mode}_edges FROM '$work/$mode.edges.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE ${mode}_pairs (source bigint, target bigint);
\copy ${mode}_pairs FROM '$work/$mode.pairs.csv' WITH (FORMAT csv)
EOF
        fail "$mode: load into PostgreSQL" "$(cat "$work/err")"
        continue
    fi
    loaded=$(psql_run -c "SELECT count(*) FROM ${mode}_edges")
    if [[ $loaded -eq $arcs && $arcs -gt 1000 ]]; then
        ok "$mode: $arcs arcs loaded with COPY"
    else
        fail "$mode: load" "$loaded rows in PostgreSQL, $arcs arcs exported"
    fi
    # One pgr_dijkstra call over all pairs; a pair without a route yields no rows.
    if ! psql_run -o "$work/$mode.pgr.csv" -c "
        SELECT start_vid, end_vid, max(agg_cost) FILTER (WHERE edge = -1), count(*) - 1
        FROM pgr_dijkstra('SELECT id, source, target, cost, reverse_cost FROM ${mode}_edges',
                          'SELECT source, target FROM ${mode}_pairs', directed => true)
        GROUP BY start_vid, end_vid" 2>"$work/err"; then
        fail "$mode: pgr_dijkstra" "$(cat "$work/err")"
        continue
    fi
    for alg in $algorithms; do
        if ! "$export_graph" --db "$work/nb.dorf" --mode "$mode" --algorithm "$alg" times \
            <"$work/$mode.pairs.csv" >"$work/$mode.$alg.csv" 2>"$work/err"; then
            fail "$mode $alg: dorf times" "$(cat "$work/err")"
            continue
        fi
        # pass/fail per pair: both unreachable, or |dorf - pgr| <= 1 ms per arc of the path.
        awk -F, -v mode="$mode" -v alg="$alg" '
            FNR == NR { pgr[$1 "," $2] = $3; arcs[$1 "," $2] = $4; next }
            {
                key = $1 "," $2; n++
                if ($3 == "nosnap") { bad++; print "FAIL " mode " " alg " " key ": dorf cannot place the nodes"; next }
                has = (key in pgr)
                if (!has && $3 < 0) { unreachable++; good++; next }
                if (!has) { bad++; print "FAIL " mode " " alg " " key ": dorf " $3 " s, pgRouting finds no route"; next }
                if ($3 < 0) { bad++; print "FAIL " mode " " alg " " key ": pgRouting " pgr[key] " s, dorf finds no route"; next }
                d = $3 - pgr[key]; if (d < 0) d = -d
                tol = 0.001 * (arcs[key] > 1 ? arcs[key] : 1) + 1e-6
                if (d > tol) { bad++; printf "FAIL %s %s %s: dorf %.3f s, pgRouting %.3f s over %d arcs\n", mode, alg, key, $3, pgr[key], arcs[key]; next }
                if (d > maxd) maxd = d
                good++; routed++
            }
            END { printf "SUMMARY %d %d %d %d %.6f\n", n, good + 0, bad + 0, routed + 0, maxd + 0 }
        ' "$work/$mode.pgr.csv" "$work/$mode.$alg.csv" >"$work/cmp" 2>&1
        grep '^FAIL' "$work/cmp" | head -n 10 >&2
        read -r _ n good bad routed maxd < <(grep '^SUMMARY' "$work/cmp")
        passed=$((passed + good))
        failed=$((failed + bad))
        echo "$mode $alg: $n pairs, $good agree with pgr_dijkstra ($routed routed, $((n - routed - bad)) unreachable in both), $bad differ; largest difference ${maxd} s"
        # Guard against a vacuous pass: most random pairs of a connected region have a route.
        if ((n < count || routed * 10 < n * 6)); then
            fail "$mode $alg: coverage" "only $n pairs compared, $routed of them routed"
        fi
    done
done
finish
