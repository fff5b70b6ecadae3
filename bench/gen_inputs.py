"""Generates the benchmark inputs of bench/analytics.sh (deterministic: numpy default_rng seeds).

Usage: python gen_inputs.py OUT_DIR VANCOUVER_DIR

Writes, each only if missing:
  grid_100k.csv   x,y,count: the centres of a 400 x 250 grid of 100 m cells (100,000 cells) and a count each
  grid_1m.csv     the same for a 1000 x 1000 grid (1,000,000 cells)
  points_1m.csv   x,y: 1,000,000 clustered points in a 40 km x 40 km square (the KDE input)
  events_10k.csv  x,y,t: 10,000 clustered events in a 10 km square, t in whole days over a year
  vancouver_100k.csv  x,y,time: the first 100,000 Vancouver police events with coordinates
                  (files 2020, 2021, ... in order, rows in file order; X = Y = 0 or blank dropped),
                  time as an ISO 8601 date-time (minutes)
"""

import csv
import glob
import os
import sys

import numpy as np


def counts_grid(path, cols, rows, seed):
    if os.path.exists(path):
        return
    rng = np.random.default_rng(seed)
    r, c = np.divmod(np.arange(cols * rows), cols)
    hot = np.maximum(np.sin(c / 37.0) * np.cos(r / 23.0), 0.0)
    mean = 0.3 + 4.0 * hot * hot
    # gamma-Poisson (overdispersed) counts, as crime counts per cell are
    count = rng.poisson(rng.gamma(2.0, mean / 2.0))
    x = (c + 0.5) * 100.0
    y = (r + 0.5) * 100.0
    with open(path, "w") as f:
        f.write("x,y,count\n")
        np.savetxt(f, np.column_stack([x, y, count]), fmt=["%.1f", "%.1f", "%d"], delimiter=",")


def clustered(n, side, clusters, seed):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, side, size=(clusters, 2))
    sigma = rng.uniform(100, 1000, size=clusters)
    k = rng.integers(0, clusters, size=n)
    pts = centres[k] + rng.normal(size=(n, 2)) * sigma[k, None]
    background = rng.uniform(0, 1, size=n) < 0.3
    pts[background] = rng.uniform(0, side, size=(background.sum(), 2))
    return pts, rng


def points(path, n, seed):
    if os.path.exists(path):
        return
    pts, _ = clustered(n, 40_000.0, 40, seed)
    with open(path, "w") as f:
        f.write("x,y\n")
        np.savetxt(f, pts, fmt="%.2f", delimiter=",")


def events(path, n, seed):
    if os.path.exists(path):
        return
    pts, rng = clustered(n, 10_000.0, 40, seed)
    t = np.floor(rng.uniform(0, 365, size=n))
    with open(path, "w") as f:
        f.write("x,y,t\n")
        np.savetxt(f, np.column_stack([np.round(pts), t]), fmt=["%.0f", "%.0f", "%.0f"], delimiter=",")


def vancouver(path, source_dir, n):
    if os.path.exists(path):
        return
    files = sorted(glob.glob(os.path.join(source_dir, "crimedata_csv_AllNeighbourhoods_*.csv")))
    if not files:
        sys.exit(f"no Vancouver files in {source_dir}")
    rows = 0
    with open(path, "w") as out:
        out.write("x,y,time\n")
        for name in files:
            with open(name, newline="", encoding="utf-8") as f:
                for r in csv.DictReader(f):
                    try:
                        x, y = float(r["X"]), float(r["Y"])
                    except (TypeError, ValueError):
                        continue
                    if x == 0.0 or y == 0.0:
                        continue
                    out.write(
                        f"{x:.2f},{y:.2f},{int(r['YEAR']):04d}-{int(r['MONTH']):02d}-{int(r['DAY']):02d}"
                        f"T{int(r['HOUR']):02d}:{int(r['MINUTE']):02d}\n"
                    )
                    rows += 1
                    if rows == n:
                        return
    sys.exit(f"only {rows} Vancouver events with coordinates, wanted {n}")


def main():
    out, van = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    counts_grid(os.path.join(out, "grid_100k.csv"), 400, 250, 1)
    counts_grid(os.path.join(out, "grid_1m.csv"), 1000, 1000, 2)
    points(os.path.join(out, "points_1m.csv"), 1_000_000, 3)
    events(os.path.join(out, "events_10k.csv"), 10_000, 4)
    vancouver(os.path.join(out, "vancouver_100k.csv"), van, 100_000)


if __name__ == "__main__":
    main()
