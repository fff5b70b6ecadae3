#!/usr/bin/env bash
# Benchmarks of `trygg analyze` against the reference tools, in the same run on the
# same inputs (issue 5, "Fast"). Usage, from anywhere in a clone:
#
#     bash bench/analytics.sh
#
# It creates a Python virtual environment in bench/.venv (git-ignored) with the
# reference tools from PyPI, builds trygg in release mode, generates the inputs
# in bench/out/data (git-ignored; kept between runs), then for each case runs the
# reference tool (under `timeout`) and `trygg analyze`, and prints one table row:
# peer time, our time, their ratio and the target, our end-to-end time and our
# peak memory against the input size. Results also go to bench/out/results.md.
#
# What the times include (bench/out/results.md repeats it):
#   peer      only the reference tool's computation, timed inside Python with
#             time.perf_counter() (no Python start-up, no imports, no file reading,
#             no building of the libpysal weights), after one small warm-up call
#             that absorbs numba's just-in-time compilation. See bench/peers.py.
#   ours      the computation inside `trygg analyze`, from its --timings phases
#             (never reading the CSV or writing the output), the same work as the
#             peer's: Gi* with permutations = weights + Gi* + permutation ids +
#             permutation test; analytic Gi* + FDR = weights + Gi* + BH threshold;
#             local Moran = weights + permutation ids + local Moran's I +
#             permutation test (the hotspots command computes all of these in
#             every run; the notes give its whole computation too); KDE = the
#             kernel sums (exact, and binned); near repeat = the observed table +
#             the simulations.
#   e2e       the whole `trygg analyze` process, wall clock: start-up, reading and
#             parsing the CSV, computing and writing the output CSV.
#   ratio     peer / ours.
#   memory    the peak resident set size of the whole trygg process (GNU time's
#             "Maximum resident set size") divided by the input CSV's size.
#
# esda's permutation engine (crand) is compiled with numba when numba is
# installed, and runs as plain Python loops otherwise. The script installs numba
# (esda's documented accelerator, so the reference is at its fastest) and also
# times the two esda permutation cases with numba hidden from Python
# (BENCH_BLOCK_NUMBA=1 in bench/peers.py), i.e. as esda runs with only the
# packages the issue lists. Set BENCH_SKIP_NO_NUMBA=1 to skip those extra runs.
#
# Environment: PEER_TIMEOUT (seconds per reference run, default 1200),
# TRYGG_SHARED (the shared data folder, default ../shared next to the clone).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH="$ROOT/bench"
VENV="$BENCH/.venv"
OUT="$BENCH/out"
DATA="$OUT/data"
SHARED="${TRYGG_SHARED:-$ROOT/../shared}"
PEER_TIMEOUT="${PEER_TIMEOUT:-1200}"
OUR_TIMEOUT=600
mkdir -p "$DATA"

say() { printf '%s\n' "$*" >&2; }

# --- tools ------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
    say "installing GNU time (Debian package 'time') for peak memory"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && apt-get install -y -qq time
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq time
    fi
fi
if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
fi
say "installing the reference tools into $VENV (pip; quick when already there)"
"$VENV/bin/pip" install --quiet esda==2.9.0 libpysal==4.14.1 pointpats==2.5.5 scikit-learn==1.9.1 \
    numpy scipy pandas numba
PY="$VENV/bin/python"

say "building trygg (release)"
cargo build --quiet --release -p trygg
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TRYGG="$TARGET_DIR/release/trygg"
say "building the cargo bench (release)"
BENCH_EXE="$(cargo bench --quiet -p trygg-analysis --bench analysis --no-run --message-format=json 2>/dev/null |
    "$PY" -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "analysis" and m.get("executable"):
        print(m["executable"])')"

say "generating the inputs in $DATA"
"$PY" "$BENCH/gen_inputs.py" "$DATA" "$SHARED/data/crime/vancouver_vpd"

# --- machine ----------------------------------------------------------------
rss_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$1"; }
/usr/bin/time -v -o "$OUT/base.time" "$TRYGG" analyze compare --current 1 --previous 2 >/dev/null
BASE_RSS="$(rss_mb "$OUT/base.time")"
RESULTS="$OUT/results.md"
{
    echo "# trygg analyze vs the reference tools"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem:/ {print $2}') GiB memory"
    echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- reference tools: $("$PY" "$BENCH/peers.py" versions)"
    echo "- trygg: $("$TRYGG" --version) ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), release build)"
    echo
    echo "- trygg's own peak RSS for a trivial command (analyze compare): $BASE_RSS MB"
    echo
    echo "| case | peer s | ours s | ratio | target | ours e2e s | our peak RSS MB | input MB | RSS/input | (RSS − base)/input | peer peak RSS MB |"
    echo "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
} > "$RESULTS"
cat "$RESULTS"

# --- helpers ----------------------------------------------------------------
size_mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN {printf "%.1f", b / 1048576}'; }

