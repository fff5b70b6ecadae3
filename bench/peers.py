"""The reference tools' side of bench/analytics.sh: one case per run.

Every case reads its input first (not timed), runs one small warm-up call
(not timed; it would absorb any just-in-time compilation), then times only
the reference tool's computation with time.perf_counter() and prints

    peer_seconds <s>
    peer_note <free text>

Cases:
  gistar_perm GRID COLS ROWS PERMS   esda.G_Local(y, lat2W(ROWS, COLS, rook=False), transform="B",
                                     star=True, permutations=PERMS, seed=12345, n_jobs=1)
  gistar_fdr GRID COLS ROWS          the same with permutations=0, then esda.fdr(p_norm, 0.05)
  moran_perm GRID COLS ROWS PERMS    esda.Moran_Local(y, w, transformation="r", permutations=PERMS,
                                     seed=12345, n_jobs=1)
  kde POINTS COLS ROWS CELL H OUT    sklearn KernelDensity(kernel="epanechnikov", bandwidth=H, rtol=0,
                                     atol=0).fit(P).score_samples(cell centres); saves n * density
                                     (events per m^2) to OUT (.npy) for the accuracy check
  kde_accuracy OURS.csv PEER.npy     max |ours - sklearn| relative to the peak (not a timing)
  kde_bound BINNED.csv EXACT.csv POINTS COLS ROWS CELL H
                                     checks |binned - exact| at every cell against the Epanechnikov
                                     bound stated in trygg_analysis::kde::kde_grid_binned (not a timing)
  versions                           the versions of the reference tools
  knox EVENTS DELTA TAU PERMS        pointpats.spacetime.Knox(xy, t, delta, tau, permutations=PERMS)
"""

import os
import sys
import time

if os.environ.get("BENCH_BLOCK_NUMBA"):
    # As if numba were not installed: esda and libpysal then fall back to plain Python.
    sys.modules["numba"] = None

import numpy as np
import pandas as pd


def grid_values(path, cols, rows):
    y = pd.read_csv(path)["count"].to_numpy(dtype=float)
    assert y.size == cols * rows, (y.size, cols, rows)
    return y


def lattice(cols, rows):
    from libpysal.weights import lat2W

    # lat2W(nrows, ncols): id = row * ncols + col, the same numbering as trygg's grid.
    return lat2W(rows, cols, rook=False)


def timed(f):
    start = time.perf_counter()
    out = f()
    return time.perf_counter() - start, out


