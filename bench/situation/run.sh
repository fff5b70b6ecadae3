#!/usr/bin/env bash
# Benchmark of `trygg report situation` (issue 6): the situation report of
# Järva for one year with at least 100,000 positioned events, as HTML and as
# PDF. Targets from the issue: HTML < 5 s, PDF < 15 s. There is no peer tool
# (the report is made by hand today), so the targets are stated, not a ratio.
#
# Usage, from anywhere in a clone:
#
#     bash bench/situation/run.sh
#
# Steps:
#   1. `cargo build --release -p trygg`.
#   2. A fresh demo database: `trygg serve --demo` on a free loopback port
#      until its banner appears (the demo data are complete then), then stopped.
#   3. ROWS (default 110,000) synthetic positioned events in YEAR (default
#      2025) around Järva's places (bench/situation/gen_points.py), imported
#      with `trygg import points --source bench-incidents --crs EPSG:4326`;
#      the script checks that at least 100,000 of them lie in Järva's districts.
#   4. Times the whole `trygg report situation --area jarva --period YEAR
#      --format json|html|pdf --output FILE` process (start-up, reading, every
#      analysis, rendering, writing) with hyperfine (installed with apt-get
#      when missing; otherwise a loop of GNU time), RUNS runs (default 5)
#      after one warm-up, and the peak memory of one run with GNU time. JSON
#      (the computed document, nothing rendered) has no target; it shows how
#      much of the time is computing and how much rendering.
#
# Output: bench/out/situation/ (git-ignored): the database, the CSV, the
# reports, hyperfine's JSON and a summary in summary.txt.
#
# Environment: ROWS, YEAR, RUNS, CARGO_TARGET_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="$ROOT/bench/out/situation"
ROWS="${ROWS:-110000}"
YEAR="${YEAR:-2025}"
RUNS="${RUNS:-5}"
MIN_IN_AREA=100000

say() { printf '%s\n' "$*" >&2; }

install_apt() {
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && apt-get install -y -qq "$@"
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq "$@"
    fi
}

[ -x /usr/bin/time ] || { say "installing GNU time"; install_apt time; }
command -v hyperfine >/dev/null || { say "installing hyperfine"; install_apt hyperfine || true; }

say "building trygg (release)"
cargo build --quiet --release -p trygg
TRYGG="${CARGO_TARGET_DIR:-$ROOT/target}/release/trygg"

rm -rf "$OUT"
mkdir -p "$OUT"
DB="$OUT/situation.db"
URL="sqlite://$DB"

say "making the demo database ($DB) with trygg serve --demo"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SERVE_STARTED=$(date +%s.%N)
"$TRYGG" --database "$URL" serve --demo --bind "127.0.0.1:$PORT" >"$OUT/serve.log" 2>&1 &
SERVER=$!
stop_server() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap stop_server EXIT
for _ in $(seq 1 1200); do
    grep -q "Trygg demo on" "$OUT/serve.log" && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/serve.log" >&2; say "trygg serve --demo exited"; exit 1; }
    sleep 0.5
done
grep -q "Trygg demo on" "$OUT/serve.log" || { say "no demo banner within 10 minutes"; exit 1; }
stop_server
trap - EXIT
DEMO_SECONDS=$(python3 -c "print(f'{$(date +%s.%N) - $SERVE_STARTED:.1f}')")
say "demo database ready in ${DEMO_SECONDS} s"

say "generating $ROWS events in $YEAR"
python3 bench/situation/gen_points.py crates/trygg-import/seed/jarva_places.csv "$OUT/points.csv" \
    --rows "$ROWS" --year "$YEAR"
IMPORT_STARTED=$(date +%s.%N)
"$TRYGG" --database "$URL" import points "$OUT/points.csv" --source bench-incidents --crs EPSG:4326 \
    --x-column lon --y-column lat --time-column occurred --category-column category --id-column id \
    --time-zone Europe/Stockholm >"$OUT/import.log" 2>&1 || { cat "$OUT/import.log" >&2; exit 1; }
IMPORT_SECONDS=$(python3 -c "print(f'{$(date +%s.%N) - $IMPORT_STARTED:.1f}')")
tail -n 3 "$OUT/import.log" >&2

