#!/usr/bin/env bash
# Before/after of one change on threads.get_by_id (what the web component asks for when a thread is opened), alternated:
#   bench/get-by-id-ab.sh BEFORE.dll AFTER.dll [rounds]     (BEFORE_ENV / AFTER_ENV as in bench/warm-ab.sh)
# Each round, for each build on a fresh server and SQLite file: a thread of 31 one-delta turns (62 items; get_by_id shows the
# first 20), then 16 keep-alive connections sending threads.get_by_id back to back for 4 s of warm-up and 8 s measured;
# prints requests per second and the server's CPU per request (/proc/<pid>/stat). The client is Python (asyncio).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=5087
# shellcheck source=bench/ab-server.sh
source bench/ab-server.sh "$@"
load() { # pid -> "N req/s, M µs server CPU per get_by_id"
  python3 - "$PORT" "$1" <<'PY'
import asyncio, json, os, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def request(body):
    data = json.dumps(body).encode()
    return b"POST /chatkit HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(data) + data
async def call(reader, writer, payload):
    writer.write(payload); await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).lower()
    if b"transfer-encoding: chunked" in head:
        body = b""
        while (size := int((await reader.readuntil(b"\r\n")).strip(), 16)) != 0:
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")
        return body
    length = int(head.split(b"content-length:")[1].split(b"\r\n")[0])
    return await reader.readexactly(length)
def cpu():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
async def main():
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    text = {"content": [{"type": "input_text", "text": "seed"}], "attachments": [], "inference_options": {}}
    created = (await call(reader, writer, request({"type": "threads.create", "params": {"input": text}}))).decode()
    thread = json.loads(created.split("data: ", 2)[1].split("\n")[0])["thread"]["id"]
    for _ in range(30):
        await call(reader, writer, request({"type": "threads.add_user_message", "params": {"thread_id": thread, "input": text}}))
    payload = request({"type": "threads.get_by_id", "params": {"thread_id": thread}})
    done, running = 0, True
    async def worker():
        nonlocal done
        r, w = await asyncio.open_connection("127.0.0.1", port)
        while running:
            await call(r, w, payload); done += 1
    workers = [asyncio.create_task(worker()) for _ in range(16)]
    await asyncio.sleep(4)
    count, ticks, started = done, cpu(), time.time()
    await asyncio.sleep(8)
    count, ticks, elapsed = done - count, cpu() - ticks, time.time() - started
    running = False
    print(f"{count / elapsed:.0f} req/s, {ticks / os.sysconf('SC_CLK_TCK') / count * 1e6:.0f} µs server CPU per get_by_id")
    os._exit(0)
asyncio.run(main())
PY
}
for round in $(seq 1 "$ROUNDS"); do
  for label in before after; do
    side "$label"
    start "$dll" "$side"
    echo "round $round $label: $(load "$PID")"
    stop
  done
done
