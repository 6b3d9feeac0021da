#!/usr/bin/env python3
"""Two `dorf serve` nodes on one PostgreSQL primary with a streaming replica (test_multinode.sh).

    multinode_check.py BASE_A BASE_B REPLICA_PORT PG_REPLICA REPLICA_DIR

Both nodes run with --db PRIMARY --read-db REPLICA. The checks:
1. Public GETs read from the replica, everything else from the primary: with the replica's
   replay paused, news posted through A is missing from B's public list until replay resumes,
   while an order placed through A is seen at once through B (orders need a session: primary).
2. A volunteer's claim through A and a competing claim through B, sent at the same moment, for
   several parcels: exactly one 200 per parcel, the other 409.
3. Stopping the replica mid-run: public reads through both nodes keep answering 200, /health
   reports the replica down and, once it is started again, up.
4. DorfFunk's live updates reach the clients of both nodes: a post through A is on a stream of
   B within a second, and the other way round; the node that made a post sends it to its own
   clients exactly once; a post too long for one NOTIFY (9,000 bytes) arrives whole; a person
   erased through B is forgotten by A's hub too.
Prints every failed check and a line "N passed, N failed"; exits 1 when any failed.
"""
import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

BASE_A, BASE_B, REPLICA_PORT, PG_REPLICA, REPLICA_DIR = sys.argv[1:6]
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what, flush=True)
    return cond


def call(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


def replica_sql(sql):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", REPLICA_PORT,
                          "-U", "postgres", "-d", "dorf_test", "-c", sql],
                         capture_output=True, text=True, timeout=30)
    return out.stdout.strip() if out.returncode == 0 else None


def register(base, email, roles):
    status, _ = call(base, "POST", "/api/register",
                     {"email": email, "name": email.split("@")[0], "password": "secret-" + email,
                      "roles": roles})
    check(status == 201, "register %s through %s: %s" % (email, base, status))
    # Log in through the other node: sessions live in the shared database.
    other = BASE_B if base == BASE_A else BASE_A
    status, body = call(other, "POST", "/api/login", {"email": email, "password": "secret-" + email})
    check(status == 200, "login %s through the other node: %s %s" % (email, status, body))
    return body["token"] if status == 200 else ""


