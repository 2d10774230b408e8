#!/usr/bin/env bash
# The first-event latency phase alone, on a fresh server and SQLite file: a 20 s warm-up, then CONCURRENCY paced streams
# for 10 s; prints the bench's p50/p99 and the server's CPU (clock ticks) over 8 of the measured seconds.
#   bench/latency-alone.sh [SERVER.dll]     (default: the Release build of src/ChatKitServer)
# SERVER_ENV="VAR=value ..." for the server's settings; CONCURRENCY (default 64); PERF=1 records `perf record -g` of the
# server over those 8 s into PERF_OUT (default: the work folder; printed), with the runtime's perf map for managed frames.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=5091
if [ -z "${1:-}" ]; then dotnet build src/ChatKitServer -c Release -nologo -v q >/dev/null; fi
DLL=${1:-src/ChatKitServer/bin/Release/net10.0/ChatKitServer.dll}
# shellcheck source=bench/ab-server.sh
source bench/ab-server.sh "$DLL" "$DLL" 1
PERF_ENV=""
if [ "${PERF:-0}" = 1 ]; then PERF_ENV="DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0"; fi
start "$DLL" "${SERVER_ENV:-} $PERF_ENV"
dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll run --target chatkit --url "http://127.0.0.1:$PORT" \
  --phase latency --concurrency "${CONCURRENCY:-64}" --out "$WORK/latency.jsonl" --seconds 10 --warmup 20 >"$WORK/latency.out" &
bench=$!
sleep 23 # the warm-up and the phase's own 2 s before it measures
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
t0=$(ticks)
if [ "${PERF:-0}" = 1 ]; then
  perf record -F 999 -g -p "$PID" -o "${PERF_OUT:-$WORK}/perf.data" -- sleep 8 >/dev/null 2>&1
  echo "perf data: ${PERF_OUT:-$WORK}/perf.data (perf report -i ... --no-children --sort sym)"
else
  sleep 8
fi
t1=$(ticks)
wait $bench
echo "$(grep -E "b\.first_event" "$WORK/latency.out" | awk '{printf "%s %s ms; ", $2, $3}')server CPU $((t1 - t0)) ticks in 8 s"
