#!/usr/bin/env bash
# Before/after of one change, alternated on this machine so both builds meet the same noise:
#   bench/warm-ab.sh BEFORE.dll AFTER.dll [rounds]     (default 2 rounds; build the "before" commit aside, e.g. in a git worktree)
# A runtime setting is compared on one build with BEFORE_ENV / AFTER_ENV, variables set for that side's server only:
#   AFTER_ENV="DOTNET_GCgen0size=0x4000000" bench/warm-ab.sh X.dll X.dll
# Each round, for each build on a fresh server and SQLite file: the events phase of ChatKit.Bench (16 clients,
# 10 s cold, 25 s warm-up, 10 s warm), then the server CPU of 1,000 sequential turns after 3,000 warm-up turns
# (one in five a new thread, the others a message in it), read from /proc/<pid>/stat.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=5088
# shellcheck source=bench/ab-server.sh
source bench/ab-server.sh "$@"
turns() { python3 bench/sequential-turns.py "$1" "$PORT" >/dev/null; } # count -> sequential turns, a new thread every fifth
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
figure() { grep -E "^ *chatkit +$1 " "$WORK/events.out" | awk '{printf "%.0f", $3}'; }
for round in $(seq 1 "$ROUNDS"); do
  for label in before after; do
    side "$label"
    start "$dll" "$side"
    dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll run --target chatkit --url "http://127.0.0.1:$PORT" \
      --phase events --out "$WORK/events.jsonl" --seconds 10 --warmup 25 >"$WORK/events.out"
    stop
    start "$dll" "$side"
    turns 3000; sleep 3
    c0=$(cpu); turns 1000; c1=$(cpu)
    stop
    echo "round $round $label: events/s cold $(figure a.cold_events_per_s), warm $(figure a.events_per_s); server CPU per sequential turn $(( (c1 - c0) * 10 )) µs"
  done
done
