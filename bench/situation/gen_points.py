#!/usr/bin/env python3
"""Synthetic positioned incidents in Järva for the situation-report benchmark.

Writes a CSV (id, occurred, category, lon, lat) of ROWS events in one year,
deterministic for a seed: 85 % around the seeded places of Järva
(crates/trygg-import/seed/jarva_places.csv, Gaussian spread of 250 m), 15 %
uniform over the places' bounding box widened by 1 km. Times are local
(Europe/Stockholm) to the minute, spread over the whole year with more in the
evening. Points that fall outside every district are kept by the importer
without a district; run.sh counts how many land in Järva.

Usage: gen_points.py PLACES_CSV OUT_CSV [--rows N] [--year Y] [--seed S]
"""

import argparse
import csv
import math
import random
from datetime import datetime, timedelta

CATEGORIES = ["Skadegörelse", "Klotter", "Inbrott", "Misshandel", "Rån", "Narkotikabrott", "Stöld", "Brand"]
WEIGHTS = [18, 15, 8, 11, 4, 10, 20, 3]
# Relative weight of each hour of the day (evenings busiest).
HOURS = [6, 5, 3, 2, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 7, 8, 9, 10, 11, 12, 12, 11, 9, 8]
M_PER_DEG_LAT = 111_320.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("places")
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=110_000)
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--seed", type=int, default=20251)
    a = ap.parse_args()

    with open(a.places, newline="", encoding="utf-8") as f:
        places = [(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(f)]
    if not places:
        raise SystemExit(f"no places in {a.places}")
    lat0 = sum(p[0] for p in places) / len(places)
    m_per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(lat0))
    margin = 1000.0
    south = min(p[0] for p in places) - margin / M_PER_DEG_LAT
    north = max(p[0] for p in places) + margin / M_PER_DEG_LAT
    west = min(p[1] for p in places) - margin / m_per_deg_lon
    east = max(p[1] for p in places) + margin / m_per_deg_lon

    rng = random.Random(a.seed)
    start = datetime(a.year, 1, 1)
    days = (datetime(a.year + 1, 1, 1) - start).days
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "occurred", "category", "lon", "lat"])
        for i in range(a.rows):
            if rng.random() < 0.85:
                lat, lon = rng.choice(places)
                lat += rng.gauss(0.0, 250.0) / M_PER_DEG_LAT
                lon += rng.gauss(0.0, 250.0) / m_per_deg_lon
            else:
                lat, lon = rng.uniform(south, north), rng.uniform(west, east)
            hour = rng.choices(range(24), HOURS)[0]
            t = start + timedelta(days=rng.randrange(days), hours=hour, minutes=rng.randrange(60))
            category = rng.choices(CATEGORIES, WEIGHTS)[0]
            w.writerow([f"b{i}", t.strftime("%Y-%m-%d %H:%M"), category, f"{lon:.6f}", f"{lat:.6f}"])


if __name__ == "__main__":
    main()
