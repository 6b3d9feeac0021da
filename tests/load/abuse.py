#!/usr/bin/env python3
"""Abusive clients against a running `dorf serve`, while a normal client keeps asking.

    abuse.py HOST PORT SERVER_PID [--quick]
    abuse.py HOST PORT SERVER_PID --full LIMIT

The second form checks a server started with --max-connections LIMIT: LIMIT + 50 idle
connections from 20 addresses; beyond the limit, a new client must be closed at once (within
1 s), not left waiting in the listen queue, and served again once the flood is gone.

The first form:

A normal client (its own loopback address, 127.0.0.2, so the per-address limit of the
abusers is not its limit) opens a fresh connection every 200 ms, asks GET /health and
measures the time to the whole answer. Meanwhile, one after the other:

  slowloris   200 connections from 8 addresses (25 each, under the per-address limit of
              32), each sending one header byte every 2 s, never finishing the headers;
              then 100 more from one address: all beyond its limit must be closed at once
  headers     requests with 1 MiB of headers: answered 4xx (431) or closed, within 2 s
  chunked     POST bodies in chunks that never end: cut off (413 or closed) within 5 s
  idle        10,000 TCP connections that send nothing, from 100 addresses (100 each):
              the per-address limit holds 32 of each, the rest are closed at once

Passes when every normal request was answered 200 within NORMAL_BOUND_S (2 s) and none
failed, every abuse was cut off within its bound, and the server's open descriptors
(/proc/PID/fd) fall back to within 16 of where they started once the abusers are gone.
Prints one line per check ("ok NAME" or "FAIL NAME: why") and the summary line of
tests/cli/lib.sh; exits 1 on any failure. Standard library only.
"""
import http.client
import os
import resource
import selectors
import socket
import sys
import threading
import time

NORMAL_BOUND_S = 2.0
PER_IP_LIMIT = 32  # dorf serve's default --max-connections-per-ip

passed = 0
failed = 0


def ok(name):
    global passed
    passed += 1
    print(f"ok   {name}", flush=True)


def fail(name, why):
    global failed
    failed += 1
    print(f"FAIL {name}: {why}", file=sys.stderr, flush=True)


def check(name, cond, why):
    ok(name) if cond else fail(name, why)


class NormalClient(threading.Thread):
    """GET /health every 200 ms on a new connection; keeps (phase, seconds, error)."""

    def __init__(self, host, port):
        super().__init__(daemon=True)
        self.host, self.port = host, port
        self.phase = "baseline"
        self.results = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            start = time.monotonic()
            phase = self.phase
            err = None
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=10,
                                                  source_address=("127.0.0.2", 0))
                conn.request("GET", "/health")
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    err = f"status {resp.status}"
                conn.close()
            except OSError as e:
                err = f"{type(e).__name__}: {e}"
            self.results.append((phase, time.monotonic() - start, err))
            self.stop.wait(max(0.0, 0.2 - (time.monotonic() - start)))

    def report(self, phase):
        rows = [r for r in self.results if r[0] == phase]
        errors = [r[2] for r in rows if r[2]]
        slow = [r[1] for r in rows if not r[2] and r[1] >= NORMAL_BOUND_S]
        worst = max((r[1] for r in rows), default=0.0)
        print(f"     normal client during {phase}: {len(rows)} requests, "
              f"slowest {worst * 1000:.0f} ms, {len(errors)} failed", flush=True)
        check(f"normal-during-{phase}", rows and not errors and not slow,
              f"{len(rows)} requests, failures {errors[:3]}, {len(slow)} over "
              f"{NORMAL_BOUND_S} s (slowest {worst:.2f} s)")


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return -1.0


