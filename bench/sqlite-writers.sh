#!/usr/bin/env bash
# Several processes writing to one SQLite file through the store (several instances on one machine, README "Databases"):
#   bench/sqlite-writers.sh [PROCESSES] [WRITES] [PER_SECOND]      (defaults 2, 1500, 150: 10 s of writes in each process)
# Each process (bench/ChatKit.SqliteWriters) adds messages to a thread of its own at a steady rate and prints the latency of
# its writes. Within a process the write gate keeps writers apart; across processes they meet in SQLite's write lock.
# For a before/after, run it at each commit (the tool builds against the checked-out store).
set -euo pipefail
cd "$(dirname "$0")/.."
PROCESSES=${1:-2}; WRITES=${2:-1500}; PER_SECOND=${3:-150}
dotnet build bench/ChatKit.SqliteWriters -c Release -nologo -v q >/dev/null
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pids=()
for i in $(seq 1 "$PROCESSES"); do
  mkfifo "$WORK/go$i"
  dotnet bench/ChatKit.SqliteWriters/bin/Release/net10.0/ChatKit.SqliteWriters.dll "$WORK/chatkit.db" "$WRITES" "$PER_SECOND" \
    <"$WORK/go$i" >"$WORK/out$i" 2>&1 &
  pids+=($!)
  exec {fd}>"$WORK/go$i"; fds+=("$fd")
  sleep 1 # one migrates the file before the next opens it
done
sleep 3 # each has its thread
for fd in "${fds[@]}"; do echo go >&"$fd"; done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
cat "$WORK"/out*
echo "$PROCESSES processes, $WRITES writes each at $PER_SECOND/s, commit $(git rev-parse --short HEAD)"
exit "$status"
