#!/usr/bin/env bash
# The garbage collector's pauses while a server meets the first-event latency load (64 paced streams, or CONCURRENCY, after a 20 s warm-up):
#   bench/gc-pauses.sh [SERVER.dll]     (default: the Release build of src/ChatKitServer; SERVER_ENV="VAR=value ..." for its settings)
# Prints the bench's p50/p99 at 64 streams and each collection of the measured 10 s (ChatKit.GcPauses): how long the
# process was paused, and how much each kind of root promoted. Needs dotnet-trace (dotnet tool install -g dotnet-trace).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=5088
TRACE=${DOTNET_TRACE:-$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")}
[ -x "$TRACE" ] || { echo "dotnet-trace is not installed: dotnet tool install -g dotnet-trace" >&2; exit 1; }
if [ -z "${1:-}" ]; then dotnet build src/ChatKitServer -c Release -nologo -v q >/dev/null; fi
DLL=${1:-src/ChatKitServer/bin/Release/net10.0/ChatKitServer.dll}
# shellcheck source=bench/ab-server.sh
source bench/ab-server.sh "$DLL" "$DLL" 1
dotnet build bench/ChatKit.GcPauses -c Release -nologo -v q >/dev/null
start "$DLL" "${SERVER_ENV:-}"
dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll run --target chatkit --url "http://127.0.0.1:$PORT" \
  --phase latency --concurrency "${CONCURRENCY:-64}" --out "$WORK/latency.jsonl" --seconds 10 --warmup 20 >"$WORK/latency.out" &
bench=$!
sleep 23 # the warm-up and the phase's own 2 s before it measures
"$TRACE" collect -p "$PID" --providers "Microsoft-Windows-DotNETRuntime:0x1:5" --duration 00:00:00:09 -o "$WORK/gc.nettrace" >/dev/null
wait $bench
grep -E "b\.first_event" "$WORK/latency.out"
dotnet bench/ChatKit.GcPauses/bin/Release/net10.0/ChatKit.GcPauses.dll "$WORK/gc.nettrace"
