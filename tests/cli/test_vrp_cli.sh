#!/usr/bin/env bash
# End-to-end tests of `dorf vrp solve` on the benchmark instances in ../shared/data/vrp: the
# plan it prints (instance line, vehicles, distance, unserved, SINTEF routes) checked by an
# independent checker written here (every task once, pickup before delivery on one route,
# capacity, time windows, the distance recomputed from the coordinates), reproducible runs,
# Ctrl-C, --exact on a small instance, and one-line errors naming the line of a damaged file.
# Usage: test_vrp_cli.sh path/to/dorf   (run by ctest; prints "N passed, N failed")
set -u
dorf=$1
shared=${DORF_SHARED_DATA:-$(dirname "$0")/../../../shared/data}
work=$(mktemp -d /tmp/dorf-vrp-XXXXXX)
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"

vrp=$shared/vrp
if [[ ! -f $vrp/li_lim/100/lc101.txt ]]; then
    echo "no $vrp: skipped"
    finish
    exit
fi
solve() { "$dorf" vrp solve "$@"; }

# check_plan INSTANCE PLAN FORMAT: prints the first fault of the plan and fails, or succeeds.
# FORMAT is li_lim or solomon. Travel time equals Euclidean distance (unrounded).
check_plan() {
    awk -v format="$3" '
    FNR == NR {
        gsub(/\r/, "")
        if (format == "li_lim") {
            if (FNR == 1) { cap = $2; next }
            if (NF != 9) next
        } else {
            if (FNR == 5) { cap = $2; next }
            if (FNR < 10 || NF != 7) next
        }
        id = $1; X[id] = $2; Y[id] = $3; Q[id] = $4; E[id] = $5; L[id] = $6; S[id] = $7
        P[id] = format == "li_lim" ? $8 : 0
        if (id > n) n = id
        next
    }
    /^distance / { claimed = $2; next }
    /^vehicles / { vehicles = $2; next }
    /^Route / {
        routes++
        if ($2 != routes || $3 != ":" || NF < 4) bad = "malformed route line: " $0
        t = E[0]; load = 0; prev = 0; split("", on)
        for (i = 4; i <= NF; i++) {
            v = $i
            if (!(v in X) || v == 0) { bad = "unknown task " v; break }
            seen[v]++
            d = sqrt((X[prev] - X[v]) ^ 2 + (Y[prev] - Y[v]) ^ 2)
            dist += d; t += d
            if (t < E[v]) t = E[v]
            if (t > L[v] + 1e-6) bad = "route " routes ": task " v " at " t " after " L[v]
            load += Q[v]
            if (load > cap) bad = "route " routes ": load " load " over " cap " at " v
            if (P[v] > 0 && !(P[v] in on)) bad = "route " routes ": delivery " v " first"
            on[v] = 1; t += S[v]; prev = v
        }
        d = sqrt((X[prev] - X[0]) ^ 2 + (Y[prev] - Y[0]) ^ 2)
        dist += d; t += d
        if (t > L[0] + 1e-6) bad = "route " routes " back at " t " after " L[0]
    }
    END {
        for (v = 1; v <= n && !bad; v++)
            if (seen[v] != 1) bad = "task " v " served " seen[v] + 0 " times"
        if (!bad && routes != vehicles) bad = routes " routes but vehicles " vehicles
        if (!bad && (dist - claimed) ^ 2 > 1e-6) bad = "distance " dist ", printed " claimed
        if (bad) { print bad; exit 1 }
    }' "$1" "$2"
}

# lc101: 106 tasks in 53 pairs; the best known plan has 10 vehicles and distance 828.9369.
lc101=$vrp/li_lim/100/lc101.txt
out=$work/lc101.out
if solve --time 1 --seed 1 "$lc101" >"$out" 2>"$work/err"; then
    ok "solve lc101"
else
    fail "solve lc101" "$(cat "$work/err")"
fi
want="instance lc101 (Li & Lim, 106 tasks, 53 requests, 25 vehicles of capacity 200)"
[[ $(head -1 "$out") == "$want" ]] && ok "instance line" || fail "instance line" "$(head -1 "$out")"
sed -n 2,4p "$out" | cut -d' ' -f1 | tr '\n' ' ' | grep -qx "vehicles distance unserved " &&
    ok "vehicles, distance and unserved lines" || fail "summary lines" "$(cat "$out")"
