#!/usr/bin/env bash
# Before/after of one change on the lists phase, alternated on this machine so both builds meet the same noise:
#   bench/lists-ab.sh BEFORE.dll AFTER.dll [rounds]     (default 2 rounds; build the "before" commit aside)
# A runtime setting is compared on one build with BEFORE_ENV / AFTER_ENV, as in bench/warm-ab.sh:
#   AFTER_ENV="DOTNET_TieredPGO=0" bench/lists-ab.sh X.dll X.dll
# Each round, for each build on a fresh server and SQLite file: the lists phase of ChatKit.Bench (seeding 10,000 threads
# from 32 clients on the fresh server, then threads.list and items.list from 16 clients for 10 s each), and the server's
# CPU per list request: `perf stat -e task-clock` on the server for 6 s inside each list run (needs perf; without it
# only the rates are printed).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=5089
# shellcheck source=bench/ab-server.sh
source bench/ab-server.sh "$@"
until_printed() { until grep -q "$1" "$WORK/lists.out"; do sleep 0.2; done; }
cpu_ms() { # milliseconds of server CPU over 6 s, or nothing without perf
  command -v perf >/dev/null && perf stat -x, -e task-clock -p "$PID" -- sleep 6 2>&1 | awk -F, '/task-clock/ {print $1}' || true
}
per_request() { [ -n "$1" ] && awk -v ms="$1" -v rps="$2" 'BEGIN {printf ", %.0f µs CPU each", ms * 1000 / (rps * 6)}' || true; }
figure() { grep -E "^ *chatkit +$1 " "$WORK/lists.out" | awk '{printf "%.0f", $3}'; }
for round in $(seq 1 "$ROUNDS"); do
  for label in before after; do
    side "$label"
    start "$dll" "$side"
    : >"$WORK/lists.out"
    dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll run --target chatkit --url "http://127.0.0.1:$PORT" \
      --phase lists --out "$WORK/lists.jsonl" --seconds 10 >"$WORK/lists.out" &
    bench=$!
    until_printed c.seed_threads_per_s; sleep 5 # the long thread's turns, the checks and the list run's 2 s warm-up
    threads_cpu=$(cpu_ms)
    until_printed c.threads_list_rps; sleep 4
    items_cpu=$(cpu_ms)
    wait $bench
    stop
    echo "round $round $label: seeding $(figure c.seed_threads_per_s) threads/s;" \
      "threads.list $(figure c.threads_list_rps) req/s$(per_request "$threads_cpu" "$(figure c.threads_list_rps)");" \
      "items.list $(figure c.items_list_rps) req/s$(per_request "$items_cpu" "$(figure c.items_list_rps)")"
  done
done
