#!/usr/bin/env python3
"""Crash consistency of `dorf serve` and `dorf import` under SIGKILL (test_crash.sh).

    crash_driver.py serve  DORF REGION --kills N [--seed S]
    crash_driver.py import DORF REGION EXTRACT --kills N [--seed S]

serve: starts `dorf serve` on REGION (a region with an admin account, see test_crash.sh),
sets up a shop with a scarce and a plentiful product, open parcels and the actors, then lets
clients work in threads while the server is killed with SIGKILL at random moments, N times,
and restarted each time:
  - citizens place delivery orders (the drop-off point is the request's unique marker) and
    cancel some of the orders they were told were placed;
  - a citizen and the shop move orders on to handed_over, which makes parcels;
  - volunteers claim open parcels (each volunteer tries each parcel once);
  - a poster writes DorfFunk messages (the title is the marker), some of them invalid.
Every request is recorded with its answer: 2xx acknowledged, 4xx refused, or unknown (the
connection broke, or 5xx). Afterwards the file, as the last kill left it, is read with
Python's sqlite3: integrity_check and foreign_key_check pass; every acknowledged write is
there and every refused one is not; nothing is there that nobody asked for; every product's
stock is its initial stock minus the quantities of its orders that are not cancelled or
rejected; every order is complete (items, total, its audit row); parcels belong to handed-over
delivery orders, an open parcel has no volunteer and a claimed one exactly one, who asked for
it. Then the server starts once more on the file and answers.

import: REGION holds a region; `dorf import` of EXTRACT over it is killed with SIGKILL after
spread fractions of a clean import's duration, N times: each time the file is byte for byte
the previous one (sha256), `dorf info` opens it and reports the previous region, and the file
is still the same afterwards. A kill that lands after the import's commit (while it closes)
must leave the complete new region instead; then the previous file is put back, and fewer
than half of the kills may land there. A last, unkilled import then replaces the region.

Standard library only. Prints one line per failed check and "N passed, N failed"; exit 1 on
failures.
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what, flush=True)
    return cond


# ---- the server under test ----------------------------------------------------------------

class Server:
    """`dorf serve` on a fixed port, started and killed on demand."""

    def __init__(self, dorf, region, log):
        self.dorf, self.region, self.log = dorf, region, log
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.proc = None

    def start(self, timeout=30):
        err = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [self.dorf, "serve", "--db", self.region, "--listen", "127.0.0.1:%d" % self.port,
             "--write-limit", "0", "--login-limit", "1000000", "--threads", "4"],
            stdout=subprocess.DEVNULL, stderr=err)
        err.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dorf serve exited with %s; see %s" % (self.proc.returncode,
                                                                          self.log))
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health")
                ok = c.getresponse().status == 200
                c.close()
                if ok:
                    return
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError("dorf serve did not answer within %d s" % timeout)

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=10)


ACK, REFUSED, UNKNOWN = "ack", "refused", "unknown"


class NotSent(Exception):
    """The server was down: the request never left (no connection)."""


def call(port, method, path, body=None, token=None):
    """One request on a fresh connection: (outcome, status, parsed body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.connect()
    except OSError:
        conn.close()
        raise NotSent()
    try:
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        text = r.read()
        status = r.status
    except (OSError, http.client.HTTPException):
        return UNKNOWN, None, None
    finally:
        conn.close()
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    if 200 <= status < 300:
        return ACK, status, parsed
    if 400 <= status < 500:
        return REFUSED, status, parsed
    return UNKNOWN, status, parsed


def setup_call(port, method, path, body=None, token=None, want=(200, 201)):
    outcome, status, parsed = call(port, method, path, body, token)
    if status not in want:
        raise RuntimeError("setup: %s %s -> %s %s" % (method, path, status, parsed))
    return parsed


# ---- the clients ---------------------------------------------------------------------------

class Log:
    """Every request a client made, with its outcome (thread-safe appends)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.orders = []      # dict(marker, citizen, items, outcome, status, id)
        self.cancels = []     # dict(order, outcome, status)
        self.handovers = []   # dict(order, state, outcome, status)
        self.claims = []      # dict(volunteer, parcel, outcome, status)
        self.posts = []       # dict(title, valid, outcome, status, id)
        self.not_sent = 0

    def add(self, kind, rec):
        with self.lock:
            getattr(self, kind).append(rec)


class Clients:
    def __init__(self, port, actors, log, seed):
        self.port, self.a, self.log = port, actors, log
        self.stop = threading.Event()
        self.seed = seed
        self.seq = 0
        self.seq_lock = threading.Lock()

    def next_seq(self):
        with self.seq_lock:
            self.seq += 1
            return self.seq

    def request(self, method, path, body, token):
        """Retries while the server is down; returns (outcome, status, body)."""
        while not self.stop.is_set():
            try:
                return call(self.port, method, path, body, token)
            except NotSent:
                with self.log.lock:
                    self.log.not_sent += 1
                time.sleep(0.02)
        return None

    def citizen(self, idx):
        rnd = random.Random(self.seed * 1000 + idx)
        token, cid = self.a["citizens"][idx]
        placed = []
        while not self.stop.is_set():
            if placed and rnd.random() < 0.25:
                oid = placed.pop(rnd.randrange(len(placed)))
                r = self.request("POST", "/api/orders/%d/transition" % oid,
                                 {"state": "cancelled"}, token)
                if r:
                    self.log.add("cancels", {"order": oid, "outcome": r[0], "status": r[1]})
                continue
            seq = self.next_seq()
            # The drop-off is the marker: a longitude no other request uses.
            marker = (round(11.0 + seq * 1e-5, 6), round(49.9 + idx * 0.01, 6))
            items = [{"product_id": self.a["scarce"], "quantity": rnd.randint(1, 3)},
                     {"product_id": self.a["plenty"], "quantity": rnd.randint(1, 5)}]
            body = {"shop_id": self.a["shop"], "items": items, "delivery": True,
                    "dropoff": {"lon": marker[0], "lat": marker[1]}}
            r = self.request("POST", "/api/orders", body, token)
            if not r:
                break
            rec = {"marker": marker, "citizen": cid, "items": items, "outcome": r[0],
                   "status": r[1], "id": (r[2] or {}).get("id") if r[0] == ACK else None}
            self.log.add("orders", rec)
            if r[0] == ACK:
                placed.append(rec["id"])

    def feeder(self):
        """A citizen orders and the shop moves each order on until it is a parcel."""
        token, cid = self.a["feeder"]
        while not self.stop.is_set():
            seq = self.next_seq()
            marker = (round(11.0 + seq * 1e-5, 6), 49.8)
            items = [{"product_id": self.a["plenty"], "quantity": 1}]
            r = self.request("POST", "/api/orders", {
                "shop_id": self.a["shop"], "items": items, "delivery": True,
                "dropoff": {"lon": marker[0], "lat": marker[1]}}, token)
            if not r:
                break
            oid = (r[2] or {}).get("id") if r[0] == ACK else None
            self.log.add("orders", {"marker": marker, "citizen": cid, "items": items,
                                    "outcome": r[0], "status": r[1], "id": oid})
            if not oid:
                continue
            for state in ("accepted", "ready", "handed_over"):
                r = self.request("POST", "/api/orders/%d/transition" % oid, {"state": state},
                                 self.a["shop_token"])
                if not r:
                    return
                self.log.add("handovers", {"order": oid, "state": state, "outcome": r[0],
                                           "status": r[1]})
                if r[0] != ACK:
                    break  # unknown: the next move may or may not be legal; leave this one

    def volunteer(self, idx):
        rnd = random.Random(self.seed * 1000 + 100 + idx)
        token, vid = self.a["volunteers"][idx]
        tried = set()
        while not self.stop.is_set():
            r = self.request("GET", "/api/parcels?limit=1000", None, token)
            if not r:
                break
            if r[0] != ACK or not isinstance(r[2], list):
                time.sleep(0.02)
                continue
            fresh = [p["id"] for p in r[2] if p["id"] not in tried]
            if not fresh:
                time.sleep(0.05)
                continue
            pid = rnd.choice(fresh)
            tried.add(pid)
            r = self.request("POST", "/api/parcels/%d/claim" % pid, None, token)
            if not r:
                break
            self.log.add("claims", {"volunteer": vid, "parcel": pid, "outcome": r[0],
                                    "status": r[1]})

    def poster(self):
        token, _ = self.a["citizens"][0]
        rnd = random.Random(self.seed * 1000 + 200)
        while not self.stop.is_set():
            seq = self.next_seq()
            title = "crash-marker-%d" % seq
            valid = rnd.random() < 0.8
            # An invalid post: the body over its limit (10,000 bytes), refused with 400.
            body = {"title": title, "body": "x" * (20 if valid else 10001)}
            r = self.request("POST", "/api/funk/general", body, token)
            if not r:
                break
            self.log.add("posts", {"title": title, "valid": valid, "outcome": r[0],
                                   "status": r[1],
                                   "id": (r[2] or {}).get("id") if r[0] == ACK else None})

    def run(self):
        threads = [threading.Thread(target=self.citizen, args=(i,))
                   for i in range(len(self.a["citizens"]))]
        threads += [threading.Thread(target=self.volunteer, args=(i,))
                    for i in range(len(self.a["volunteers"]))]
        threads += [threading.Thread(target=self.feeder), threading.Thread(target=self.poster)]
        for t in threads:
            t.daemon = True
            t.start()
        return threads


def set_up(port, admin_email, admin_password):
    """Accounts, a shop with two products and 40 open parcels; returns the actors."""
    def account(email, roles):
        setup_call(port, "POST", "/api/register", {"email": email, "name": email.split("@")[0],
                                                    "password": "secret-" + email,
                                                    "roles": roles})
        body = setup_call(port, "POST", "/api/login", {"email": email,
                                                        "password": "secret-" + email})
        return body["token"], body["user"]["id"]

    a = {"citizens": [account("c%d@crash.test" % i, ["citizen"]) for i in range(3)],
         "volunteers": [account("v%d@crash.test" % i, ["volunteer"]) for i in range(3)],
         "feeder": account("feeder@crash.test", ["citizen"])}
    shop_token, _ = account("shop@crash.test", ["shop"])
    a["shop_token"] = shop_token
    places = setup_call(port, "GET", "/api/places?limit=1000")
    shop = None
    for p in places:
        outcome, status, body = call(port, "POST", "/api/shops",
                                     {"osm_type": p["osm_type"], "osm_id": p["osm_id"]},
                                     shop_token)
        if status == 201:
            shop = body
            break
    if not shop:
        raise RuntimeError("setup: no place of the region could be claimed as a shop")
    a["shop"] = shop["id"]
    a["initial_stock"] = {}
    for key, stock in (("scarce", 300), ("plenty", 1000000)):
        prod = setup_call(port, "POST", "/api/shops/%d/products" % shop["id"],
                          {"name": key, "price_cents": 100 + stock % 7, "unit": "Stück",
                           "stock": stock}, shop_token)
        a[key] = prod["id"]
        a["initial_stock"][prod["id"]] = stock
    # Open parcels for the volunteers to start with.
    token, _ = a["feeder"]
    for i in range(40):
        order = setup_call(port, "POST", "/api/orders", {
            "shop_id": shop["id"], "items": [{"product_id": a["plenty"], "quantity": 1}],
            "delivery": True, "dropoff": {"lon": 10.5 + i * 1e-4, "lat": 49.7}}, token)
        for state in ("accepted", "ready", "handed_over"):
            setup_call(port, "POST", "/api/orders/%d/transition" % order["id"],
                       {"state": state}, shop_token)
    return a


# ---- checking the file ---------------------------------------------------------------------

def check_region(path, actors, log):
    db = sqlite3.connect(path)
    q = lambda sql, *args: db.execute(sql, args).fetchall()
    check(q("PRAGMA integrity_check") == [("ok",)], "integrity_check: %s" %
          q("PRAGMA integrity_check")[:5])
    check(q("PRAGMA foreign_key_check") == [], "foreign_key_check: %s" %
          q("PRAGMA foreign_key_check")[:5])

    orders = {r[0]: r for r in q("SELECT id, citizen_id, state, delivery, dropoff_lon,"
                                 " dropoff_lat, total_cents FROM shop_order")}
    items = {}
    for oid, pid, qty, price in q("SELECT order_id, product_id, quantity, price_cents"
                                  " FROM order_item"):
        items.setdefault(oid, {})[pid] = (qty, price)
    by_marker = {}
    for o in orders.values():
        if o[4] is not None:
            by_marker.setdefault((o[1], round(o[4], 6), round(o[5], 6)), []).append(o)
    placed_audit = {}
    for (obj,) in q("SELECT object FROM audit_log WHERE action = 'order.place'"):
        placed_audit[obj] = placed_audit.get(obj, 0) + 1

    # Orders: acknowledged ones present with what was asked, refused ones absent.
    asked = set()
    bad_ack = bad_ref = 0
    for rec in log.orders:
        key = (rec["citizen"], rec["marker"][0], rec["marker"][1])
        asked.add(key)
        found = by_marker.get(key, [])
        if rec["outcome"] == ACK:
            want = {i["product_id"]: i["quantity"] for i in rec["items"]}
            got = items.get(rec["id"], {})
            if not (len(found) == 1 and found[0][0] == rec["id"] and
                    {p: v[0] for p, v in got.items()} == want):
                bad_ack += 1
                if bad_ack <= 5:
                    print("  acknowledged order %s: found %s, items %s" % (rec, found, got))
        elif rec["outcome"] == REFUSED:
            if found:
                bad_ref += 1
                if bad_ref <= 5:
                    print("  refused order %s is there: %s" % (rec, found))
        else:
            check(len(found) <= 1, "an order sent once is there at most once: %s" % found)
    check(bad_ack == 0, "%d acknowledged orders missing or altered" % bad_ack)
    check(bad_ref == 0, "%d refused orders present" % bad_ref)
    setup_orders = [o for o in orders.values() if round(o[5], 6) == 49.7]
    phantom = [o for o in orders.values()
               if (o[1], round(o[4], 6), round(o[5], 6)) not in asked and o not in setup_orders]
    check(not phantom, "orders nobody asked for: %s" % phantom[:5])

    # Every order is complete: items, total, one audit row of its placing.
    incomplete = [oid for oid, o in orders.items()
                  if not items.get(oid) or
                  o[6] != sum(qty * price for qty, price in items[oid].values()) or
                  placed_audit.get("order/%d" % oid) != 1]
    check(not incomplete, "orders without items, with a wrong total or audit: %s" %
          incomplete[:10])

    # Stock: initial minus what orders that are not cancelled or rejected hold.
    for pid, initial in actors["initial_stock"].items():
        stock = q("SELECT stock FROM product WHERE id = ?", pid)[0][0]
        held = sum(items.get(oid, {}).get(pid, (0, 0))[0] for oid, o in orders.items()
                   if o[2] not in ("cancelled", "rejected"))
        check(stock == initial - held and stock >= 0,
              "product %d: stock %d, expected %d - %d = %d" % (pid, stock, initial, held,
                                                               initial - held))

    # Cancellations.
    for rec in log.cancels:
        state = orders[rec["order"]][2] if rec["order"] in orders else None
        if rec["outcome"] == ACK:
            check(state == "cancelled", "acknowledged cancel of order %d: it is %s" %
                  (rec["order"], state))
        elif rec["outcome"] == REFUSED:
            check(state != "cancelled", "refused cancel of order %d: it is cancelled" %
                  rec["order"])
    cancelled_asked = {rec["order"] for rec in log.cancels}
    stray = [oid for oid, o in orders.items() if o[2] == "cancelled" and
             oid not in cancelled_asked]
    check(not stray, "orders cancelled that nobody cancelled: %s" % stray[:10])

    # Hand-overs and parcels.
    parcels = {r[0]: r for r in q("SELECT id, order_id, state, volunteer_id FROM parcel")}
    parcel_of = {}
    for p in parcels.values():
        parcel_of.setdefault(p[1], []).append(p[0])
    later = {"accepted": ("accepted", "ready", "handed_over", "delivered"),
             "ready": ("ready", "handed_over", "delivered"),
             "handed_over": ("handed_over", "delivered")}
    for rec in log.handovers:
        if rec["outcome"] != ACK:
            continue
        state = orders[rec["order"]][2]
        check(state in later[rec["state"]], "acknowledged move of order %d to %s: it is %s" %
              (rec["order"], rec["state"], state))
    for oid, o in orders.items():
        has = len(parcel_of.get(oid, []))
        want = 1 if o[2] in ("handed_over", "delivered") else 0
        check(has == want and (not has or o[3] == 1),
              "order %d (%s, delivery %d) has %d parcels" % (oid, o[2], o[3], has))

    # Claims: one volunteer per claimed parcel, who asked for it; refused claims not held.
    asked_claims = {(r["volunteer"], r["parcel"]) for r in log.claims if r["outcome"] != REFUSED}
    for p in parcels.values():
        if p[2] == "open":
            check(p[3] is None, "open parcel %d has volunteer %s" % (p[0], p[3]))
        elif p[2] == "claimed":
            check(p[3] is not None and (p[3], p[0]) in asked_claims,
                  "parcel %d claimed by %s, who did not ask (or was refused)" % (p[0], p[3]))
        else:
            check(False, "parcel %d is %s, which no client asked for" % (p[0], p[2]))
    for rec in log.claims:
        p = parcels.get(rec["parcel"])
        if rec["outcome"] == ACK:
            check(p and p[2] == "claimed" and p[3] == rec["volunteer"],
                  "acknowledged claim %s: parcel is %s" % (rec, p))
        elif rec["outcome"] == REFUSED:
            check(not p or p[3] != rec["volunteer"], "refused claim %s: parcel is %s" % (rec, p))
    claim_audit = q("SELECT object, user_id FROM audit_log WHERE action = 'parcel.claim'")
    check(len(claim_audit) == sum(1 for p in parcels.values() if p[2] == "claimed"),
          "one audit row per claim: %d rows, %d claimed parcels" % (
              len(claim_audit), sum(1 for p in parcels.values() if p[2] == "claimed")))

    # DorfFunk posts.
    posts = {}
    for pid, title in q("SELECT id, title FROM post WHERE kind = 'funk'"):
        posts.setdefault(title, []).append(pid)
    titles = set()
    for rec in log.posts:
        titles.add(rec["title"])
        found = posts.get(rec["title"], [])
        if rec["outcome"] == ACK:
            check(found == [rec["id"]], "acknowledged post %s: found %s" % (rec, found))
        elif rec["outcome"] == REFUSED:
            check(not found, "refused post %s is there: %s" % (rec, found))
        else:
            check(len(found) <= 1, "a post sent once is there at most once: %s" % found)
    check(all(t in titles for t in posts), "posts nobody wrote: %s" %
          [t for t in posts if t not in titles][:5])
    db.close()


def count(recs, outcome):
    return sum(1 for r in recs if r["outcome"] == outcome)


def serve_test(args):
    log_path = args.region + ".serve.log"
    server = Server(args.dorf, args.region, log_path)
    server.start()
    actors = set_up(server.port, args.admin_email, args.admin_password)
    log = Log()
    clients = Clients(server.port, actors, log, args.seed)
    rnd = random.Random(args.seed)
    threads = clients.run()
    started = time.time()
    for k in range(args.kills):
        time.sleep(rnd.uniform(0.05, 0.5))
        server.kill()
        if k + 1 < args.kills:
            server.start()
    clients.stop.set()
    for t in threads:
        t.join(15)
    took = time.time() - started
    check(not any(t.is_alive() for t in threads), "every client thread stopped")
    print("  %d kills in %.1f s; requests not sent while the server was down: %d" % (
        args.kills, took, log.not_sent))
    for kind in ("orders", "cancels", "handovers", "claims", "posts"):
        recs = getattr(log, kind)
        print("  %-9s %5d sent: %5d acknowledged, %4d refused, %4d unknown" % (
            kind, len(recs), count(recs, ACK), count(recs, REFUSED), count(recs, UNKNOWN)))
    # The work must have met the kills: acknowledged writes, refusals and lost answers.
    check(count(log.orders, ACK) >= 50, "at least 50 acknowledged orders")
    check(count(log.orders, REFUSED) >= 1, "some orders refused (out of stock)")
    check(count(log.claims, ACK) >= 10, "at least 10 acknowledged claims")
    check(count(log.posts, REFUSED) >= 1, "some posts refused")
    check(sum(count(getattr(log, k), UNKNOWN) for k in ("orders", "claims", "posts")) >= 10,
          "kills cut off at least 10 requests")

    check_region(args.region, actors, log)

    # The server starts on the file as the last kill left it, and serves from it.
    server.start()
    acked = [r for r in log.orders if r["outcome"] == ACK and r["citizen"] ==
             actors["citizens"][0][1]]
    if acked:
        outcome, status, body = call(server.port, "GET", "/api/orders/%d" % acked[-1]["id"],
                                     token=actors["citizens"][0][0])
        check(status == 200 and body["id"] == acked[-1]["id"],
              "the restarted server serves an acknowledged order: %s" % status)
    check(server.stop() == 0, "the restarted server stops cleanly on SIGTERM")
    with open(log_path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    check(not any(w in text for w in ("AddressSanitizer", "LeakSanitizer", "runtime error")),
          "no sanitizer report in the server's log")


# ---- dorf import killed mid-way --------------------------------------------------------------

def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def info(dorf, region):
    r = subprocess.run([dorf, "info", "--db", region], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


# The last line `dorf import --verbose` logs before it writes the region.
WRITING = "info: households:"


def without_time(text, path):
    """dorf info's report without its first line (the path) and the import time."""
    return [line for line in text.splitlines()[1:] if not line.startswith("imported at")]


def import_test(args):
    region = args.region
    before = sha256(region)
    pristine = region + ".pristine"
    shutil.copyfile(region, pristine)
    rc, info_before, err = info(args.dorf, region)
    check(rc == 0, "dorf info on the first region: %s" % err)
    # A clean import on a copy gives the duration to cut into, and what the new region is.
    # With --verbose the import logs a line after each pass; after "households" it writes.
    scratch = region + ".scratch"
    shutil.copyfile(region, scratch)
    t = time.time()
    proc = subprocess.Popen([args.dorf, "import", "--verbose", "--db", scratch, args.extract],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    writes_at = None
    for line in proc.stderr:
        if WRITING in line and writes_at is None:
            writes_at = time.time() - t
    rc = proc.wait()
    duration = time.time() - t
    check(rc == 0 and writes_at is not None, "a clean import (exit %s)" % rc)
    writes_at = writes_at or duration / 2
    info_new = without_time(info(args.dorf, scratch)[1], scratch)
    os.remove(scratch)
    rnd = random.Random(args.seed)
    delays = []
    committed = writing = 0
    for k in range(args.kills):
        # Half of the kills while reading the extract, half while writing the region.
        half = args.kills // 2
        if k < half:
            delay = writes_at * (k + rnd.uniform(0.1, 0.9)) / half
        else:
            delay = writes_at + (duration - writes_at) * (k - half + rnd.uniform(0.1, 0.9)) / (
                args.kills - half)
        delays.append(delay)
        err_path = region + ".import.err"
        with open(err_path, "w") as err_file:
            proc = subprocess.Popen([args.dorf, "import", "--verbose", "--db", region,
                                     args.extract], stdout=subprocess.DEVNULL, stderr=err_file)
            time.sleep(delay)
            proc.kill()
            rc = proc.wait()
        with open(err_path) as f:
            if WRITING in f.read():
                writing += 1
        os.remove(err_path)
        # On a busy machine the import may have finished: then it must have the new region.
        check(rc in (-9, 0), "the import exited with %s before the kill at %.2f s" % (rc, delay))
        killed_sha = sha256(region)
        rc, out, err = info(args.dorf, region)
        if rc == 0 and without_time(out, region) == info_new:
            # Killed after its commit, while closing: the new region, complete. Put the
            # previous one back for the next kill.
            committed += 1
            for suffix in ("-wal", "-shm"):
                if os.path.exists(region + suffix):
                    os.remove(region + suffix)
            shutil.copyfile(pristine, region)
            continue
        check(killed_sha == before, "killed after %.2f s: the region file changed" % delay)
        check(rc == 0 and out == info_before,
              "killed after %.2f s: dorf info differs or fails: %s" % (delay, err))
        check(sha256(region) == before,
              "killed after %.2f s: the file changed once opened again" % delay)
    check(committed < args.kills // 2, "most kills landed before the commit (%d after)" %
          committed)
    check(writing - committed >= 1, "some kills landed while the region was being written "
          "(%d, %d of them after the commit)" % (writing, committed))
    print("  a clean import takes %.2f s; killed after %s s; %d of them while writing the "
          "region, %d after the commit (then the new region was complete)" % (
              duration, ", ".join("%.2f" % d for d in delays), writing, committed))
    r = subprocess.run([args.dorf, "import", "--quiet", "--db", region, args.extract],
                       capture_output=True, text=True)
    check(r.returncode == 0, "the import, not killed, succeeds: %s" % r.stderr)
    rc, out, err = info(args.dorf, region)
    check(rc == 0 and without_time(out, region) == info_new and sha256(region) != before,
          "the import, not killed, replaced the region")
    os.remove(pristine)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("serve", "import"))
    ap.add_argument("dorf")
    ap.add_argument("region")
    ap.add_argument("extract", nargs="?")
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--admin-email", default="admin@dorf.test")
    ap.add_argument("--admin-password", default="admin-password-1")
    args = ap.parse_args()
    print("  seed %d (rerun with --seed %d)" % (args.seed, args.seed))
    if args.what == "serve":
        serve_test(args)
    else:
        import_test(args)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
