#!/usr/bin/env bash
# Benchmark of Open311 on loopback (issue 3, "Done when"): POST requests.json
# (a partner's key, form-encoded, each one a real report: validation,
# point-in-polygon, routing, deadline, first update and queued mail in one
# transaction) and GET requests/{id}.json, with wrk, against a release
# build of `trygg serve` over SQLite and, when available, PostgreSQL.
#
#     bash bench/open311.sh
#
# Targets on the 2-core machine: ≥ 1,000 POSTs/s and ≥ 5,000 GETs/s on
# SQLite, p99 < 50 ms. wrk runs on the same machine and takes CPU from the
# server, as a real loopback test does.
#
# Environment: DURATION (seconds per run, default 15), CONNECTIONS (default
# 32), TRYGG_BENCH_POSTGRES_URL (a server URL with a database the script may
# empty; default: postgres://postgres@127.0.0.1:5432/trygg_bench if a local
# server answers).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-32}"
OUT="$ROOT/bench/out/open311"
mkdir -p "$OUT"
say() { printf '%s\n' "$*" >&2; }

if ! command -v wrk >/dev/null; then
  say "installing wrk (Debian package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
say "building trygg (release)"
cargo build --quiet --release -p trygg
TRYGG="${CARGO_TARGET_DIR:-$ROOT/target}/release/trygg"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wrk's summary → "requests/s p99_ms non2xx"
summarise() {
  awk '/Requests\/sec:/ {rps=$2}
       /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p99=v}
       /Non-2xx/ {bad=$NF}
       END {printf "%.0f %.2f %d\n", rps, p99, bad+0}' "$1"
}

bench_backend() {
  local name="$1" url="$2" port base server key id
  say "== $name: init"
  "$TRYGG" --database "$url" init >/dev/null
  key=$("$TRYGG" --database "$url" partner key fastighetsagare-tensta-centrum --label "bench $(date +%s)" 2>/dev/null)
  port=$(free_port)
  base="http://127.0.0.1:$port"
  RUST_LOG=warn "$TRYGG" --database "$url" serve --bind "127.0.0.1:$port" >"$OUT/$name-serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 60); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  id=$(curl -fsS "$base/open311/v2/requests.json" --data-urlencode "api_key=$key" \
        --data "service_code=klotter-ovrigt&lat=59.3940&long=17.9042&description=Bench" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["service_request_id"])')
  say "== $name: POST requests.json for ${DURATION}s, $CONNECTIONS connections"
  OPEN311_KEY="$key" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/open311_post.lua \
    "$base/open311/v2/requests.json" >"$OUT/$name-post.txt"
  say "== $name: GET requests/$id.json for ${DURATION}s"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$base/open311/v2/requests/$id.json" >"$OUT/$name-get.txt"
  say "== $name: GET services.json for ${DURATION}s"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$base/open311/v2/services.json" >"$OUT/$name-services.txt"
  kill "$server"; wait "$server" 2>/dev/null || true
  for kind in post get services; do
    read -r rps p99 bad < <(summarise "$OUT/$name-$kind.txt")
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$kind" "$rps" "$p99" "$bad"
  done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
results="$OUT/results.tsv"
printf 'backend\tcase\trequests_per_s\tp99_ms\tnon_2xx\n' >"$results"
bench_backend sqlite "sqlite://$tmp/bench.db" >>"$results"

pg="${TRYGG_BENCH_POSTGRES_URL:-}"
if [ -z "$pg" ] && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS trygg_bench" >/dev/null
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE trygg_bench" >/dev/null
  pg="postgres://postgres@127.0.0.1:5432/trygg_bench"
fi
if [ -n "$pg" ]; then
  bench_backend postgres "$pg" >>"$results"
else
  say "no PostgreSQL: set TRYGG_BENCH_POSTGRES_URL to include it"
fi

say ""
say "date: $(date -u '+%Y-%m-%d %H:%M UTC'); cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -F'\t' 'NR == 1 {print; next}
  { target = ($2 == "post") ? 1000 : 5000; ratio = $3 / target;
    printf "%s\t%s\t%s\t%s\t%s\tratio to target %.2f, p99 %s\n", $1, $2, $3, $4, $5, ratio, ($4 < 50 ? "ok" : "over 50 ms") }' \
  "$results"
