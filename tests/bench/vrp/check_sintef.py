#!/usr/bin/env python3
"""Checks a plan printed by `dorf vrp solve` against its benchmark instance, independently of
dorf: it reads the instance file itself (Li & Lim PDPTW or Solomon VRPTW), replays every route
in SINTEF's form ("Route 1 : 5 3 7") from the depot and back, and verifies that every task is
served exactly once, pickups come before their deliveries on the same route, the load stays
within the capacity, service starts within every window, each vehicle is back at the depot
before it closes, and no more vehicles are used than the instance has. It recomputes the
distance (Euclidean, unrounded) and compares it with the distance dorf printed.

    check_sintef.py INSTANCE PLAN        (PLAN: dorf's stdout; '-' for standard input)

Prints "ok VEHICLES DISTANCE" and exits 0, or prints what is wrong and exits 1.
"""
import math
import sys


def read_instance(path):
    with open(path) as f:
        lines = [line.split() for line in f if line.strip()]
    first = lines[0]
    tasks = {}
    if len(first) == 3 and all(x.replace(".", "").isdigit() for x in first):
        vehicles, capacity = int(first[0]), int(first[1])
        for row in lines[1:]:
            i, x, y, q, e, l, s, p, d = row[:9]
            tasks[int(i)] = dict(x=float(x), y=float(y), q=int(q), e=float(e), l=float(l),
                                 s=float(s), pickup=int(p), delivery=int(d))
    else:
        words = [w.upper() for row in lines for w in row]
        at = words.index("CAPACITY")
        flat = [w for row in lines for w in row]
        vehicles, capacity = int(flat[at + 1]), int(flat[at + 2])
        start = next(k for k, row in enumerate(lines) if row[0].upper() == "CUSTOMER") + 2
        for row in lines[start:]:
            i, x, y, q, e, l, s = row[:7]
            tasks[int(i)] = dict(x=float(x), y=float(y), q=int(q), e=float(e), l=float(l),
                                 s=float(s), pickup=0, delivery=0)
    return vehicles, capacity, tasks


def fail(message):
    print("invalid: " + message)
    sys.exit(1)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-3].strip(), file=sys.stderr)
        sys.exit(2)
    vehicles, capacity, tasks = read_instance(sys.argv[1])
    text = sys.stdin.read() if sys.argv[2] == "-" else open(sys.argv[2]).read()
    routes, printed = [], None
    for line in text.splitlines():
        if line.startswith("Route "):
            head, _, ids = line.partition(":")
            routes.append([int(t) for t in ids.split()])
        elif line.startswith("distance "):
            printed = float(line.split()[1])
    depot = tasks[0]

    def dist(a, b):
        return math.hypot(a["x"] - b["x"], a["y"] - b["y"])

    seen = {}
    total = 0.0
    for n, route in enumerate(routes, 1):
        if not route:
            fail("route %d is empty" % n)
        t, load, at = depot["e"], 0, depot
        for task_id in route:
            if task_id not in tasks or task_id == 0:
                fail("route %d: no task %d in the instance" % (n, task_id))
            if task_id in seen:
                fail("task %d served twice (routes %d and %d)" % (task_id, seen[task_id], n))
            seen[task_id] = n
            task = tasks[task_id]
            if task["pickup"] > 0 and seen.get(task["pickup"]) != n:
                fail("route %d: delivery %d before its pickup %d" % (n, task_id, task["pickup"]))
            d = dist(at, task)
            total += d
            t = max(t + d, task["e"])
            if t > task["l"] + 1e-6:
                fail("route %d: task %d starts at %.4f, after its window closes at %g"
                     % (n, task_id, t, task["l"]))
            load += task["q"]
            if load > capacity or load < 0:
                fail("route %d: load %d after task %d (capacity %d)" % (n, load, task_id, capacity))
            t += task["s"]
            at = task
        d = dist(at, depot)
        total += d
        if t + d > depot["l"] + 1e-6:
            fail("route %d: back at the depot at %.4f, after it closes at %g" % (n, t + d, depot["l"]))
        for task_id in route:
            delivery = tasks[task_id]["delivery"]
            if delivery > 0 and seen.get(delivery) != n:
                fail("route %d: pickup %d without its delivery %d" % (n, task_id, delivery))
    missing = [i for i in tasks if i != 0 and i not in seen]
    if missing:
        fail("%d tasks not served, e.g. %s" % (len(missing), missing[:5]))
    if len(routes) > vehicles:
        fail("%d routes but only %d vehicles" % (len(routes), vehicles))
    if printed is not None and abs(printed - total) > 1e-3 + 1e-6 * total:
        fail("dorf printed distance %.4f, the routes add up to %.4f" % (printed, total))
    print("ok %d %.4f" % (len(routes), total))


if __name__ == "__main__":
    main()
