#!/usr/bin/env python3
"""Scans every byte of every file of dorf exports for what must never leave the database.

    export_leak_scan.py DB EXPORT_DIR...

Needles, read from DB (a region with platform activity, e.g. from scripts/seed-activity):
  - text: e-mail addresses, account names, post titles and bodies, product and shop names,
    place names, street addresses (street + number) and street names, 6 characters or more;
  - ids of accounts, orders and parcels (8 digits in the seeded data): as decimal text and
    as 64-bit little-endian integers;
  - exact positions of households' buildings, shops, drop-offs, pickups and volunteers'
    homes: longitude and latitude side by side as text with 5 to 8 decimals or in full
    (either order) and as a pair of 64-bit doubles, and each value in EPSG:3035 (cs2cs) as text
    with 2 decimals and as a double;
  - exact times of orders and parcels: seconds since the epoch as text and as 64-bit
    integers; and in the data files (not the manifest) no clock time finer than the hour.
Prints what it checked and every finding; exits 1 on any finding.
"""
import datetime
import glob
import os
import re
import sqlite3
import struct
import subprocess
import sys
import zoneinfo


def point_of(blob):
    order = "<" if blob[1] == 1 else ">"
    return struct.unpack_from(order + "dd", blob, 6)


def main():
    db = sqlite3.connect(sys.argv[1])
    dirs = sys.argv[2:]
    q = lambda sql: [r for r in db.execute(sql)]
    texts = set()
    for sql in ["SELECT email FROM app_user", "SELECT name FROM app_user",
                "SELECT title FROM post", "SELECT body FROM post", "SELECT name FROM product",
                "SELECT name FROM shop", "SELECT name FROM place WHERE name IS NOT NULL",
                "SELECT street || ' ' || housenumber FROM address WHERE street IS NOT NULL"
                " AND housenumber IS NOT NULL",
                "SELECT DISTINCT street FROM address WHERE street IS NOT NULL"]:
        texts.update(r[0] for r in q(sql) if r[0] and len(r[0]) >= 6)
    ids = set()
    for sql in ["SELECT id FROM app_user", "SELECT id FROM shop_order", "SELECT id FROM parcel"]:
        ids.update(r[0] for r in q(sql) if r[0] >= 10_000_000)
    points = set()
    for sql in ["SELECT b.lon, b.lat FROM household h JOIN building b ON b.id = h.building_id",
                "SELECT lon, lat FROM shop",
                "SELECT dropoff_lon, dropoff_lat FROM shop_order WHERE dropoff_lon IS NOT NULL",
                "SELECT pickup_lon, pickup_lat FROM parcel",
                "SELECT dropoff_lon, dropoff_lat FROM parcel",
                "SELECT home_lon, home_lat FROM availability"]:
        points.update((r[0], r[1]) for r in q(sql))
    points.update(point_of(r[0]) for r in q("SELECT geom FROM place"))
    times = set()
    for sql in ["SELECT created_at FROM shop_order", "SELECT updated_at FROM shop_order",
                "SELECT created_at FROM parcel", "SELECT updated_at FROM parcel"]:
        times.update(r[0] for r in q(sql))

    # Words the export uses as values: a place that is named like its category is no leak.
    vocabulary = {r[0] for r in q("SELECT DISTINCT category FROM place")}
    vocabulary |= {"walk", "bike", "car", "lieferbar", "pickup", "delivery", "region", "row",
                   "column", "placed", "accepted", "ready", "collected", "handed_over",
                   "delivered", "cancelled", "rejected", "open", "claimed", "picked_up"}
    strings = {t.encode(): "text " + t for t in texts if t not in vocabulary}
    numbers = {}  # decimal text: found only as a whole number, not as a prefix of a longer one
    binary = {}  # 8-byte values
    for i in ids:
        numbers[str(i)] = f"id {i}"
        binary[struct.pack("<q", i)] = f"id {i} (int64)"
    # A position as text is a pair of numbers side by side: one number alone matches some
    # cell corner's by chance at 7 decimals when there are thousands of corners.
    pairs = {}
    for lon, lat in points:
        binary[struct.pack("<dd", lon, lat)] = f"position {lon!r},{lat!r} (doubles)"
        # Rounded (5 decimals is a metre), and written in full as C, SQLite or Python would.
        forms = [f".{d}f" for d in (5, 6, 7, 8)] + [".15g", ".17g", ""]
        for form in forms:
            a, b = format(lon, form), format(lat, form)
            pairs[(a, b)] = pairs[(b, a)] = f"position {lon!r},{lat!r} (as {form or 'repr'})"
    # The same points projected to the grid's CRS: cs2cs takes lat lon, gives north east.
    proj = subprocess.run(["cs2cs", "-f", "%.6f", "EPSG:4326", "EPSG:3035"],
                          input="".join(f"{lat!r} {lon!r}\n" for lon, lat in points),
                          capture_output=True, text=True, check=True).stdout.split("\n")
    projected = 0
    for line in proj:
        for v in map(float, line.split()[:2]):
            binary[struct.pack("<d", v)] = f"projected coordinate {v} (double)"
            numbers[f"{v:.2f}"] = f"projected coordinate {v:.2f}"
            projected += 1
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    for t in times:
        numbers[str(t)] = f"time {t}"
        binary[struct.pack("<q", t)] = f"time {t} (int64)"
        for zone in (datetime.timezone.utc, berlin):
            at = datetime.datetime.fromtimestamp(t, zone)
            for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
                strings[at.strftime(fmt).encode()] = f"time {t} to the minute"

    files = sorted(f for d in dirs for f in glob.glob(os.path.join(d, "**"), recursive=True)
                   if os.path.isfile(f))
    findings = 0
    scanned = 0
    number = re.compile(rb"(?<![0-9.])[0-9]+(?:\.[0-9]+)?(?![0-9])")
    for path in files:
        data = open(path, "rb").read()
        scanned += len(data)
        found = [strings[n] for n in strings if n in data]
        tokens = [m.group(0).decode() for m in number.finditer(data)]
        found += [numbers[n] for n in set(tokens) if n in numbers]
        found += [pairs[p] for p in set(zip(tokens, tokens[1:])) if p in pairs]
        for width in (8, 16):
            windows = {data[i:i + width] for i in range(len(data) - width + 1)}
            found += [binary[n] for n in windows if len(n) == width and n in binary]
        for what in found:
            print(f"LEAK {path}: {what}")
        findings += len(found)
    needles = len(strings) + len(numbers) + len(pairs) + len(binary)
    print(f"leak scan: {len(files)} files, {scanned} bytes; {len(texts)} texts, {len(ids)} ids,"
          f" {len(points)} positions ({projected} projected values), {len(times)} times;"
          f" {needles} needles; {findings} findings")
    return 1 if findings or not files or not texts or not ids or not points else 0


if __name__ == "__main__":
    sys.exit(main())
