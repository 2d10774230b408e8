#!/usr/bin/env bash
# How long a server takes to start: the build output (dotnet build, what `dotnet run` starts) against the published
# server (dotnet publish -r linux-x64, precompiled with ReadyToRun), alternated on this machine:
#   bench/startup.sh [ROUNDS]     (default 3)
# Each round starts each side twice, on a new SQLite file (migrations run, a Data Protection key is made) and again on
# that file, and prints the milliseconds from starting the process to /health/live answering and to /health/ready.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
PORT=5087
WORK=$(mktemp -d)
trap 'pkill -f "urls http://127.0.0.1:$PORT" 2>/dev/null || true; rm -rf "$WORK"' EXIT
dotnet build src/ChatKitServer -c Release -nologo -v q -o "$WORK/build" >/dev/null
dotnet publish src/ChatKitServer -c Release -r linux-x64 --self-contained false -nologo -v q -o "$WORK/published" >/dev/null
millis() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
start() { # dll database
  local began
  began=$(date +%s%N)
  (cd "$WORK" && exec env ASPNETCORE_ENVIRONMENT=Development "ConnectionStrings__ChatKit=Data Source=$2" dotnet "$1" \
    --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1) &
  local pid=$!
  until curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "the server exited; its log:" >&2; cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.01
  done
  local live
  live=$(millis "$began")
  until curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null; do sleep 0.01; done
  echo "live $live ms, ready $(millis "$began") ms"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
for round in $(seq 1 "$ROUNDS"); do
  for side in build published; do
    db="$WORK/$side-$round.db"
    echo "round $round $side, new database: $(start "$WORK/$side/ChatKitServer.dll" "$db")"
    echo "round $round $side, same database: $(start "$WORK/$side/ChatKitServer.dll" "$db")"
  done
done
echo "$(nproc) cores, .NET $(dotnet --version), commit $(git rev-parse --short HEAD)"