grep -qx "unserved 0" "$out" && ok "every request served" || fail "unserved" "$(cat "$out")"
grep -qE "^distance [0-9]+\.[0-9]{4}$" "$out" && ok "distance with 4 decimals" ||
    fail "distance format" "$(grep distance "$out")"
if why=$(check_plan "$lc101" "$out" li_lim); then
    ok "lc101 plan passes the checker (each task once, pairs, capacity, windows, distance)"
else
    fail "lc101 plan" "$why"
fi
grep -q "^search: [0-9]* iterations" "$work/err" && ok "search statistics on stderr" ||
    fail "statistics" "$(cat "$work/err")"

solve --quiet --time 0.5 "$lc101" >"$work/q.out" 2>"$work/err"
[[ $? -eq 0 && ! -s $work/err && -s $work/q.out ]] && ok "--quiet leaves stderr empty" ||
    fail "--quiet" "$(cat "$work/err")"

# The same seed and iteration limit give the same plan.
solve --quiet --seed 3 --iterations 300 --time 60 "$lc101" >"$work/a.out" 2>&1
solve --quiet --seed 3 --iterations 300 --time 60 "$lc101" >"$work/b.out" 2>&1
[[ -s $work/a.out ]] && cmp -s "$work/a.out" "$work/b.out" &&
    ok "--seed with --iterations is reproducible" ||
    fail "reproducible" "$(diff "$work/a.out" "$work/b.out" | head -5)"
why=
solve --quiet --no-set-partitioning --time 0.5 "$lc101" >"$work/nsp.out" 2>&1 &&
    why=$(check_plan "$lc101" "$work/nsp.out" li_lim) && ok "--no-set-partitioning" ||
    fail "--no-set-partitioning" "$why $(cat "$work/nsp.out")"

# Ctrl-C stops the search: the best plan so far is printed, and the exit code is 130.
# (dorf itself in the background, not a function: the signal must reach dorf, not a subshell)
"$dorf" vrp solve --time 60 "$lc101" >"$work/int.out" 2>"$work/int.err" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
why=
if [[ $rc -eq 130 ]] && why=$(check_plan "$lc101" "$work/int.out" li_lim) &&
    grep -q "interrupted; the plan above is the best found so far" "$work/int.err"; then
    ok "Ctrl-C prints the best plan so far and exits 130"
else
    fail "Ctrl-C" "exit code $rc; $why $(cat "$work/int.err")"
fi

# A Solomon instance (Gehring & Homberger, 200 customers).
c121=$vrp/homberger/200/c1_2_1.txt
if solve --quiet --time 1 "$c121" >"$work/c121.out" 2>"$work/err"; then
    want="instance c1_2_1 (Solomon, 200 tasks, 200 requests, 50 vehicles of capacity 200)"
    [[ $(head -1 "$work/c121.out") == "$want" ]] && ok "Solomon instance line" ||
        fail "Solomon instance line" "$(head -1 "$work/c121.out")"
    if why=$(check_plan "$c121" "$work/c121.out" solomon); then
        ok "c1_2_1 plan passes the checker"
    else
        fail "c1_2_1 plan" "$why"
    fi
else
    fail "solve c1_2_1" "$(cat "$work/err")"
fi

# --exact on the first 4 pairs of lc101, renumbered 1..8.
small=$work/small.txt
awk 'NR <= 2' "$lc101" >"$small"
awk '{ gsub(/\r/, "") } NR > 2 && $4 > 0 && n < 4 { print $1, $9; n++ }' "$lc101" >"$work/pairs"
awk 'FNR == NR { m[$1] = ++k; m[$2] = ++k; next }
     { gsub(/\r/, "") }
     FNR > 2 && ($1 in m) { row[m[$1]] = $0 }
     END {
         for (i = 1; i <= k; i++) {
             split(row[i], f, "\t"); f[1] = i
             if (f[8] != 0) f[8] = m[f[8]]
             if (f[9] != 0) f[9] = m[f[9]]
             line = f[1]
             for (j = 2; j <= 9; j++) line = line "\t" f[j]
             print line
         }
     }' "$work/pairs" "$lc101" >>"$small"