# peer NAME ARGS... : runs bench/peers.py; sets PEER_S (or "timeout"/"failed"), PEER_RSS, PEER_NOTE.
peer() {
    local name="$1"
    shift
    local log="$OUT/peer_$name.log" tm="$OUT/peer_$name.time" rc=0
    /usr/bin/time -v -o "$tm" timeout "$PEER_TIMEOUT" "$PY" "$BENCH/peers.py" "$@" >"$log" 2>&1 || rc=$?
    PEER_RSS="$(rss_mb "$tm")"
    if [ "$rc" -eq 0 ]; then
        PEER_S="$(awk '/^peer_seconds/ {print $2}' "$log")"
        PEER_NOTE="$(sed -n 's/^peer_note //p' "$log")"
    elif [ "$rc" -eq 124 ]; then
        PEER_S="timeout"
        PEER_NOTE="no result within ${PEER_TIMEOUT} s"
    else
        PEER_S="failed"
        PEER_NOTE="exit $rc, see $log"
    fi
    say "  peer $name: ${PEER_S} s ($PEER_NOTE)"
}

# ours NAME PHASES ARGS... : runs `trygg analyze ARGS --timings`; sets OURS_S (the sum
# of the --timings PHASES, a comma list, or 'compute' = all but read and write),
# OURS_ALL (all phases but read and write), OURS_E2E, OURS_RSS.
ours() {
    local name="$1" phases="$2"
    shift 2
    local err="$OUT/ours_$name.err" tm="$OUT/ours_$name.time" start end
    start="$(date +%s.%N)"
    if ! /usr/bin/time -v -o "$tm" timeout "$OUR_TIMEOUT" "$TRYGG" analyze "$@" --timings 2>"$err"; then
        say "trygg analyze $* failed:"
        cat "$err" >&2
        exit 1
    fi
    end="$(date +%s.%N)"
    OURS_E2E="$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')"
    OURS_RSS="$(rss_mb "$tm")"
    OURS_S="$(awk -F'\t' -v want="$phases" '
        BEGIN { n = split(want, w, ","); for (i = 1; i <= n; i++) sel[w[i]] = 1 }
        $1 == "timing" && $2 != "total" {
            if ((want == "compute" && $2 != "read" && $2 != "write") || ($2 in sel)) s += $3
        }
        END { printf "%.4f", s }' "$err")"
    OURS_ALL="$(awk -F'\t' '$1 == "timing" && $2 != "total" && $2 != "read" && $2 != "write" {s += $3}
        END {printf "%.4f", s}' "$err")"
    say "  ours $name: ${OURS_S} s ($phases), ${OURS_ALL} s all computation, ${OURS_E2E} s end to end, ${OURS_RSS} MB peak"
}

ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (p ~ /^[0-9.]+$/ && o > 0) printf "%.0fx", p / o; else print "-" }'; }

# row CASE TARGET INPUT_MB
row() {
    local rss_ratio net_ratio
    rss_ratio="$(awk -v r="$OURS_RSS" -v i="$3" 'BEGIN {printf "%.1f", r / i}')"
    net_ratio="$(awk -v r="$OURS_RSS" -v b="$BASE_RSS" -v i="$3" 'BEGIN {printf "%.1f", (r - b) / i}')"
    echo "| $1 | $PEER_S | $OURS_S | $(ratio "$PEER_S" "$OURS_S") | $2 | $OURS_E2E | $OURS_RSS | $3 | $rss_ratio | $net_ratio | ${PEER_RSS:--} |" |
        tee -a "$RESULTS"
}

NOTES=()
note() { NOTES+=("$1"); }

# --- cases ------------------------------------------------------------------
G100K="$DATA/grid_100k.csv"
G1M="$DATA/grid_1m.csv"
HOT=(--x-column x --y-column y --count-column count --cell-size 100 --origin 0,0 --weights queen)

say "case 1: Gi* with 999 permutations, 100,000 cells"
peer gistar_perm gistar_perm "$G100K" 400 250 999
note "Gi* 999 permutations: $PEER_NOTE"
ours gistar_perm weights,gi_star,permutation_ids,gi_star_permutations hotspots "$G100K" "${HOT[@]}" \
    --extent 400x250 --permutations 999 --seed 12345 --output /dev/null
note "Gi* 999 permutations, ours: weights + Gi* + permutation ids + permutation test; the whole command's computation (also FDR and local Moran's I) $OURS_ALL s"
row "Gi* 999 permutations, 100k cells (esda G_Local)" "≥ 50×" "$(size_mb "$G100K")"

say "case 2: analytic Gi* + FDR, 1,000,000 cells"
peer gistar_fdr gistar_fdr "$G1M" 1000 1000
note "Gi* analytic + FDR: $PEER_NOTE"
ours gistar_fdr weights,gi_star,fdr hotspots "$G1M" "${HOT[@]}" --extent 1000x1000 --output /dev/null
note "Gi* analytic + FDR, ours: weights + Gi* + BH threshold; the whole command's computation (also local Moran's I) $OURS_ALL s"
row "Gi* analytic + FDR, 1M cells (esda G_Local + fdr)" "≥ 100×" "$(size_mb "$G1M")"

