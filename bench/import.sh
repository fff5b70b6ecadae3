#!/usr/bin/env bash
# Benchmark of `trygg import points` against a plain pandas `read_csv` +
# `to_sql` of the same files into SQLite, in the same run (issue 4, "Done
# when"). Usage, from anywhere in a clone:
#
#     bash bench/import.sh
#
# Input: all seven files of ../shared/data/crime/vancouver_vpd (210,049 rows).
# It creates bench/.venv (git-ignored) with pandas from PyPI, builds trygg in
# release mode, and runs each side RUNS times (default 3), alternating, each
# time into a fresh SQLite file, and reports the median.
#
# What the times include:
#   pandas  only `pd.read_csv(f)` + `df.to_sql(...)` per file and the commit,
#           timed inside Python (bench/import_peer.py): no interpreter start-up,
#           no `import pandas`, no validation, no projection, no deduplication.
#   trygg   the whole `trygg import points` process, wall clock: start-up,
#           opening and migration check, building the district index, reading,
#           validating, projecting UTM 10N to WGS84, placing in districts,
#           content identities, deduplication, provenance records, commit. The
#           database is initialised (`trygg init`, Järva seeded) before timing.
# Peak memory is GNU time's "Maximum resident set size" of each process.
#
# Environment: RUNS (default 3), TRYGG_SHARED (default ../shared next to the clone).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH="$ROOT/bench"
VENV="$BENCH/.venv"
OUT="$BENCH/out/import"
SHARED="${TRYGG_SHARED:-$ROOT/../shared}"
DATA="$SHARED/data/crime/vancouver_vpd"
RUNS="${RUNS:-3}"
mkdir -p "$OUT"

say() { printf '%s\n' "$*" >&2; }

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
say "installing pandas into $VENV (pip; quick when already there)"
"$VENV/bin/pip" install --quiet pandas
PY="$VENV/bin/python"

say "building trygg (release)"
cargo build --quiet --release -p trygg
TRYGG="${CARGO_TARGET_DIR:-$ROOT/target}/release/trygg"

FILES=("$DATA"/crimedata_csv_AllNeighbourhoods_20*.csv)
[ "${#FILES[@]}" -eq 7 ] || { say "expected 7 files in $DATA, found ${#FILES[@]}"; exit 1; }
ROWS=0
for f in "${FILES[@]}"; do ROWS=$((ROWS + $(wc -l < "$f") - 1)); done

rss_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$1"; }
wall_s() {
    awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.3f", s}' "$1"
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

ours_s=() ours_rss=() peer_s=() peer_rss=() reimport_s=()
for run in $(seq 1 "$RUNS"); do
    say "run $run of $RUNS: pandas"
    /usr/bin/time -v -o "$OUT/peer.time" "$PY" "$BENCH/import_peer.py" "$OUT/pandas.db" "${FILES[@]}" > "$OUT/peer.json"
    peer_s+=("$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$OUT/peer.json")")
    peer_rss+=("$(rss_mb "$OUT/peer.time")")
    PANDAS_VERSION="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pandas"])' "$OUT/peer.json")"

    say "run $run of $RUNS: trygg"
    rm -f "$OUT"/trygg.db*
    DB="sqlite://$OUT/trygg.db"
    "$TRYGG" --database "$DB" init > /dev/null
    IMPORT=("$TRYGG" --database "$DB" import points "${FILES[@]}" --source vancouver-vpd --crs EPSG:26910
        --x-column X --y-column Y --time-columns YEAR,MONTH,DAY,HOUR,MINUTE --category-column TYPE
        --time-zone America/Vancouver)
    /usr/bin/time -v -o "$OUT/ours.time" "${IMPORT[@]}" > "$OUT/ours.log" 2>&1
    ours_s+=("$(wall_s "$OUT/ours.time")")
    ours_rss+=("$(rss_mb "$OUT/ours.time")")
    stored="$("$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from events").fetchone()[0])' "$OUT/trygg.db")"
    [ "$stored" -eq "$ROWS" ] || { say "trygg stored $stored events, expected $ROWS"; cat "$OUT/ours.log" >&2; exit 1; }

    say "run $run of $RUNS: trygg again (every row known and unchanged)"
    /usr/bin/time -v -o "$OUT/again.time" "${IMPORT[@]}" > "$OUT/again.log" 2>&1
    reimport_s+=("$(wall_s "$OUT/again.time")")
done

P="$(printf '%s\n' "${peer_s[@]}" | median)"
O="$(printf '%s\n' "${ours_s[@]}" | median)"
A="$(printf '%s\n' "${reimport_s[@]}" | median)"
PR="$(printf '%s\n' "${peer_rss[@]}" | median)"
OR="$(printf '%s\n' "${ours_rss[@]}" | median)"
rate() { awk -v n="$ROWS" -v s="$1" 'BEGIN {printf "%.0f", n / s}'; }
{
    echo "# trygg import points vs pandas read_csv + to_sql"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem:/ {print $2}') GiB memory; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- pandas $PANDAS_VERSION, $("$PY" --version); $("$TRYGG" --version) ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') + working tree, release build)"
    echo "- input: ${#FILES[@]} files, $ROWS rows; median of $RUNS runs"
    echo
    echo "| side | seconds (runs) | rows/s | peak RSS MB |"
    echo "| --- | --- | ---: | ---: |"
    echo "| pandas read_csv + to_sql (calls only) | $P (${peer_s[*]}) | $(rate "$P") | $PR |"
    echo "| trygg import points (whole process) | $O (${ours_s[*]}) | $(rate "$O") | $OR |"
    echo "| trygg import points again, all unchanged | $A (${reimport_s[*]}) | $(rate "$A") | – |"
    echo
    echo "ratio (pandas seconds / trygg seconds): $(awk -v p="$P" -v o="$O" 'BEGIN {printf "%.2f", p / o}')×"
} | tee "$OUT/results.md"
