#!/usr/bin/env bash
# What a warm server's seeding turn costs in system calls and in WAL frames: the lists phase's seeding (threads.create
# from 32 clients) twice on one server, and during the second, for 3 s, the server's system calls per turn (perf's
# syscall tracepoints; skipped without perf) and three copies of the WAL file, read for frames per commit.
#   bench/seeding-io.sh [SERVER.dll]     (default: the Release build of src/ChatKitServer)
# ROUNDS (default 1) fresh servers; SERVER_ENV="VAR=value ..." for the server's settings.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=5097
if [ -z "${1:-}" ]; then dotnet build src/ChatKitServer -c Release -nologo -v q >/dev/null; fi
DLL=${1:-src/ChatKitServer/bin/Release/net10.0/ChatKitServer.dll}
# shellcheck source=bench/ab-server.sh
source bench/ab-server.sh "$DLL" "$DLL" "${ROUNDS:-1}"
CALLS=sendto,recvfrom,read,write,pwrite64,pread64,fcntl,futex,sched_yield,epoll_wait,fsync,fdatasync
EVENTS=$(echo "$CALLS" | tr ',' '\n' | sed 's/^/syscalls:sys_enter_/' | paste -sd,),context-switches
threads() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from chatkit_threads').fetchone()[0])" "$WORK/ab.db"; }
for round in $(seq 1 "$ROUNDS"); do
  start "$DLL" "${SERVER_ENV:-}"
  for run in 1 2; do
    dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll run --target chatkit --url "http://127.0.0.1:$PORT" \
      --phase lists --out "$WORK/lists.jsonl" --seconds 2 >"$WORK/lists$run.out" &
    bench=$!
    if [ "$run" = 2 ]; then
      sleep 1.5 # inside the seeding (10,000 turns, several seconds on a warm server)
      before=$(threads)
      if command -v perf >/dev/null; then
        perf stat -x, -e "$EVENTS" -p "$PID" -o "$WORK/stat.txt" -- sleep 3 &
        stat=$!
      else
        sleep 3 & stat=$!
      fi
      for copy in 1 2 3; do sleep 0.8; cp "$WORK/ab.db-wal" "$WORK/wal$copy"; done
      wait $stat
      turns=$(( $(threads) - before ))
    fi
    wait $bench
  done
  stop
  echo "round $round: seeding cold $(grep -E 'c\.seed_threads_per_s' "$WORK/lists1.out" | awk '{printf "%.0f", $3}')," \
    "warm $(grep -E 'c\.seed_threads_per_s' "$WORK/lists2.out" | awk '{printf "%.0f", $3}') threads/s; $turns turns in the 3 s measured"
  [ -s "$WORK/stat.txt" ] && awk -F, -v n="$turns" 'NF > 2 && $1 ~ /^[0-9]+$/ { sub("syscalls:sys_enter_", "", $3); printf "  %-18s %6.2f a turn\n", $3, $1 / n }' "$WORK/stat.txt"
  python3 - "$WORK"/wal1 "$WORK"/wal2 "$WORK"/wal3 <<'PY'
import struct, sys
# A WAL file: a 32-byte header (page size at 8, salts at 16), then frames of a 24-byte header (page number, database size
# after a commit or 0, salts) and a page. Frames whose salts differ from the header's are left over from before a restart.
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    if len(data) < 32:
        print(f"  {path}: empty"); continue
    page_size, salts = struct.unpack(">I", data[8:12])[0], data[16:24]
    frames = commits = 0; pages = set(); offset = 32
    while offset + 24 + page_size <= len(data) and data[offset + 8:offset + 16] == salts:
        page, size = struct.unpack(">II", data[offset:offset + 8])
        frames += 1; pages.add(page); commits += size != 0; offset += 24 + page_size
    print(f"  WAL copy: {frames} frames, {commits} commits, {frames / max(commits, 1):.1f} frames a commit, {len(pages)} pages")
PY
done