def wait_for(cond, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def news_titles(base):
    status, body = call(base, "GET", "/api/news")
    return status, [p.get("title") for p in body["posts"]] if status == 200 else []


# ---- the actors, registered through both nodes ----
register(BASE_A, "admin@dorf.test", ["citizen"])  # the first account becomes admin
shop = register(BASE_A, "laden@dorf.test", ["shop"])
anna = register(BASE_B, "anna@dorf.test", ["citizen"])
bernd = register(BASE_A, "bernd@dorf.test", ["citizen"])
vera = register(BASE_A, "vera@dorf.test", ["volunteer"])
volker = register(BASE_B, "volker@dorf.test", ["volunteer"])

status, places = call(BASE_B, "GET", "/api/places")
check(status == 200 and len(places) > 0, "places listed through B: %s" % status)
shop_row = None
for p in places or []:
    s, body = call(BASE_A, "POST", "/api/shops", {"osm_type": p["osm_type"], "osm_id": p["osm_id"]},
                   shop)
    if s == 201:
        shop_row = body
        break
check(shop_row is not None, "the shop claimed a place through A")
status, bread = call(BASE_A, "POST", "/api/shops/%d/products" % shop_row["id"],
                     {"name": "Roggenbrot", "price_cents": 350, "unit": "Stück", "stock": 100}, shop)
check(status == 201, "product added through A: %s %s" % (status, bread))
dropoff = {"lon": shop_row["lon"] + 0.002, "lat": shop_row["lat"] + 0.001}

# ---- 1. reads: the replica for public GETs, the primary for the rest ----
status, titles = news_titles(BASE_B)
check(status == 200, "news listed through B: %s" % status)
check(replica_sql("SELECT pg_wal_replay_pause()") is not None, "the replica's replay paused")
check(wait_for(lambda: replica_sql("SELECT pg_get_wal_replay_pause_state()") == "paused", 10),
      "the replica reports its replay paused")
status, news = call(BASE_A, "POST", "/api/news", {"title": "Dorffest am Samstag", "body": "Zelt"},
                    anna)
check(status == 201, "Anna posts news through A: %s" % status)
status, order = call(BASE_A, "POST", "/api/orders", {"shop_id": shop_row["id"], "items": [
    {"product_id": bread["id"], "quantity": 2}], "delivery": True, "dropoff": dropoff}, anna)
check(status == 201 and order["state"] == "placed", "Anna orders through A: %s %s" % (status, order))
status, seen = call(BASE_B, "GET", "/api/orders/%d" % order["id"], token=anna)
check(status == 200 and seen["id"] == order["id"] and seen["total_cents"] == 700,
      "the order placed through A is seen through B at once: %s %s" % (status, seen))
status, listed = call(BASE_B, "GET", "/api/orders", token=shop)
check(status == 200 and any(o["id"] == order["id"] for o in listed),
      "the shop sees the order through B: %s" % status)
status, titles = news_titles(BASE_B)
check(status == 200 and "Dorffest am Samstag" not in titles,
      "B's public news list reads from the paused replica (the new post not there yet)")
status, titles = news_titles(BASE_A)
check(status == 200 and "Dorffest am Samstag" not in titles,
      "so does A's, although A wrote it: public reads go to the replica")
check(replica_sql("SELECT pg_wal_replay_resume()") is not None, "the replica's replay resumed")
check(wait_for(lambda: "Dorffest am Samstag" in news_titles(BASE_B)[1], 10),
      "after replay resumed, B lists the news posted through A")

# ---- 2. claims through both nodes at once: one winner per parcel ----
parcels = []
for i in range(6):
    status, o = call(BASE_B, "POST", "/api/orders", {"shop_id": shop_row["id"], "items": [
        {"product_id": bread["id"], "quantity": 1}], "delivery": True, "dropoff": dropoff}, anna)
    if not check(status == 201, "order %d through B: %s %s" % (i, status, o)):
        continue
    for state in ("accepted", "ready", "handed_over"):
        node = BASE_A if state != "ready" else BASE_B
        status, o = call(node, "POST", "/api/orders/%d/transition" % o["id"], {"state": state}, shop)
        check(status == 200 and o["state"] == state, "order %d moved to %s: %s" % (i, state, status))
    if o.get("parcel_id"):
        parcels.append(o["parcel_id"])
check(len(parcels) == 6, "six orders became parcels: %s" % parcels)
results = {}
for parcel in parcels:
    barrier = threading.Barrier(2)
    got = {}

    def claim(name, base, token, parcel=parcel, barrier=barrier, got=got):
        barrier.wait()
        got[name] = call(base, "POST", "/api/parcels/%d/claim" % parcel, None, token)[0]

    threads = [threading.Thread(target=claim, args=("vera@A", BASE_A, vera)),
               threading.Thread(target=claim, args=("volker@B", BASE_B, volker))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    results[parcel] = got
    codes = sorted(got.values())
    check(codes == [200, 409], "parcel %d claimed through A and B at once: %s" % (parcel, got))
winners = [n for got in results.values() for n, c in got.items() if c == 200]
print("claim races: %d parcels, won by %s" % (len(results), winners), flush=True)


# ---- 3. the replica stops mid-run: public reads keep answering 200 ----
status, health = call(BASE_B, "GET", "/health")
check(status == 200 and health.get("read_replica") == "up", "B's replica is up: %s" % health)
codes = []
stop_reading = threading.Event()


def read_loop():
    paths = ["/api/places", "/api/news", "/api/shops", "/api/shops/%d/products" % shop_row["id"],
             "/ogc/collections/places/items?limit=5"]
    i = 0
    while not stop_reading.is_set():
        base = BASE_A if i % 2 else BASE_B
        codes.append((base, paths[i % len(paths)], call(base, "GET", paths[i % len(paths)])[0]))
        i += 1


readers = [threading.Thread(target=read_loop) for _ in range(3)]
for t in readers:
    t.start()
time.sleep(0.5)
halted = subprocess.run([PG_REPLICA, "halt", REPLICA_DIR], capture_output=True, text=True)
check(halted.returncode == 0, "the replica stopped: %s" % halted.stderr)
check(wait_for(lambda: call(BASE_B, "GET", "/health")[1].get("read_replica") == "down", 5),
      "B reports its replica down")
time.sleep(1.0)
during = len(codes)
resumed = subprocess.run([PG_REPLICA, "resume", REPLICA_DIR], capture_output=True, text=True)
check(resumed.returncode == 0, "the replica started again: %s" % resumed.stderr)
check(wait_for(lambda: call(BASE_B, "GET", "/health")[1].get("read_replica") == "up", 10),
      "B reports its replica up again")
check(wait_for(lambda: call(BASE_A, "GET", "/health")[1].get("read_replica") == "up", 10),
      "A reports its replica up again")
time.sleep(0.5)
stop_reading.set()
for t in readers:
    t.join(60)
bad = [c for c in codes if c[2] != 200]
check(len(codes) > 20 and not bad,
      "%d public reads (%d of them before the replica was back) all answered 200: %s"
      % (len(codes), during, bad[:5]))
print("reads while the replica stopped and started: %d, not 200: %d" % (len(codes), len(bad)),
      flush=True)


# ---- 4. DorfFunk's live updates on both nodes ----
class Stream:
    """An SSE client collecting the data of every event until closed."""

    def __init__(self, base, token, channel, query=""):
        self.events = []
        self.status = None
        self.ready = threading.Event()
        self.done = False
        self.conn = http.client.HTTPConnection(base.split("//")[1], timeout=30)
        self.thread = threading.Thread(target=self.run,
                                       args=(token, "/api/funk/%s/stream%s" % (channel, query)))
        self.thread.start()
        self.ready.wait(10)

    def run(self, token, path):
        try:
            self.conn.request("GET", path, headers={"Authorization": "Bearer " + token})
            r = self.conn.getresponse()
            self.status = r.status
            self.ready.set()
            while not self.done:
                line = r.fp.readline().decode()
                if not line:
                    break
                if line.startswith("data:"):
                    self.events.append((time.time(), json.loads(line[5:])))
        except (OSError, ValueError, http.client.HTTPException):
            pass
        self.ready.set()

    def posts(self, post_id):
        return [(t, e) for t, e in self.events if e.get("post", {}).get("id") == post_id]

    def close(self):
        self.done = True
        try:
            self.conn.sock.shutdown(2)
        except OSError:
            pass
        self.conn.close()
        self.thread.join(5)


on_a = Stream(BASE_A, bernd, "general")
on_b = Stream(BASE_B, bernd, "general")
check(on_a.status == 200 and on_b.status == 200,
      "streams open on both nodes: %s %s" % (on_a.status, on_b.status))
time.sleep(0.3)
for origin, other, name in ((BASE_A, on_b, "A to B"), (BASE_B, on_a, "B to A")):
    sent = time.time()
    status, post = call(origin, "POST", "/api/funk/general",
                        {"title": "Mitfahrt " + name, "body": "Zwei Plätze frei"}, anna)
    if not check(status == 201, "Anna posts through %s: %s" % (origin, status)):
        continue
    arrived = wait_for(lambda: other.posts(post["id"]), 1.0)
    delay = other.posts(post["id"])[0][0] - sent if arrived else None
    check(arrived, "the post %s reaches the other node's client within a second" % name)
    if arrived:
        print("live update %s: %.0f ms after the POST was sent" % (name, delay * 1000), flush=True)
        check(other.posts(post["id"])[0][1]["post"]["title"] == "Mitfahrt " + name,
              "the relayed event carries the post")
long_body = "x" * 9000
status, post = call(BASE_A, "POST", "/api/funk/general", {"title": "Lang", "body": long_body}, anna)
check(status == 201, "a post of 9,000 bytes through A: %s" % status)
long_id = post["id"] if status == 201 else -1
status, reply = call(BASE_B, "POST", "/api/posts/%d/replies" % long_id, {"body": "Gelesen"}, bernd)
check(status == 201, "Bernd replies through B: %s" % status)
reply_id = reply["id"] if status == 201 else -1
check(wait_for(lambda: on_b.posts(long_id) and on_a.posts(reply_id), 2.0),
      "the long post and the reply reach the clients of both nodes")
check(on_b.posts(long_id) and on_b.posts(long_id)[0][1]["post"]["body"] == long_body,
      "the long post arrives whole on B (more than one NOTIFY could carry)")
time.sleep(1.0)  # a duplicate, if any, would come within this
for stream, name in ((on_a, "A"), (on_b, "B")):
    ids = [e["post"]["id"] for _, e in stream.events]
    check(len(ids) == len(set(ids)) == 4,
          "node %s's client got each of the 4 posts exactly once: %s" % (name, ids))
on_a.close()
on_b.close()


def kept_on(base):
    """The ids of the events node `base` keeps for the channel: a replay from the start, read
    until the newest post (the long one) has come."""
    replay = Stream(base, anna, "general", "?after=0")
    wait_for(lambda: replay.posts(long_id), 5)
    replay.close()
    return [e["post"]["id"] for _, e in replay.events]


kept = kept_on(BASE_A)
check(reply_id in kept and long_id in kept,
      "A keeps Bernd's reply (made through B) for a replay: %s" % kept)
status, _ = call(BASE_B, "DELETE", "/api/me", {"password": "secret-bernd@dorf.test"}, bernd)
check(status == 200, "Bernd erases himself through B: %s" % status)
time.sleep(0.5)
kept = kept_on(BASE_A)
check(reply_id not in kept and long_id in kept,
      "A forgets the erased person's live updates, and only theirs: %s" % kept)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