def connect_from(src, host, port, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def closed_by_peer(sockets, wait_s):
    """How many of `sockets` the server closed (EOF or reset) within wait_s seconds."""
    sel = selectors.DefaultSelector()
    for s in sockets:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    closed = set()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and len(closed) < len(sockets):
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                closed.add(s)
                sel.unregister(s)
    sel.close()
    return closed


def slowloris(host, port, normal, hold_s):
    normal.phase = "slowloris"
    spread = []
    for i in range(200):
        try:
            s = connect_from(f"127.0.1.{1 + i % 8}", host, port)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            spread.append(s)
        except OSError as e:
            fail("slowloris-connect", f"connection {i}: {e}")
            break
    one_address = []
    for i in range(100):
        try:
            s = connect_from("127.0.1.9", host, port)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            one_address.append(s)
        except OSError:
            one_address.append(None)  # refused outright: also fine
    refused = [s for s in one_address if s is None]
    live = [s for s in one_address if s is not None]
    cut = closed_by_peer(live, 2.0)
    held = len(live) - len(cut)
    print(f"     100 slow connections from one address: {held} held, "
          f"{len(cut) + len(refused)} closed within 2 s", flush=True)
    check("slowloris-per-address", held <= PER_IP_LIMIT,
          f"{held} connections from one address held, limit {PER_IP_LIMIT}")
    # A byte every 2 s keeps each connection busy enough to escape the idle timeout.
    end = time.monotonic() + hold_s
    while time.monotonic() < end:
        for s in spread + [s for s in live if s not in cut]:
            try:
                s.setblocking(True)
                s.settimeout(1)
                s.send(b"a")
            except OSError:
                pass
        time.sleep(2)
    normal.report("slowloris")
    for s in spread + live:
        s.close()


def huge_headers(host, port, normal):
    normal.phase = "headers"
    pad = b"X-Pad-%04d: " + b"p" * 1000 + b"\r\n"
    request = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(
        pad % i for i in range(1024)) + b"\r\n"
    outcomes = []

    def one(src):
        start = time.monotonic()
        s = connect_from(src, host, port, timeout=10)
        status = "closed"
        try:
            s.sendall(request)
        except OSError:
            pass  # the server may close before taking it all
        try:
            line = s.recv(4096).split(b"\r\n", 1)[0]
            if line.startswith(b"HTTP/1."):
                status = line.split()[1].decode()
        except OSError:
            pass
        s.close()
        outcomes.append((status, time.monotonic() - start))

    began = time.monotonic()
    threads = [threading.Thread(target=one, args=(f"127.0.2.{1 + i % 4}",)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(max(0.0, 2.0 - (time.monotonic() - began)))  # the normal client's share
    worst = max(o[1] for o in outcomes)
    statuses = sorted({o[0] for o in outcomes})
    print(f"     20 requests with 1 MiB of headers: answers {statuses}, "
          f"slowest {worst * 1000:.0f} ms", flush=True)
    check("headers-refused", all(o[0] == "closed" or o[0].startswith("4") for o in outcomes),
          f"answers {statuses}")
    check("headers-fast", worst < 2.0, f"slowest refusal took {worst:.2f} s")
    normal.report("headers")


def endless_chunked(host, port, normal, bound_s=5.0):
    normal.phase = "chunked"
    outcomes = []
    chunk = b"%x\r\n" % 65536 + b"[" * 65536 + b"\r\n"

    def one(src):
        start = time.monotonic()
        s = connect_from(src, host, port, timeout=2)
        s.sendall(b"POST /api/news HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        status = None
        sent = 0
        # Sends until the server cuts the body off, or gives up after 3 bounds.
        while time.monotonic() - start < 3 * bound_s:
            try:
                s.sendall(chunk)
                sent += len(chunk)
            except (socket.timeout, BlockingIOError):
                # The server stopped reading without closing: check for an answer.
                pass
            except OSError:
                status = status or "closed"
                break
            s.setblocking(False)
            try:
                data = s.recv(4096)
                if not data:
                    status = status or "closed"
                    break
                if data.startswith(b"HTTP/1."):
                    status = data.split()[1].decode()
            except BlockingIOError:
                pass
            except OSError:
                status = status or "closed"
                break
            s.setblocking(True)
            s.settimeout(2)
        s.close()
        outcomes.append((status, time.monotonic() - start, sent))

    began = time.monotonic()
    threads = [threading.Thread(target=one, args=(f"127.0.3.{1 + i}",)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(max(0.0, 2.0 - (time.monotonic() - began)))  # the normal client's share
    worst = max(o[1] for o in outcomes)
    most = max(o[2] for o in outcomes)
    statuses = sorted({str(o[0]) for o in outcomes})
    print(f"     10 endless chunked bodies: outcomes {statuses}, cut off after at most "
          f"{worst:.2f} s and {most / 1048576:.1f} MiB", flush=True)
    check("chunked-cut-off", all(o[0] is not None for o in outcomes) and worst < bound_s,
          f"outcomes {statuses}, slowest {worst:.2f} s (bound {bound_s} s)")
    normal.report("chunked")


def idle_flood(host, port, normal, count=10000, addresses=100, hold_s=10.0):
    normal.phase = "idle"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, count + 1024) if hard != resource.RLIM_INFINITY else count + 1024
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < count + 64:
        count = want - 64
        print(f"     RLIMIT_NOFILE hard limit {hard}: opening {count} connections", flush=True)
    rss_before = rss_mib(normal.server_pid)
    start = time.monotonic()
    socks = []
    errors = 0
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((f"127.0.4.{1 + i % addresses}", 0))
        s.setblocking(False)
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        except OSError:
            errors += 1
        socks.append(s)
    opened = time.monotonic() - start
    cut = closed_by_peer(socks, 3.0)
    held = len(socks) - len(cut)
    fds = open_fds(normal.server_pid)
    print(f"     {count} idle connections from {addresses} addresses opened in {opened:.1f} s: "
          f"{held} held, {len(cut)} closed within 3 s; server: {fds} descriptors, "
          f"resident {rss_mib(normal.server_pid):.1f} MiB (before {rss_before:.1f} MiB)",
          flush=True)
    check("idle-bounded", held <= PER_IP_LIMIT * addresses,
          f"{held} held from {addresses} addresses, per-address limit {PER_IP_LIMIT}")
    time.sleep(hold_s)
    normal.report("idle")
    for s in socks:
        s.close()


def server_full(host, port, limit):
    """Against a server started with --max-connections LIMIT: beyond it, connections are
    closed at once (not left waiting in the listen queue), and taken again once freed."""
    socks = []
    for i in range(limit + 50):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((f"127.0.5.{1 + i % 20}", 0))
        s.setblocking(False)
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        socks.append(s)
    cut = closed_by_peer(socks, 2.0)
    held = len(socks) - len(cut)
    start = time.monotonic()
    status = "held"
    try:
        probe = connect_from("127.0.0.2", host, port, timeout=5)
        probe.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status = "answered" if probe.recv(4096) else "closed"
        probe.close()
    except socket.timeout:
        status = "hung"
    except OSError:
        status = "closed"
    waited = time.monotonic() - start
    print(f"     {limit + 50} idle connections against --max-connections {limit}: {held} held; "
          f"a new client was {status} after {waited * 1000:.0f} ms", flush=True)
    check("full-holds-limit", limit - 8 <= held <= limit + 8,
          f"{held} connections held, limit {limit}")
    check("full-refuses-fast", status == "closed" and waited < 1.0,
          f"a new client was {status} after {waited:.2f} s")
    for s in socks:
        s.close()
    time.sleep(0.5)
    try:
        conn = http.client.HTTPConnection(host, port, timeout=5, source_address=("127.0.0.2", 0))
        conn.request("GET", "/health")
        code = conn.getresponse().status
    except OSError as e:
        code = str(e)
    check("full-recovers", code == 200, f"after the flood /health answered {code}")


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    host, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    quick = "--quick" in sys.argv
    if "--full" in sys.argv:
        server_full(host, port, int(sys.argv[sys.argv.index("--full") + 1]))
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
    fds_before = open_fds(pid)
    normal = NormalClient(host, port)
    normal.server_pid = pid
    normal.start()
    time.sleep(2)
    normal.report("baseline")
    slowloris(host, port, normal, 4 if quick else 12)
    huge_headers(host, port, normal)
    endless_chunked(host, port, normal)
    idle_flood(host, port, normal, hold_s=3 if quick else 10)
    normal.phase = "after"
    time.sleep(2)
    normal.stop.set()
    normal.join()
    normal.report("after")
    fds_after = fds_before
    for _ in range(50):
        fds_after = open_fds(pid)
        if fds_after <= fds_before + 16:
            break
        time.sleep(0.2)
    print(f"     server fds: {fds_before} before, {fds_after} after", flush=True)
    check("fds-fall-back", 0 <= fds_after <= fds_before + 16,
          f"{fds_after} open descriptors after, {fds_before} before")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
