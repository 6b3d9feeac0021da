#!/usr/bin/env bash
# End-to-end tests of DorfNews and DorfFunk (api/h_posts.c) against a real `dorf serve` on the
# hand-made village: news and events (official flag for moderators only), the iCalendar feed
# (checked line by line), DorfFunk channels and replies, bbox and distance searches, reports,
# hiding and blocking, live updates over Server-Sent Events, and bad input refused with
# nothing stored.
# Usage: test_posts.sh path/to/dorf
set -u
dorf=$1
data=${DORF_TEST_DATA:-$(dirname "$0")/../data}
work=$(mktemp -d /tmp/dorf-posts-XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    [[ -n ${KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/../cli/lib.sh"

db=$work/v.dorf
"$dorf" import --quiet --db "$db" "$data/village.osm" || fail setup "import failed"
# The first admin: `dorf account add` where the build has it, else the role set in the database.
echo 'admin-password-1' | "$dorf" account add --db "$db" --email admin@dorf.test --name Admin \
    --roles admin >/dev/null 2>&1 && admin_made=1 || admin_made=0

"$dorf" serve --db "$db" --listen 127.0.0.1:0 2>"$work/err" &
pid=$!
pids+=("$pid")
base=
for _ in $(seq 100); do
    base=$(grep -o 'listening on http://[^ ]*' "$work/err" | sed 's/listening on //')
    [[ -n $base ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z $base ]]; then
    fail "server starts" "$(cat "$work/err")"
    finish
    exit 1
fi

# api METHOD PATH TOKEN [BODY]: one request; status in $status, body in $work/b.
api() {
    local method=$1 path=$2 token=$3 body=${4-}
    local args=(-s -o "$work/b" -D "$work/h" -w '%{http_code}' --max-time 10 -X "$method")
    [[ -n $token ]] && args+=(-H "Authorization: Bearer $token")
    [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    status=$(curl "${args[@]}" "$base$path")
}

# jq-like: evaluates a Python expression over the last body, parsed as `j`.
j() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$work/b" 2>/dev/null; }

# expect NAME STATUS [CODE]: the last answer had this status (and error code).
expect() {
    local name=$1 want=$2 code=${3-}
    if [[ $status != "$want" ]]; then
        fail "$name" "status $status, expected $want: $(head -c 300 "$work/b")"
    elif [[ -n $code && $(j 'j["error"]["code"]') != "$code" ]]; then
        fail "$name" "error code $(j 'j["error"]["code"]'), expected $code"
    else
        ok "$name"
    fi
}

# login EMAIL PASSWORD: prints the session token.
login() {
    api POST /api/login "" "{\"email\": \"$1\", \"password\": \"$2\"}"
    j 'j["token"]'
}

register() {
    api POST /api/register "" "{\"email\": \"$1\", \"name\": \"$2\", \"password\": \"password-$2\"}"
    j 'j["id"]'
}

if [[ $admin_made == 0 ]]; then
    api POST /api/register "" '{"email": "admin@dorf.test", "name": "Admin", "password": "admin-password-1"}'
    sqlite3 "$db" "UPDATE app_user SET roles = 65 WHERE email = 'admin@dorf.test'" ||
        fail setup "could not make an admin (needs dorf account add or the sqlite3 CLI)"
fi
anna_id=$(register anna@dorf.test Anna)
bob_id=$(register bob@dorf.test Bob)
mod_id=$(register mod@dorf.test Mod)
admin=$(login admin@dorf.test admin-password-1)
anna=$(login anna@dorf.test password-Anna)
bob=$(login bob@dorf.test password-Bob)
api PUT "/api/users/$mod_id/roles" "$admin" '{"roles": ["citizen", "moderator"]}'
expect "an admin makes a moderator" 200
mod=$(login mod@dorf.test password-Mod)
[[ -n $anna && -n $bob && -n $mod && $anna != None ]] && ok "accounts and sessions" ||
    fail "accounts" "no tokens"

# --- DorfNews -----------------------------------------------------------------------------
evil="Robert'); DROP TABLE post;-- <script>alert(1)</script> \"quoted\" ß"
evil_json=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$evil")
api POST /api/news "$anna" "{\"title\": $evil_json, \"body\": \"Line 1\\nLine 2\", \"location\": {\"lon\": 11.58, \"lat\": 49.95}}"
expect "a citizen posts news" 201
news1=$(j 'j["id"]')
grep -qi "^location: /api/posts/$news1" "$work/h" && ok "201 names the new post" ||
    fail "Location" "$(cat "$work/h")"
api POST /api/news "$anna" '{"title": "Rathaus", "body": "b", "official": true}'
expect "official news by a citizen is 403" 403 forbidden
api POST /api/news "$mod" '{"title": "Rathaus: Wasser", "body": "Bitte abkochen", "official": true}'
expect "a moderator posts official news" 201
[[ $(j 'j["official"]') == True ]] && ok "the official flag is kept" || fail "official" "$(cat "$work/b")"
api POST /api/news "" '{"title": "t", "body": "b"}'
expect "posting without a session is 401" 401 unauthorized

api GET /api/news ""
expect "news are public" 200
[[ $(j 'len(j["posts"])') == 2 && $(j 'j["posts"][1]["id"]') == "$news1" ]] &&
    ok "news listed newest first" || fail "news list" "$(cat "$work/b")"
python3 - "$work/b" "$evil" <<'PY' && ok "text is returned verbatim" || fail "verbatim" "$(cat "$work/b")"
import json, sys
j = json.load(open(sys.argv[1]))
p = j["posts"][1]
assert p["title"] == sys.argv[2], p["title"]
assert p["body"] == "Line 1\nLine 2"
assert p["location"] == {"lon": 11.58, "lat": 49.95}
assert p["author"]["name"] == "Anna"
PY

# Bad input: 400 naming the field, and nothing stored.
long201=$(python3 -c 'print("x" * 201)')
long10001=$(python3 -c 'print("x" * 10001)')
bad_bodies=(
    "unknown_field|{\"title\": \"t\", \"body\": \"b\", \"colour\": \"red\"}"
    "bad_field|{\"title\": \"$long201\", \"body\": \"b\"}"
    "bad_field|{\"title\": \"t\", \"body\": \"$long10001\"}"
    "missing_field|{\"body\": \"b\"}"
    "bad_field|{\"title\": 5, \"body\": \"b\"}"
    "bad_field|{\"title\": \"\", \"body\": \"b\"}"
    "bad_field|{\"title\": \"t\", \"body\": \"b\", \"location\": {\"lon\": 200, \"lat\": 0}}"
    "bad_field|{\"title\": \"t\", \"body\": \"b\", \"location\": [11.5, 49.9]}"
    "bad_field|{\"title\": \"t\", \"body\": \"b\", \"official\": \"yes\"}"
    "bad_json|{\"title\": \"t\\u0000x\", \"body\": \"b\"}"
    "bad_request|[1, 2]"
)
for case in "${bad_bodies[@]}"; do
    code=${case%%|*}
    body=${case#*|}
    api POST /api/news "$anna" "$body"
    expect "bad news body is 400 $code: ${body:0:60}" 400 "$code"
done
api GET /api/news ""
[[ $(j 'len(j["posts"])') == 2 ]] && ok "nothing was stored from bad input" || fail "stored" "$(cat "$work/b")"
api GET '/api/news?limit=0' ""
expect "limit=0 is 400" 400 bad_query
api GET '/api/news?limit=101' ""
expect "limit=101 is 400" 400 bad_query
api GET '/api/news?sort=distance' ""
expect "sort=distance without near is 400" 400 bad_query
api GET '/api/news?near=11.58,95' ""
expect "near with lat 95 is 400" 400 bad_query
api GET '/api/news?bbox=1,2,3' ""
expect "a bbox of three numbers is 400" 400 bad_query
api GET '/api/news?limit=1' ""
next=$(j 'j["next_before"]')
api GET "/api/news?limit=1&before=$next" ""
[[ $(j 'j["posts"][0]["id"]') == "$news1" ]] && ok "paging with before=" || fail "paging" "$(cat "$work/b")"

# --- Events and the iCalendar feed ----------------------------------------------------------
now=$(date +%s)
start=$((now + 86400))
api POST /api/events "$anna" "{\"title\": \"Dorffest; Musik, Tanz\", \"body\": \"Am Anger\\\\Platz\\nab 18 Uhr. $(python3 -c 'print("Sehr lange Beschreibung mit Umlauten äöü und 🎉 " * 4)')\", \"starts_at\": $start, \"ends_at\": $((start + 7200)), \"location\": {\"lon\": 11.58, \"lat\": 49.95}}"
expect "an event is posted" 201
event1=$(j 'j["id"]')
api POST /api/events "$bob" "{\"title\": \"Flohmarkt\", \"body\": \"b\", \"starts_at\": $((now + 3 * 86400))}"
expect "an event without end or place" 201
api POST /api/events "$anna" "{\"title\": \"t\", \"body\": \"b\", \"starts_at\": $((now + 6 * 366 * 86400))}"
expect "an event 6 years ahead is 400" 400 bad_field
api POST /api/events "$anna" "{\"title\": \"t\", \"body\": \"b\", \"starts_at\": $start, \"ends_at\": $((start - 1))}"
expect "an event ending before it starts is 400" 400 bad_field
api POST /api/events "$anna" '{"title": "t", "body": "b"}'
expect "an event without starts_at is 400" 400 missing_field
api POST /api/events "$anna" "{\"title\": \"t\", \"body\": \"b\", \"starts_at\": \"tomorrow\"}"
expect "a starts_at string is 400" 400 bad_field
api GET "/api/events?from=$((now + 2 * 86400))" ""
[[ $(j 'len(j["posts"])') == 1 && $(j 'j["posts"][0]["title"]') == Flohmarkt ]] &&
    ok "events from= window" || fail "events window" "$(cat "$work/b")"
api GET "/api/events?from=$now&until=$((now + 2 * 86400))" ""
[[ $(j 'len(j["posts"])') == 1 && $(j 'j["posts"][0]["id"]') == "$event1" ]] &&
    ok "events from= until= window" || fail "events window 2" "$(cat "$work/b")"

curl -s -D "$work/ics.h" -o "$work/events.ics" "$base/api/events.ics"
grep -qi '^content-type: text/calendar; charset=utf-8' "$work/ics.h" && ok "iCal content type" ||
    fail "iCal content type" "$(cat "$work/ics.h")"
if python3 - "$work/events.ics" "$event1" <<'PY'; then
import sys
raw = open(sys.argv[1], "rb").read()
assert raw.endswith(b"\r\n"), "no final CRLF"
assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF"
assert b"\r" not in raw.replace(b"\r\n", b""), "bare CR"
lines = raw[:-2].split(b"\r\n")
for l in lines:
    assert len(l) <= 75, f"line of {len(l)} octets"
    l.decode("utf-8")  # every physical line is valid UTF-8: no sequence was split
text = raw.decode("utf-8")
logical = text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]
stack = []
for l in logical:
    if l.startswith("BEGIN:"):
        stack.append(l[6:])
    elif l.startswith("END:"):
        assert stack and stack.pop() == l[4:], f"unbalanced {l}"
assert not stack, "unclosed " + str(stack)
assert logical[0] == "BEGIN:VCALENDAR" and logical[-1] == "END:VCALENDAR"
assert "VERSION:2.0" in logical and any(l.startswith("PRODID:") for l in logical)
events = [i for i, l in enumerate(logical) if l == "BEGIN:VEVENT"]
assert len(events) == 2, f"{len(events)} events"
import re
for i in events:
    props = {}
    for l in logical[i + 1:]:
        if l == "END:VEVENT":
            break
        name = l.split(":", 1)[0].split(";")[0]
        props[name] = l.split(":", 1)[1]
    for req in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
        assert req in props, f"no {req}"
    for t in ("DTSTAMP", "DTSTART", "DTEND"):
        if t in props:
            assert re.fullmatch(r"\d{8}T\d{6}Z", props[t]), props[t]
    if props["UID"] == f"event-{sys.argv[2]}@dorf":
        assert props["SUMMARY"] == "Dorffest\\; Musik\\, Tanz", props["SUMMARY"]
        assert props["DESCRIPTION"].startswith("Am Anger\\\\Platz\\nab 18 Uhr."), props["DESCRIPTION"]
        assert "🎉" in props["DESCRIPTION"]
        assert props["GEO"] == "49.950000;11.580000", props["GEO"]
        assert "DTEND" in props
PY
    ok "the iCal feed: CRLF, folded at 75 octets, balanced, required properties, escaping"
else
    fail "iCal feed" "$(head -c 600 "$work/events.ics")"
fi

# --- DorfFunk ------------------------------------------------------------------------------
api GET /api/funk/help ""
expect "DorfFunk needs a session" 401 unauthorized
api GET /api/funk/gossip "$anna"
expect "an unknown channel is 400" 400 bad_field
api POST /api/funk/gossip "$anna" '{"title": "t", "body": "b"}'
expect "posting to an unknown channel is 400" 400 bad_field
api POST /api/funk/help "$anna" '{"title": "t", "body": "b", "official": true}'
expect "funk posts have no official field" 400 unknown_field

# Live updates: a stream open before the post sees it arrive.
curl -s -N --max-time 6 -H "Authorization: Bearer $bob" "$base/api/funk/lending/stream" \
    >"$work/sse" 2>/dev/null &
sse_pid=$!
pids+=("$sse_pid")
sleep 1

api POST /api/funk/lending "$anna" '{"title": "Leiter zu verleihen", "body": "3 m", "location": {"lon": 11.580, "lat": 49.950}}'
expect "a funk post" 201
funk1=$(j 'j["id"]')
api POST /api/funk/lending "$anna" '{"title": "Anhänger", "body": "b", "location": {"lon": 11.600, "lat": 49.950}}'
funk2=$(j 'j["id"]')
api POST /api/funk/lending "$bob" '{"title": "Rasenmäher", "body": "b", "location": {"lon": 11.585, "lat": 49.950}}'
funk3=$(j 'j["id"]')
api POST /api/funk/rides "$bob" '{"title": "Fahrt nach Bayreuth", "body": "Di 9 Uhr"}'
rides1=$(j 'j["id"]')
api POST "/api/posts/$funk1/replies" "$bob" '{"body": "Ich hätte sie gern am Samstag"}'
expect "a reply" 201
reply1=$(j 'j["id"]')
api POST "/api/posts/$reply1/replies" "$anna" '{"body": "nested"}'
expect "a reply to a reply is 400" 400
api POST "/api/posts/$news1/replies" "$bob" '{"body": "on news"}'
expect "a reply to news is 400" 400
api POST "/api/posts/$funk1/replies" "$bob" '{"body": "x", "title": "t"}'
expect "a reply with a title is 400" 400 unknown_field
api POST "/api/posts/999999/replies" "$bob" '{"body": "x"}'
expect "a reply to no post is 404" 404 not_found

api GET "/api/posts/$funk1" "$anna"
[[ $status == 200 && $(j 'len(j["replies"])') == 1 && $(j 'j["replies"][0]["parent_id"]') == "$funk1" ]] &&
    ok "a post with its replies" || fail "post with replies" "$status $(cat "$work/b")"
api GET "/api/posts/$funk1" ""
expect "a funk post needs a session" 401 unauthorized

api GET "/api/funk/lending?near=11.58,49.95&radius=1000&sort=distance" "$anna"
ids=$(j '",".join(str(p["id"]) for p in j["posts"])')
[[ $ids == "$funk1,$funk3" ]] && ok "near + radius + sort=distance" || fail "distance order" "$ids: $(cat "$work/b")"
[[ $(j 'j["posts"][1]["distance_m"] > 300 and j["posts"][1]["distance_m"] < 400') == True ]] &&
    ok "distance_m in metres" || fail "distance_m" "$(cat "$work/b")"
api GET "/api/funk/lending?bbox=11.59,49.9,11.61,50.0" "$anna"
[[ $(j '",".join(str(p["id"]) for p in j["posts"])') == "$funk2" ]] && ok "bbox" || fail "bbox" "$(cat "$work/b")"
api GET "/api/funk/rides" "$anna"
[[ $(j '",".join(str(p["id"]) for p in j["posts"])') == "$rides1" ]] && ok "channels are separate" ||
    fail "channels" "$(cat "$work/b")"

sleep 1.5
kill "$sse_pid" 2>/dev/null
wait "$sse_pid" 2>/dev/null
if grep -q '^event: post' "$work/sse"; then
    if python3 - "$work/sse" "$funk1" "$reply1" "$funk3" <<'PY'; then
import json, sys
events = []
for block in open(sys.argv[1]).read().split("\n\n"):
    ev = {}
    for line in block.split("\n"):
        if line.startswith(":") or not line:
            continue
        k, _, v = line.partition(": ")
        ev[k] = v
    if "data" in ev:
        events.append(ev)
posts = [json.loads(e["data"]) for e in events]
# bob's own post and anna's, the reply; not the rides post.
types = [(p["type"], p["post"]["id"]) for p in posts]
assert ("post", int(sys.argv[2])) in types, types
assert ("reply", int(sys.argv[3])) in types, types
assert ("post", int(sys.argv[4])) in types, types
assert all(p["channel"] == "lending" for p in posts), posts
assert all(int(e["id"]) == p["id"] for e, p in zip(events, posts))
assert [p["id"] for p in posts] == sorted(p["id"] for p in posts)
PY
        ok "SSE: the stream delivers the channel's new posts and replies"
    else
        fail "SSE events" "$(cat "$work/sse")"
    fi
else
    echo "skip SSE: the server does not stream yet (api_response.stream not wired in server.c)"
fi

# --- Reports, hiding, blocking ----------------------------------------------------------------
api POST "/api/posts/$funk2/report" "$bob" '{"reason": "Werbung"}'
expect "a report" 204
api POST "/api/posts/$funk2/report" "$bob" '{"reason": "again"}'
expect "a second report by the same person is 409" 409 already_reported
api POST "/api/posts/$funk2/report" "$bob" "{\"reason\": \"$(python3 -c 'print("x" * 501)')\"}"
expect "a reason over 500 bytes is 400" 400 bad_field
api POST "/api/posts/$funk2/report" "$mod" '{}'
expect "a report without reason is 400" 400 missing_field
api POST "/api/posts/$funk2/hide" "$bob"
expect "a citizen cannot hide" 403 forbidden
api POST "/api/posts/$funk2/hide" "$mod"
expect "a moderator hides" 200
[[ $(j 'j["hidden"]') == True && $(j 'j["report_count"]') == 1 ]] && ok "moderators see hidden and reports" ||
    fail "hidden view" "$(cat "$work/b")"
api GET /api/funk/lending "$bob"
[[ $(j "$funk2 in [p['id'] for p in j['posts']]") == False ]] && ok "hidden posts are gone for citizens" ||
    fail "hidden for citizens" "$(cat "$work/b")"
api GET "/api/posts/$funk2" "$bob"
expect "a hidden post is 404 for others" 404
api GET /api/funk/lending "$mod"
[[ $(j "$funk2 in [p['id'] for p in j['posts']]") == True ]] && ok "moderators still list hidden posts" ||
    fail "hidden for moderators" "$(cat "$work/b")"
api POST "/api/posts/$funk2/unhide" "$mod"
expect "a moderator unhides" 200
api GET /api/funk/lending "$bob"
[[ $(j "$funk2 in [p['id'] for p in j['posts']]") == True ]] && ok "unhidden posts are back" ||
    fail "unhide" "$(cat "$work/b")"

api POST "/api/users/$anna_id/block" "$bob"
expect "bob blocks anna" 204
api POST "/api/users/$bob_id/block" "$bob"
expect "blocking oneself is 400" 400
api POST "/api/users/999999/block" "$bob"
expect "blocking nobody is 404" 404
api GET /api/funk/lending "$bob"
[[ $(j '",".join(str(p["id"]) for p in j["posts"])') == "$funk3" ]] && ok "a blocked author's posts are gone" ||
    fail "blocked" "$(cat "$work/b")"
api GET /api/funk/lending "$mod"
[[ $(j 'len(j["posts"])') == 3 ]] && ok "blocking is for the blocker only" || fail "block scope" "$(cat "$work/b")"
api DELETE "/api/users/$anna_id/block" "$bob"
expect "bob unblocks anna" 204
api GET /api/funk/lending "$bob"
[[ $(j 'len(j["posts"])') == 3 ]] && ok "unblocked posts are back" || fail "unblock" "$(cat "$work/b")"

api DELETE "/api/posts/$funk1" "$bob"
expect "deleting someone else's post is 403" 403
api DELETE "/api/posts/$funk1" "$anna"
expect "the author deletes a post" 204
api GET "/api/posts/$reply1" "$mod"
expect "its replies are gone too" 404

if command -v sqlite3 >/dev/null; then
    audit=$(sqlite3 "$db" "SELECT group_concat(action, ',') FROM (SELECT action FROM audit_log WHERE object LIKE 'post:%' ORDER BY id)")
    [[ $audit == "report,hide,unhide,delete" ]] && ok "audit rows for report, hide, unhide, delete" ||
        fail "audit" "$audit"
fi

kill -TERM "$pid"
wait "$pid"
rc=$?
[[ $rc -eq 0 ]] && ok "the server stops cleanly" || fail "stop" "exit code $rc: $(tail -5 "$work/err")"
finish
