#!/usr/bin/env bash
# Seeding (10,000 threads.create turns from 32 clients) on a fresh server, then again on the same, now warm, server:
# how much of the seeding figure is the cold start (tiered compilation) rather than the work of a turn.
#   bench/seeding-cold-warm.sh [SERVER.dll]     (default: the Release build of src/ChatKitServer)
# SERVER_ENV="VAR=value ..." for the server's settings (e.g. DOTNET_TieredPGO=0); ROUNDS (default 1) fresh servers.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=5092
if [ -z "${1:-}" ]; then dotnet build src/ChatKitServer -c Release -nologo -v q >/dev/null; fi
DLL=${1:-src/ChatKitServer/bin/Release/net10.0/ChatKitServer.dll}
# shellcheck source=bench/ab-server.sh
source bench/ab-server.sh "$DLL" "$DLL" "${ROUNDS:-1}"
seed() { # the lists phase (short list runs); prints its seeding figure
  dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll run --target chatkit --url "http://127.0.0.1:$PORT" \
    --phase lists --out "$WORK/lists.jsonl" --seconds 3 >"$WORK/lists.out"
  grep -E "c\.seed_threads_per_s" "$WORK/lists.out" | awk '{printf "%.0f", $3}'
}
for round in $(seq 1 "$ROUNDS"); do
  start "$DLL" "${SERVER_ENV:-}"
  cold=$(seed)
  warm=$(seed)
  stop
  echo "round $round: seeding cold $cold threads/s, warm (same server, second time) $warm threads/s"
done