if solve --exact "$small" >"$work/exact.out" 2>"$work/err"; then
    grep -q "^exact: optimal plan proven" "$work/err" && ok "--exact reports a proven optimum" ||
        fail "--exact stderr" "$(cat "$work/err")"
    if why=$(check_plan "$small" "$work/exact.out" li_lim); then
        ok "--exact plan passes the checker"
    else
        fail "--exact plan" "$why"
    fi
    solve --quiet --time 0.5 "$small" >"$work/heur.out" 2>&1
    awk '/^distance/ { d[FILENAME] = $2 } END { exit !(d[ARGV[1]] <= d[ARGV[2]] + 1e-4) }' \
        "$work/exact.out" "$work/heur.out" &&
        ok "the exact plan is no longer than the heuristic's" ||
        fail "exact vs heuristic" "$(grep distance "$work/exact.out" "$work/heur.out")"
else
    fail "--exact" "$(cat "$work/err")"
fi
# A pair too heavy for any vehicle is left out, and the unserved line names its tasks.
printf '2 5 1\n0 0 0 0 0 100 0 0 0\n1 3 4 10 0 50 5 0 2\n2 6 8 -10 10 60 5 1 0\n%s\n%s\n' \
    "3 1 1 2 0 80 5 0 4" "4 2 2 -2 0 90 5 3 0" >"$work/heavy.txt"
solve --quiet "$work/heavy.txt" >"$work/heavy.out" 2>&1
grep -qx "unserved 1 : 1 2" "$work/heavy.out" && grep -qx "Route 1 : 3 4" "$work/heavy.out" &&
    ok "unserved requests listed by task id" || fail "unserved list" "$(cat "$work/heavy.out")"
expect_error "--exact on a large instance" 1 "dorf: " -- solve --exact "$lc101"

# Damaged files: one line on stderr naming the file and line, nothing on stdout.
head -n 50 "$lc101" >"$work/cut.txt"
expect_error "file cut after a line" 1 \
    "cut.txt:5: pickup 3 names delivery 75, but the file ends with task 48 (line 50)" -- \
    solve "$work/cut.txt"
grep -q "is it truncated?" "$work/err" && ok "the message asks whether the file is truncated" ||
    fail "truncated hint" "$(cat "$work/err")"
head -c 1000 "$lc101" >"$work/mid.txt"
last=$(($(wc -l <"$work/mid.txt") + 1))
expect_error "file cut inside a line" 1 "mid.txt:$last: expected 9 fields" -- solve "$work/mid.txt"
sed '8s/^6\t/5\t/' "$lc101" >"$work/dup.txt"
expect_error "duplicate id" 1 "dup.txt:8: id 5 appears twice (first on line 7)" -- \
    solve "$work/dup.txt"
sed '3s/45/forty-five/' "$lc101" >"$work/word.txt"
expect_error "word for a number" 1 "word.txt:3: x 'forty-five' is not a number" -- \
    solve "$work/word.txt"
expect_error "missing file" 1 "nowhere.txt: No such file" -- solve "$work/nowhere.txt"
: >"$work/empty.txt"
expect_error "empty file" 1 "empty.txt:1: the file is empty" -- solve "$work/empty.txt"

# Usage errors.
expect_error "unknown option" 2 "Run \`dorf vrp solve --help\`" -- solve --bogus "$lc101"
expect_error "bad --time" 2 "--time takes seconds" -- solve --time soon "$lc101"
expect_error "bad --seed" 2 "--seed takes a whole number" -- solve --seed -1 "$lc101"
expect_error "bad --iterations" 2 "--iterations takes a whole number" -- \
    solve --iterations 0 "$lc101"
expect_error "--exact with --seed" 2 "--exact takes no --seed" -- solve --exact --seed 1 "$lc101"
expect_error "no file" 2 "expected exactly one instance FILE, got 0" -- solve
expect_error "two files" 2 "expected exactly one instance FILE, got 2" -- solve "$lc101" "$lc101"
expect_error "no action" 2 "expected an action: solve" -- "$dorf" vrp
expect_error "unknown action" 2 "unknown action 'plan'" -- "$dorf" vrp plan "$lc101"
solve --help >"$work/help" 2>&1 && grep -q "^usage: dorf vrp solve" "$work/help" &&
    ok "vrp solve --help" || fail "vrp solve --help" "$(cat "$work/help")"
"$dorf" vrp --help >"$work/help" 2>&1 && grep -q "^usage: dorf vrp solve" "$work/help" &&
    ok "vrp --help" || fail "vrp --help" "$(cat "$work/help")"
"$dorf" --help | grep -q "^  vrp " && ok "vrp in the command list" || fail "command list" "no vrp"

finish
