#!/usr/bin/env bash
# Where a turn's time goes in ChatKitServer: server CPU per turn for sequential turns with a 1-chunk
# and a 100-chunk scripted reply (the difference is the per-event cost, the rest the per-turn cost),
# the SQL commands of a thread's first turn and of a later one, and (when dotnet-trace is installed) a sampled profile under load.
#   bench/profile-turn.sh            see bench/README.md, "Profile"
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
PORT=5089
dotnet build src/ChatKitServer -c Release -nologo -v q >/dev/null
start() {
  rm -f "$WORK"/p.db*
  env ASPNETCORE_ENVIRONMENT=Development Assistant__Provider=Scripted Assistant__ScriptPath="$PWD/bench/bench-script.json" \
    RateLimiting__Enabled=false "ConnectionStrings__ChatKit=Data Source=$WORK/p.db" Serilog__MinimumLevel__Default=Warning "$@" \
    dotnet src/ChatKitServer/bin/Release/net10.0/ChatKitServer.dll --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return; sleep 0.5; done
  echo "server did not start" >&2; exit 1
}
trap 'kill $PID 2>/dev/null || true' EXIT
turns() { # count text -> sequential threads.create turns on one keep-alive connection
  python3 - "$1" "$2" "$PORT" <<'PY'
import http.client, json, sys
n, text, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
body = json.dumps({"type": "threads.create", "params": {"input": {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}}})
for _ in range(n):
    c.request("POST", "/chatkit", body, {"content-type": "application/json"}); c.getresponse().read()
PY
}
cpu_ms() { awk '{print ($14+$15)*10}' "/proc/$PID/stat"; }

start
turns 1500 go; sleep 5   # past tiered compilation
for text in seed go; do
  before=$(cpu_ms); turns 500 "$text"; after=$(cpu_ms)
  echo "server CPU per turn, reply '$text': $(( (after - before) / 5 ))0 µs (500 sequential turns)"
done
kill $PID; wait $PID 2>/dev/null || true

start Serilog__MinimumLevel__Override__Microsoft.EntityFrameworkCore.Database.Command=Information \
  Serilog__MinimumLevel__Override__ChatKit.EntityFrameworkCore.PreparedReads=Debug
turns 1 go; sleep 1
sql() { # label -> the commands logged since the last call
  sleep 1
  # EF's commands (the SQL on the line after) and the store's prepared reads (decision 0019; the SQL on the same line)
  echo "SQL commands in $1: $(grep -acE 'Executed DbCommand|Executed prepared read' "$WORK/server.log")"
  { grep -a -A1 'Executed DbCommand' "$WORK/server.log" | grep -aEo '^(SELECT|INSERT|UPDATE|DELETE)[^(]*' | sed 's/^/  /'
    grep -aEo 'Executed prepared read [^:]*: SELECT [^(]*' "$WORK/server.log" | sed 's/^.*: /  (prepared) /'; } || true
  : > "$WORK/server.log"
}
: > "$WORK/server.log"
THREAD=$(python3 - "$PORT" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
body = {"type": "threads.create", "params": {"input": {"content": [{"type": "input_text", "text": "go"}], "attachments": [], "inference_options": {}}}}
c.request("POST", "/chatkit", json.dumps(body), {"content-type": "application/json"}); r = c.getresponse().read()
k = r.find(b'"thread.created"'); j = r.find(b'"id":"', k); print(r[j + 6:r.find(b'"', j + 6)].decode())
PY
)
sql "one turn (the first of its thread, with a title)"
python3 - "$PORT" "$THREAD" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
body = {"type": "threads.add_user_message", "params": {"thread_id": sys.argv[2], "input": {"content": [{"type": "input_text", "text": "go"}], "attachments": [], "inference_options": {}}}}
c.request("POST", "/chatkit", json.dumps(body), {"content-type": "application/json"}); c.getresponse().read()
PY
sql "one turn (a message in that thread)"
kill $PID; wait $PID 2>/dev/null || true

if command -v dotnet-trace >/dev/null || [ -x "$HOME/.dotnet/tools/dotnet-trace" ]; then
  TRACE=$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")
  start
  dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll run --target chatkit --url "http://127.0.0.1:$PORT" \
    --phase events --out "$WORK/r.jsonl" --seconds 10 --warmup 20 >/dev/null &
  BENCH=$!
  sleep 25 # past the cold first run: the profile is of the warm server
  "$TRACE" collect -p "$PID" --profile dotnet-sampled-thread-time --duration 00:00:00:06 -o "$WORK/turns.nettrace" >/dev/null
  echo "Sampled profile under load (inclusive, ChatKit and EF frames): $WORK/turns.nettrace"
  "$TRACE" report "$WORK/turns.nettrace" topN -n 300 --inclusive | grep -E 'ChatKit|EntityFrameworkCore\.|Sqlite' | head -40
  wait "$BENCH"
  kill "$PID"; wait "$PID" 2>/dev/null || true
fi