say "case 3: local Moran's I with 999 permutations, 100,000 cells"
peer moran_perm moran_perm "$G100K" 400 250 999
note "Local Moran 999 permutations: $PEER_NOTE"
ours moran_perm weights,permutation_ids,lisa,lisa_permutations hotspots "$G100K" "${HOT[@]}" --extent 400x250 \
    --permutations 999 --seed 12345 --lisa-p-sim --output /dev/null
note "Local Moran 999 permutations, ours: weights + permutation ids + local Moran's I + permutation test; the whole command's computation (also Gi*, its permutations, FDR) $OURS_ALL s"
row "Local Moran 999 permutations, 100k cells (esda Moran_Local)" "≥ 50×" "$(size_mb "$G100K")"

if [ -z "${BENCH_SKIP_NO_NUMBA:-}" ]; then
    say "the permutation cases again with numba hidden from esda (plain Python loops)"
    for c in "gistar_perm $G100K 400 250 999" "moran_perm $G100K 400 250 999"; do
        set -- $c
        export BENCH_BLOCK_NUMBA=1
        peer "${1}_nonumba" "$@"
        unset BENCH_BLOCK_NUMBA
        echo "| ${1} 100k cells, esda without numba (peer only) | $PEER_S | | | | | | | | | $PEER_RSS |" |
            tee -a "$RESULTS"
    done
fi

say "case 4: kernel density, 1,000,000 points onto 400 x 400 cells, Epanechnikov h = 500 m"
P1M="$DATA/points_1m.csv"
peer kde kde "$P1M" 400 400 100 500 "$OUT/kde_sklearn.npy"
note "KDE: $PEER_NOTE"
for method in exact binned; do
    ours "kde_$method" compute kde "$P1M" --x-column x --y-column y --kernel epanechnikov --bandwidth 500 \
        --cell-size 100 --origin 0,0 --extent 400x400 --method "$method" --output "$OUT/kde_$method.csv"
    row "KDE 1M points, 400×400, Epanechnikov h=500, --method $method (scikit-learn KernelDensity)" "≥ 100×" \
        "$(size_mb "$P1M")"
    if [ "$PEER_S" != "timeout" ] && [ "$PEER_S" != "failed" ]; then
        note "KDE --method $method accuracy against scikit-learn: $("$PY" "$BENCH/peers.py" kde_accuracy \
            "$OUT/kde_$method.csv" "$OUT/kde_sklearn.npy")"
    fi
done
note "KDE --method binned against --method exact: $("$PY" "$BENCH/peers.py" kde_bound "$OUT/kde_binned.csv" \
    "$OUT/kde_exact.csv" "$P1M" 400 400 100 500)"

say "case 5: Knox, 10,000 events, 99 simulations"
E10K="$DATA/events_10k.csv"
peer knox knox "$E10K" 300 21 99
note "Knox: $PEER_NOTE (one band: d <= 300 m and |dt| <= 21 days, Euclidean)"
ours knox compute near-repeat "$E10K" --x-column x --y-column y --time-column t --metric euclidean \
    --space-band 100 --space-bands 3 --time-band 7 --time-bands 3 --simulations 99 --seed 1 \
    --output "$OUT/knox_ours.csv"
row "Knox 10k events, 99 simulations, full 5×4 banded table (pointpats Knox, one band)" "≥ 50×" "$(size_mb "$E10K")"

say "case 6: near repeat, 100,000 Vancouver events, 3 x 3 bands + same location, 99 simulations"
V100K="$DATA/vancouver_100k.csv"
PEER_S="-"
PEER_RSS="-"
ours vancouver compute near-repeat "$V100K" --x-column x --y-column y --time-column time --metric manhattan \
    --space-band 100 --space-bands 3 --time-band 7 --time-bands 3 --simulations 99 --seed 1 \
    --output "$OUT/vancouver_ours.csv"
row "Near repeat 100k Vancouver events, 100 m × 3, 7 days × 3 + same, 99 simulations (absolute)" "< 10 s" \
    "$(size_mb "$V100K")"

say "case 7: point in polygon, 1,000,000 points into Stockholm's 117 districts (cargo bench)"
PIP_LOG="$OUT/pip.log"
/usr/bin/time -v -o "$OUT/pip.time" "$BENCH_EXE" --bench pip_1m >"$PIP_LOG" 2>&1
PIP_S="$(awk '$1 == "bench" && $2 == "pip_1m_points_117_districts" {print $4}' "$PIP_LOG")"
PIP_RSS="$(rss_mb "$OUT/pip.time")"
echo "| Point in polygon, 1M points into 117 districts (absolute; cargo bench, median of 5) | - | ${PIP_S:-skipped} | | < 1 s | | $PIP_RSS | 16.0 (x, y in memory) | $(awk -v r="$PIP_RSS" 'BEGIN {printf "%.1f", r / 16}') | | |" |
    tee -a "$RESULTS"

{
    echo
    echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    for n in "${NOTES[@]}"; do echo "- $n"; done
    echo
    echo "The cargo bench (computation only, inputs generated in memory; median of 3-5 runs):"
    echo
    echo '```'
    "$BENCH_EXE" --bench
    echo '```'
} | tee -a "$RESULTS"
say "results written to $RESULTS"
