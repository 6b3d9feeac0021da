#!/usr/bin/env python3
"""Checks an export's published figures against the database it came from, independently of
dorf: the grid cells are computed here with PROJ's cs2cs, not with dorf's code.

    export_check.py DB K GPKG_EXPORT_DIR OTHER_EXPORT_DIR REPEAT_EXPORT_DIR

Prints one line per check ("ok NAME" or "FAIL NAME: why") and exits 1 on any failure:
  - every published cell holds at least K households, every cell with K or more is published,
    and the manifest's suppressed count is the number of the other cells;
  - published counts are within the perturbation table's deviation of the true ones, and a
    non-empty count is never published as zero;
  - every total equals the sum of its published cells, so subtracting published cells from a
    total recovers nothing of a suppressed cell;
  - the weekly, coverage, order and delivery tables name published cells only;
  - pseudonyms join within an export (each delivery's order is in the orders table) and not
    across two exports; a repeated export publishes the same cell figures.
"""
import json
import math
import os
import sqlite3
import struct
import subprocess
import sys

failures = 0


def check(name, cond, why=""):
    global failures
    if cond:
        print(f"ok   {name}")
    else:
        print(f"FAIL {name}: {why}")
        failures += 1


def point_of(blob):
    order = "<" if blob[1] == 1 else ">"
    return struct.unpack_from(order + "dd", blob, 6)


def cells_of(points):
    """INSPIRE 1 km cell names of (lon, lat) points, through cs2cs."""
    out = subprocess.run(["cs2cs", "-f", "%.6f", "EPSG:4326", "EPSG:3035"],
                         input="".join(f"{lat!r} {lon!r}\n" for lon, lat in points),
                         capture_output=True, text=True, check=True).stdout.split("\n")
    names = []
    for line in out[:len(points)]:
        north, east = map(float, line.split()[:2])
        names.append(f"CRS3035RES1000mN{int(math.floor(north / 1000)) * 1000}"
                     f"E{int(math.floor(east / 1000)) * 1000}")
    return names


def main():
    db_path, k, exp, other, repeat = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
    db = sqlite3.connect(db_path)
    manifest = json.load(open(os.path.join(exp, "manifest.json")))
    g = sqlite3.connect(os.path.join(exp, "export.gpkg"))
    max_dev = manifest["noise"]["max_deviation"]

    homes = [r for r in db.execute("SELECT b.lon, b.lat FROM household h JOIN building b"
                                   " ON b.id = h.building_id")]
    true = {}
    for c in cells_of(homes):
        true[c] = true.get(c, 0) + 1
    # Cells holding only activity (a shop, a drop-off) have no households: suppressed too.
    activity = [r for r in db.execute(
        "SELECT s.lon, s.lat FROM shop_order o JOIN shop s ON s.id = o.shop_id WHERE"
        " o.delivery = 0 UNION ALL SELECT dropoff_lon, dropoff_lat FROM shop_order WHERE"
        " delivery = 1 AND dropoff_lon IS NOT NULL UNION ALL SELECT pickup_lon, pickup_lat FROM"
        " parcel UNION ALL SELECT dropoff_lon, dropoff_lat FROM parcel")]
    for c in cells_of(activity):
        true.setdefault(c, 0)

    published = {r[0]: r[1:] for r in g.execute(
        "SELECT cell, households, persons, orders_pickup, orders_delivery, parcels_delivered,"
        " volunteer_km FROM cells")}
    small = [c for c in published if true.get(c, 0) < k]
    check("no published cell has fewer than k households", not small and published,
          f"{small[:5]}")
    missing = [c for c, n in true.items() if n >= k and c not in published]
    check("every cell with k households or more is published", not missing, f"{missing[:5]}")
    s = manifest["suppression"]
    suppressed = sum(1 for n in true.values() if n < k)
    check("the manifest counts the suppressed cells", s["cells_suppressed"] == suppressed and
          s["cells_published"] == len(published) and s["k"] == k and suppressed > 0,
          f"manifest {s}, counted {suppressed} suppressed of {len(true)}")
    far = [(c, v[0], true[c]) for c, v in published.items()
           if abs(v[0] - true[c]) > max_dev or v[0] < 1]
    check("published households are within the table's deviation", not far, f"{far[:5]}")
    exact = sum(1 for c, v in published.items() if v[0] == true[c])
    check("the noise changes some counts", exact < len(published),
          f"all {len(published)} counts published exactly")

    # Totals: each is the sum of its published cells.
    cols = ["households", "persons", "orders_pickup", "orders_delivery", "parcels_delivered"]
    bad = []
    for level, zone, n, *vals in g.execute(
            "SELECT level, zone, cells, " + ", ".join(cols) + " FROM totals"):
        members = [c for c in published if level == "region" or
                   (level == "row" and f"N{zone[1:]}E" in c) or
                   (level == "column" and c.endswith(f"E{zone[1:]}"))]
        sums = [sum(published[c][i] for c in members) for i in range(len(cols))]
        if n != len(members) or sums != list(vals):
            bad.append((level, zone, n, len(members), vals, sums))
    rows = g.execute("SELECT count(*) FROM totals").fetchone()[0]
    check("every total is the sum of its published cells", not bad and rows > 2, f"{bad[:3]}")

    named = set()
    for sql in ["SELECT cell FROM orders_weekly", "SELECT cell FROM coverage",
                "SELECT cell FROM orders WHERE cell IS NOT NULL",
                "SELECT pickup_cell FROM deliveries WHERE pickup_cell IS NOT NULL",
                "SELECT dropoff_cell FROM deliveries WHERE dropoff_cell IS NOT NULL"]:
        named.update(r[0] for r in g.execute(sql))
    check("other tables name published cells only", named and named <= set(published),
          f"{sorted(named - set(published))[:5]}")
    nulls = g.execute("SELECT count(*) FROM orders WHERE cell IS NULL").fetchone()[0]
    check("orders located in suppressed cells carry no cell", nulls > 0, "none without a cell")

    orders = {r[0] for r in g.execute("SELECT order_id FROM orders")}
    parcels_orders = {r[0] for r in g.execute("SELECT order_id FROM deliveries")}
    check("pseudonyms join within an export", parcels_orders and parcels_orders <= orders,
          f"{len(parcels_orders - orders)} deliveries without their order")
    o = sqlite3.connect(os.path.join(other, "export.gpkg"))
    other_ids = {r[0] for r in o.execute("SELECT order_id FROM orders")}
    other_ids |= {r[0] for r in o.execute("SELECT citizen FROM orders WHERE citizen NOT NULL")}
    mine = orders | {r[0] for r in g.execute("SELECT citizen FROM orders WHERE citizen NOT"
                                             " NULL")}
    check("two exports cannot be joined on pseudonyms", not (mine & other_ids) and other_ids,
          f"{len(mine & other_ids)} pseudonyms in common")
    n_orders = db.execute("SELECT count(*) FROM shop_order").fetchone()[0]
    check("the orders table has a row per order", len(orders) == n_orders,
          f"{len(orders)} rows, {n_orders} orders")
    r = sqlite3.connect(os.path.join(repeat, "export.gpkg"))
    again = {row[0]: row[1:] for row in r.execute(
        "SELECT cell, households, persons, orders_pickup, orders_delivery, parcels_delivered,"
        " volunteer_km FROM cells")}
    check("a repeated export publishes the same figures (cell-key method)", again == published,
          "the figures differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