# Positioned events in Järva's districts in YEAR (Stockholm time), per source, read with Python's sqlite3.
COUNTS="$(python3 - "$DB" "$YEAR" <<'EOF'
import sqlite3, sys
from datetime import datetime
from zoneinfo import ZoneInfo
db, year = sys.argv[1], int(sys.argv[2])
tz = ZoneInfo("Europe/Stockholm")
ms = lambda y: int(datetime(y, 1, 1, tzinfo=tz).timestamp() * 1000)
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
rows = con.execute(
    """SELECT source, COUNT(*) FROM events
       WHERE lat IS NOT NULL AND lon IS NOT NULL AND occurred_at >= ? AND occurred_at < ?
         AND area IN (SELECT child FROM area_parents WHERE parent = 'jarva')
       GROUP BY source ORDER BY source""",
    (ms(year), ms(year + 1)),
).fetchall()
print(" ".join(f"{s}={n}" for s, n in rows))
EOF
)"
say "positioned events in Järva in $YEAR: $COUNTS"
IN_AREA="$(tr ' ' '\n' <<<"$COUNTS" | sed -n 's/^bench-incidents=//p')"
if [ "${IN_AREA:-0}" -lt "$MIN_IN_AREA" ]; then
    say "only ${IN_AREA:-0} bench events lie in Järva (need $MIN_IN_AREA): raise ROWS"
    exit 1
fi

report_cmd() { # format
    printf '%q ' "$TRYGG" --database "$URL" report situation --area jarva --period "$YEAR" --format "$1" \
        --output "$OUT/lagesbild.$1"
}

declare -A MEAN STDDEV MIN MAX RSS SIZE
for format in json html pdf; do
    cmd="$(report_cmd "$format")"
    say "timing: $cmd"
    if command -v hyperfine >/dev/null; then
        hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/hyperfine-$format.json" "$cmd" >&2
        read -r "MEAN[$format]" "STDDEV[$format]" "MIN[$format]" "MAX[$format]" < <(python3 - "$OUT/hyperfine-$format.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f'{r["mean"]:.2f} {r["stddev"] or 0:.2f} {r["min"]:.2f} {r["max"]:.2f}')
EOF
)
    else
        eval "$cmd" >/dev/null # warm-up
        times=()
        for _ in $(seq 1 "$RUNS"); do
            /usr/bin/time -f '%e' -o "$OUT/time.txt" bash -c "$cmd" >/dev/null
            times+=("$(cat "$OUT/time.txt")")
        done
        read -r "MEAN[$format]" "STDDEV[$format]" "MIN[$format]" "MAX[$format]" < <(python3 -c '
import statistics, sys
t = [float(x) for x in sys.argv[1:]]
print(f"{statistics.mean(t):.2f} {statistics.pstdev(t):.2f} {min(t):.2f} {max(t):.2f}")' "${times[@]}")
    fi
    /usr/bin/time -f '%M' -o "$OUT/rss.txt" bash -c "$cmd" >/dev/null
    RSS[$format]=$(python3 -c "print(f'{$(tail -n 1 "$OUT/rss.txt") / 1024:.0f}')")
    SIZE[$format]=$(stat -c %s "$OUT/lagesbild.$format")
done

verdict() { python3 -c "print('yes' if $1 < $2 else 'no')"; }
{
    echo "date (UTC): $(date -u '+%Y-%m-%d %H:%M')"
    echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "trygg: release build of $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') (working tree)"
    echo "demo database: ${DEMO_SECONDS} s; import of $ROWS rows: ${IMPORT_SECONDS} s"
    echo "positioned events in Järva in $YEAR: $COUNTS"
    echo "runs per format: $RUNS after one warm-up"
    for format in json html pdf; do
        case "$format" in
            html) target="target < 5 s: $(verdict "${MEAN[$format]}" 5)" ;;
            pdf) target="target < 15 s: $(verdict "${MEAN[$format]}" 15)" ;;
            *) target="no target (the computation and the document as JSON, no rendering)" ;;
        esac
        echo "$format: mean ${MEAN[$format]} s ± ${STDDEV[$format]} (min ${MIN[$format]}, max ${MAX[$format]})," \
            "peak RSS ${RSS[$format]} MB, file ${SIZE[$format]} bytes, $target"
    done
} | tee "$OUT/summary.txt"