def main():
    case, args = sys.argv[1], sys.argv[2:]
    if case in ("gistar_perm", "gistar_fdr", "moran_perm"):
        import esda

        path, cols, rows = args[0], int(args[1]), int(args[2])
        perms = int(args[3]) if len(args) > 3 else 0
        y = grid_values(path, cols, rows)
        w = lattice(cols, rows)
        small_y, small_w = y[:100].copy(), lattice(10, 10)
        small_y[0] += 1  # some variation
        if case == "gistar_perm":
            esda.G_Local(small_y, small_w, transform="B", star=True, permutations=9, seed=1, n_jobs=1)
            secs, g = timed(lambda: esda.G_Local(y, w, transform="B", star=True, permutations=perms, seed=12345, n_jobs=1))
            note = f"esda {esda.__version__} G_Local B star {perms} permutations: {int((g.p_sim <= 0.001).sum())} cells p_sim <= 0.001"
        elif case == "gistar_fdr":
            esda.G_Local(small_y, small_w, transform="B", star=True, permutations=0)

            def run():
                g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
                t = esda.fdr(g.p_norm, 0.05)
                return g, t

            secs, (g, t) = timed(run)
            note = f"esda {esda.__version__} G_Local B star permutations=0 + esda.fdr: threshold {t:.3g}, {int((g.p_norm <= t).sum())} cells"
        else:
            esda.Moran_Local(small_y, small_w, transformation="r", permutations=9, seed=1, n_jobs=1)
            secs, m = timed(lambda: esda.Moran_Local(y, w, transformation="r", permutations=perms, seed=12345, n_jobs=1))
            note = f"esda {esda.__version__} Moran_Local r {perms} permutations: {int((m.q == 1).sum())} HH"
    elif case == "kde":
        import sklearn
        from sklearn.neighbors import KernelDensity

        path, cols, rows, cell, h, out = args[0], int(args[1]), int(args[2]), float(args[3]), float(args[4]), args[5]
        p = pd.read_csv(path)[["x", "y"]].to_numpy(dtype=float)
        c, r = np.meshgrid(np.arange(cols), np.arange(rows))
        e = np.column_stack([(c.ravel() + 0.5) * cell, (r.ravel() + 0.5) * cell])  # cell-id order
        KernelDensity(kernel="epanechnikov", bandwidth=h, rtol=0, atol=0).fit(p[:1000]).score_samples(e[:100])

        def run():
            return KernelDensity(kernel="epanechnikov", bandwidth=h, rtol=0, atol=0).fit(p).score_samples(e)

        secs, log_density = timed(run)
        np.save(out, np.exp(log_density) * len(p))
        note = f"scikit-learn {sklearn.__version__} KernelDensity epanechnikov h={h:g} rtol=0 atol=0, {len(p)} points, {len(e)} cells"
    elif case == "kde_accuracy":
        ours = pd.read_csv(args[0])["density_per_m2"].to_numpy()
        peer = np.load(args[1])
        peak = peer.max()
        err = np.abs(ours - peer).max() / peak
        print(f"kde_max_abs_error_relative_to_peak {err:.3e}")
        return
    elif case == "kde_bound":
        from sklearn.neighbors import KDTree

        binned = pd.read_csv(args[0])["density_per_m2"].to_numpy()
        exact = pd.read_csv(args[1])["density_per_m2"].to_numpy()
        p = pd.read_csv(args[2])[["x", "y"]].to_numpy(dtype=float)
        cols, rows, cell, h = int(args[3]), int(args[4]), float(args[5]), float(args[6])
        c, r = np.meshgrid(np.arange(cols), np.arange(rows))
        e = np.column_stack([(c.ravel() + 0.5) * cell, (r.ravel() + 0.5) * cell])
        tree = KDTree(p)
        t, delta, k0 = cell / h, np.sqrt(2.0) * cell, 2.0 / (np.pi * h * h)
        w = {rad: tree.query_radius(e, rad, count_only=True).astype(float) for rad in (h - delta, h, h + delta)}
        # Epanechnikov: K0 * max(t^2/2 * W(e, h), 0.71 t (1 + sqrt(2) t) [W(e, h + d) - W(e, h - d)]),
        # plus the stated rounding allowance of about (4R + 8) 2^-53 K0 W.
        radius_cells = int(h // cell)
        bound = k0 * np.maximum(t * t / 2 * w[h], 0.71 * t * (1 + np.sqrt(2) * t) * (w[h + delta] - w[h - delta]))
        bound += (4 * radius_cells + 8) * 2.0**-53 * k0 * w[h + delta] + 1e-300
        err = np.abs(binned - exact)
        worst = (err / bound).max()
        peak = exact.max()
        print(
            f"kde_binned_error max {err.max() / peak:.3e} of the peak, mean {err.mean() / peak:.3e}; "
            f"largest error / stated bound {worst:.3f} ({'met' if worst <= 1 else 'NOT met'} at every cell)"
        )
        return
    elif case == "versions":
        import esda, libpysal, pointpats, sklearn, scipy

        try:
            import numba

            nb = numba.__version__
        except ImportError:
            nb = "not installed"
        print(
            f"esda {esda.__version__}, libpysal {libpysal.__version__}, "
            f"pointpats {getattr(pointpats, '__version__', '?')}, scikit-learn {sklearn.__version__}, "
            f"numpy {np.__version__}, scipy {scipy.__version__}, pandas {pd.__version__}, numba {nb}"
        )
        return
    elif case == "knox":
        import pointpats
        from pointpats.spacetime import Knox

        path, delta, tau, perms = args[0], float(args[1]), float(args[2]), int(args[3])
        d = pd.read_csv(path)
        xy = d[["x", "y"]].to_numpy(dtype=float)
        t = d[["t"]].to_numpy(dtype=float)
        Knox(xy[:200], t[:200], delta=delta, tau=tau, permutations=9)
        np.random.seed(12345)
        secs, k = timed(lambda: Knox(xy, t, delta=delta, tau=tau, permutations=perms))
        version = getattr(pointpats, "__version__", "?")
        note = f"pointpats {version} Knox delta={delta:g} tau={tau:g} {perms} permutations: NST {k.statistic_:.0f}, p_sim {k.p_sim:.3f}"
    else:
        sys.exit(f"unknown case {case}")
    print(f"peer_seconds {secs:.6f}")
    print(f"peer_note {note}")


if __name__ == "__main__":
    main()
