#!/usr/bin/env bash
# Several `dorf serve` nodes on one PostgreSQL (docs/scaling.md): starts a throwaway primary
# (scripts/pg-test-server), imports the test village into it, starts a streaming replica of it
# (scripts/pg-replica) and two nodes, each with --db PRIMARY --read-db REPLICA, then runs
# multinode_check.py against both: an order placed through one node is seen through the other,
# competing claims through both give one winner, DorfFunk's live updates reach the clients of
# both nodes (LISTEN/NOTIFY) once each, public reads come from the replica and keep answering
# 200 while it is stopped and started. Node B reaches the primary through pgbouncer in session
# mode (the pooling docs/scaling.md recommends), when pgbouncer is installed. Then checks that
# each node logged one line when its reads left the replica and one when they came back, that a restart of the primary answers 503
# with Retry-After meanwhile and is reconnected, and that both stop cleanly on SIGTERM.
# Stops and removes everything it started. Exit 77 (skipped) without PostgreSQL 15 + PostGIS.
# Usage: test_multinode.sh path/to/dorf
set -u
dorf=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${DORF_TEST_DATA:-$here/../data}
scripts=$here/../../scripts
work=$(mktemp -d /tmp/dorf-multinode-XXXXXX)
# pg-test-server runs the servers as the user dorf-test when we are root: it must reach in.
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill -KILL "$p" 2>/dev/null
    done
    [[ -f $work/bouncer/pgbouncer.pid ]] && kill "$(cat "$work/bouncer/pgbouncer.pid")" 2>/dev/null
    "$scripts/pg-replica" stop "$work/replica" >/dev/null 2>&1
    "$scripts/pg-test-server" stop "$work/primary" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
source "$here/../cli/lib.sh"

for tool in curl python3 psql; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/install-deps)"; exit 77; }
done
"$scripts/pg-test-server" check || exit 77

# Three free loopback ports, for the primary, the replica and pgbouncer.
read -r primary_port replica_port bouncer_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')

primary=$("$scripts/pg-test-server" start "$work/primary" "$primary_port") ||
    { fail setup "the primary did not start"; finish; exit 1; }
"$dorf" import --quiet --db "$primary" "$data/village.osm" 2>"$work/import.err" ||
    { fail setup "import into $primary failed: $(cat "$work/import.err")"; finish; exit 1; }
replica=$("$scripts/pg-replica" start "$primary_port" "$work/replica" "$replica_port") ||
    { fail setup "the replica did not start"; finish; exit 1; }
"$scripts/pg-replica" wait "$primary_port" "$replica_port" 30 ||
    { fail setup "the replica did not catch up"; finish; exit 1; }
ok setup

# pgbouncer in session mode in front of the primary, for node B. It refuses to run as root:
# then it runs as the servers' user, dorf-test.
primary_b=$primary
bouncer=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
if [[ -x $bouncer ]]; then
    mkdir -p "$work/bouncer"
    echo '"postgres" ""' >"$work/bouncer/users.txt"
    cat >"$work/bouncer/pgbouncer.ini" <<EOF
[databases]
dorf_test = host=127.0.0.1 port=$primary_port dbname=dorf_test pool_mode=session
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $work/bouncer/users.txt
pool_mode = session
max_client_conn = 100
default_pool_size = 12
server_login_retry = 1
logfile = $work/bouncer/pgbouncer.log
pidfile = $work/bouncer/pgbouncer.pid
EOF
    as_user=()
    if [[ $(id -u) == 0 ]]; then
        chown -R dorf-test "$work/bouncer"
        as_user=(runuser -u dorf-test --)
    fi
    "${as_user[@]}" "$bouncer" -d "$work/bouncer/pgbouncer.ini" >"$work/bouncer/start.log" 2>&1 ||
        { fail setup-pgbouncer "did not start: $(cat "$work/bouncer/start.log")"; finish; exit 1; }
    for _ in $(seq 100); do
        psql -X -q -h 127.0.0.1 -p "$bouncer_port" -U postgres dorf_test -c 'SELECT 1' \
            >/dev/null 2>&1 && break
        sleep 0.05
    done
    primary_b=postgresql://postgres@127.0.0.1:$bouncer_port/dorf_test
    ok "setup-pgbouncer (session mode, port $bouncer_port)"
