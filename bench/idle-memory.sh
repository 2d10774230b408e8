#!/usr/bin/env bash
# Memory per idle open stream, outside ChatKit.Bench: a fresh server, 64 warm-up streams, then STREAMS (default 2000)
# idle streams (threads.create with the script's `idle` reply, which waits an hour) opened 256 at a time by a raw-socket
# Python client and held; the server's RSS and anonymous RSS before and 5 s after all are open, per stream. The first
# round carries the server's one-time growth too (tier-up of the idle path, the GC growing its heap), so fewer streams
# read higher per stream (500: ~75 KiB, 2,000: ~43 KiB on the machine of bench/README.md). With ROUNDS > 1 the same
# server opens them again after the last round's have closed, in memory it already holds: RSS then grows by 1-11 KiB a
# stream, which is not what a stream costs (its live objects, ~26 KB: dotnet-gcdump) but what the server did not hold yet.
#   bench/idle-memory.sh [SERVER.dll]     (default: the Release build of src/ChatKitServer)
# SERVER_ENV="VAR=value ..." for the server's settings (e.g. DOTNET_GCConserveMemory=9).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=5096
if [ -z "${1:-}" ]; then dotnet build src/ChatKitServer -c Release -nologo -v q >/dev/null; fi
DLL=${1:-src/ChatKitServer/bin/Release/net10.0/ChatKitServer.dll}
STREAMS=${STREAMS:-2000} ROUNDS=${ROUNDS:-1}
# shellcheck source=bench/ab-server.sh
source bench/ab-server.sh "$DLL" "$DLL" "$ROUNDS"
cat >"$WORK/idle.py" <<'PY'
import asyncio, json, sys
n, port, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
body = json.dumps({"type": "threads.create", "params": {"input": {"content": [{"type": "input_text", "text": "idle"}],
                   "attachments": [], "inference_options": {}}}}).encode()
request = b"POST /chatkit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
async def one(gate, opened):
    async with gate:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        seen = b""
        while b"stream_options" not in seen:
            data = await reader.read(65536)
            if not data:
                raise SystemExit("a stream closed before stream_options: " + seen.decode()[:300])
            seen += data
    opened.append(1)
    await asyncio.sleep(hold)
    writer.close()
async def main():
    gate, opened = asyncio.Semaphore(256), []
    streams = [asyncio.create_task(one(gate, opened)) for _ in range(n)]
    while len(opened) < n:
        done = [s for s in streams if s.done() and s.exception()]
        if done:
            raise done[0].exception()
        await asyncio.sleep(0.2)
    print("all open", flush=True)
    await asyncio.gather(*streams)
asyncio.run(main())
PY
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$PID/status"; }
start "$DLL" "${SERVER_ENV:-}"
python3 "$WORK/idle.py" 64 "$PORT" 1 >/dev/null
sleep 3
for round in $(seq 1 "$ROUNDS"); do
  rss0=$(kib VmRSS) anon0=$(kib RssAnon)
  : >"$WORK/idle.out"
  python3 "$WORK/idle.py" "$STREAMS" "$PORT" 15 >"$WORK/idle.out" 2>&1 &
  client=$!
  until grep -q "all open" "$WORK/idle.out"; do
    kill -0 "$client" 2>/dev/null || { cat "$WORK/idle.out" >&2; exit 1; }
    sleep 0.5
  done
  sleep 5
  rss1=$(kib VmRSS) anon1=$(kib RssAnon)
  wait "$client"
  awk -v r="$round" -v n="$STREAMS" -v a="$rss0" -v b="$rss1" -v c="$anon0" -v d="$anon1" 'BEGIN {
    printf "round %d: RSS %d -> %d KiB, %.1f KiB a stream (anonymous %.1f) for %d idle streams\n", r, a, b, (b - a) / n, (d - c) / n, n }'
  sleep 3
done