else
    echo "pgbouncer is not installed (scripts/install-deps --postgres): node B connects directly"
fi

# start_node NAME DB: starts a node on a free port; its base URL in the variable base_NAME.
start_node() {
    local name=$1 db=$2 base=
    # Two request threads each: the throwaway primary takes 20 connections in all.
    "$dorf" serve --db "$db" --read-db "$replica" --listen 127.0.0.1:0 --threads 2 \
        2>"$work/$name.err" &
    pids+=($!)
    for _ in $(seq 200); do
        base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/$name.err" | head -1)
        [[ -n $base ]] && break
        sleep 0.05
    done
    [[ -n $base ]] || { fail "start-$name" "did not start: $(cat "$work/$name.err")"; return 1; }
    printf -v "base_$name" '%s' "$base"
    ok "start-$name"
}
start_node a "$primary" && start_node b "$primary_b" || { finish; exit 1; }

# A replica given without a PostgreSQL primary is a usage error, said before anything starts.
expect_error read-db-needs-pg 2 "--read-db" -- "$dorf" serve --db "$work/x.dorf" --read-db "$replica"

python3 "$here/multinode_check.py" "$base_a" "$base_b" "$replica_port" "$scripts/pg-replica" \
    "$work/replica" && ok checks || fail checks "see above"

# The primary restarted under the nodes: while it is down, what needs it answers 503 with
# Retry-After (not 500), the replica keeps serving public reads; once it is back, every node
# reconnects by itself.
pg_ctl=(/usr/lib/postgresql/15/bin/pg_ctl -D "$work/primary/data")
[[ $(id -u) == 0 ]] && pg_ctl=(runuser -u dorf-test -- "${pg_ctl[@]}")
login='{"email":"nobody@example.org","password":"not-the-password"}'
post_login() { # BASE -> "STATUS RETRY-AFTER"
    curl -s -o /dev/null -D "$work/headers" -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "$login" "$1/api/login"
    echo " $(grep -i '^retry-after:' "$work/headers" | tr -dc '0-9')"
}
if "${pg_ctl[@]}" -m fast stop >/dev/null 2>&1; then
    read -r code retry <<<"$(post_login "$base_a")"
    [[ $code == 503 && -n $retry ]] && ok primary-down-503 ||
        fail primary-down-503 "login with the primary down: $code, Retry-After '$retry'"
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base_b/api/news")
    [[ $code == 200 ]] && ok primary-down-replica-reads || fail primary-down-replica-reads "$code"
    "${pg_ctl[@]}" -l "$work/primary/restart.log" start >/dev/null 2>&1 ||
        fail primary-restart "pg_ctl start: $(cat "$work/primary/restart.log")"
    for name in a b; do
        base_var=base_$name
        code=
        # /health asks the primary (logins would run into their rate limit while retrying).
        for _ in $(seq 100); do
            code=$(curl -s -o /dev/null -w '%{http_code}' "${!base_var}/health")
            [[ $code == 200 ]] && break
            sleep 0.1
        done
        read -r login_code _ <<<"$(post_login "${!base_var}")"
        [[ $code == 200 && $login_code == 401 ]] && ok "primary-back-$name" ||
            fail "primary-back-$name" "after the restart: /health $code, login $login_code"
    done
else
    fail primary-restart "could not stop the primary"
fi

# Each node logged the switch to the primary and back once (A and B both read during the stop).
for name in a b; do
    down=$(grep -c 'read replica does not answer' "$work/$name.err")
    up=$(grep -c 'read replica answers again' "$work/$name.err")
    [[ $down == 1 && $up == 1 ]] && ok "log-$name" ||
        fail "log-$name" "expected one line each way, got $down down and $up up: $(cat "$work/$name.err")"
done

# Both stop on SIGTERM, with exit code 0, within the connection timeout.
for i in 0 1; do
    kill -TERM "${pids[$i]}"
done
for i in 0 1; do
    wait "${pids[$i]}"
    rc=$?
    [[ $rc == 0 ]] && ok "stop-$i" || fail "stop-$i" "exit code $rc"
done
pids=()
finish
