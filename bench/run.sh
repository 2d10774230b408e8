#!/usr/bin/env bash
# Runs the load benchmark of bench/README.md: the same scenarios against ChatKitServer, a bare Kestrel
# baseline and the Node peer (chatkit-node-backend-sdk), one server at a time on loopback, each phase on
# a fresh process (and a fresh SQLite file). Writes bench/results/<date>.jsonl and .md.
#   bench/run.sh [targets...]          default: baseline chatkit node; also: python (the official SDK, SQLite store),
#                                      chatkit-pg (ChatKitServer on a PostgreSQL it starts on loopback, a fresh database per phase)
# Environment: SECONDS_PER_RUN (default 10), WARMUP_SECONDS (default 20: load before the warm events/s figure; every target
# gets the same), IDLE_STREAMS (default 5000), PHASES (default "streams lists idle idle-burst"),
# CHATKIT_DLL (another build of ChatKitServer to measure as "chatkit", e.g. an older commit's, for before/after),
# CHATKIT_ENV (variables for the ChatKitServer targets only, e.g. CHATKIT_ENV="DOTNET_gcServer=0", for a runtime setting's before/after),
# PYTHON_PEER (default ../shared/peers/python), PYTHON_PEER_MIRRORS (a folder of bare clones OWNER+NAME/repo, for a
# machine without PyPI: the wheels are packed from them, see that peer's README), PYTHON_PEER_WHEELS (wheels already packed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGETS=("${@:-baseline chatkit node}")
read -r -a TARGETS <<< "${TARGETS[*]}"
PHASES=${PHASES:-streams lists idle idle-burst}
SECS=${SECONDS_PER_RUN:-10}
WARMUP=${WARMUP_SECONDS:-20}
IDLE=${IDLE_STREAMS:-5000}
STAMP=$(date -u +%Y-%m-%dT%H%M)
OUT=$ROOT/bench/results/$STAMP.jsonl
WORK=$(mktemp -d)
SCRIPT=$ROOT/bench/bench-script.json
mkdir -p bench/results
ulimit -n "$(ulimit -Hn)" # 5,000 idle streams need a descriptor each, on both sides

echo "== build"
dotnet build src/ChatKitServer -c Release -nologo -v q
dotnet build bench/ChatKit.Bench -c Release -nologo -v q
dotnet build bench/ChatKit.Bench.Baseline -c Release -nologo -v q
if [[ " ${TARGETS[*]} " == *" node "* ]]; then (cd bench/node-peer && npm ci --no-audit --no-fund --loglevel=error); fi
PYTHON_PEER=${PYTHON_PEER:-$ROOT/../shared/peers/python}
if [[ " ${TARGETS[*]} " == *" python "* ]]; then
  [ -x "$PYTHON_PEER/run.sh" ] || { echo "no Python peer at $PYTHON_PEER (set PYTHON_PEER)" >&2; exit 2; }
  if [ -n "${PYTHON_PEER_MIRRORS:-}" ] && [ -z "${PYTHON_PEER_WHEELS:-}" ]; then
    PYTHON_PEER_WHEELS=$WORK/wheels
    python3 "$PYTHON_PEER/wheels_from_source.py" --mirror-root "$PYTHON_PEER_MIRRORS" --out "$PYTHON_PEER_WHEELS"
  fi
  "$PYTHON_PEER/run.sh" --install-only ${PYTHON_PEER_WHEELS:+--wheels "$PYTHON_PEER_WHEELS"}
fi

start() { # target port -> sets PID
  case $1 in
    baseline) dotnet bench/ChatKit.Bench.Baseline/bin/Release/net10.0/ChatKit.Bench.Baseline.dll --port "$2" --script "$SCRIPT" >"$WORK/$1.log" 2>&1 & ;;
    chatkit)
      rm -f "$WORK"/chatkit.db*
      # shellcheck disable=SC2086 # CHATKIT_ENV's variables are words on purpose
      env ${CHATKIT_ENV:-} ASPNETCORE_ENVIRONMENT=Development Assistant__Provider=Scripted Assistant__ScriptPath="$SCRIPT" \
        RateLimiting__Enabled=false "ConnectionStrings__ChatKit=Data Source=$WORK/chatkit.db" \
        Serilog__MinimumLevel__Default=Warning \
        dotnet "${CHATKIT_DLL:-src/ChatKitServer/bin/Release/net10.0/ChatKitServer.dll}" --urls "http://127.0.0.1:$2" >"$WORK/$1.log" 2>&1 & ;;
    chatkit-pg)
      PG_DB=$((PG_DB + 1))
      psql -h 127.0.0.1 -p "$PG_PORT" -U chatkit -d postgres -qc "CREATE DATABASE bench_$PG_DB"
      # shellcheck disable=SC2086 # CHATKIT_ENV's variables are words on purpose
      env ${CHATKIT_ENV:-} ASPNETCORE_ENVIRONMENT=Development Assistant__Provider=Scripted Assistant__ScriptPath="$SCRIPT" \
        RateLimiting__Enabled=false Database__Provider=PostgreSql \
        "ConnectionStrings__ChatKit=Host=127.0.0.1;Port=$PG_PORT;Username=chatkit;Database=bench_$PG_DB;Maximum Pool Size=200" \
        Serilog__MinimumLevel__Default=Warning \
        dotnet "${CHATKIT_DLL:-src/ChatKitServer/bin/Release/net10.0/ChatKitServer.dll}" --urls "http://127.0.0.1:$2" >"$WORK/$1.log" 2>&1 & ;;
    node) node bench/node-peer/server.mjs --port "$2" --script "$SCRIPT" >"$WORK/$1.log" 2>&1 & ;;
    python)
      rm -f "$WORK"/python.db*
      "$PYTHON_PEER/run.sh" --port "$2" --script "$SCRIPT" --store sqlite --db "$WORK/python.db" >"$WORK/$1.log" 2>&1 & ;;
    *) echo "unknown target $1" >&2; exit 2 ;;
  esac
  PID=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$2/health" >/dev/null && return 0
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/$1.log"; echo "$1 did not start" >&2; exit 1; }
    sleep 0.5
  done
  echo "$1 did not answer /health" >&2; exit 1
}

if [[ " ${TARGETS[*]} " == *" chatkit-pg "* ]]; then
  # PostgreSQL 15 from Debian's postgresql package, in the work folder, trusted on loopback only.
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$PG_BIN" ] || { echo "chatkit-pg needs PostgreSQL (apt-get install postgresql)" >&2; exit 2; }
  as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  PG_PORT=5486
  mkdir -p "$WORK/pg" "$WORK/pg-socket"
  if [ "$(id -u)" = 0 ]; then chmod 755 "$WORK"; chown postgres:postgres "$WORK/pg" "$WORK/pg-socket"; fi
  as_postgres "$PG_BIN/initdb" -D "$WORK/pg" -U chatkit --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w start \
    -o "-p $PG_PORT -k $WORK/pg-socket -c listen_addresses=127.0.0.1 -c max_connections=500" >/dev/null
  PG_DB=0
fi

stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
cleanup() {
  stop
  if [ -n "${PG_BIN:-}" ] && [ -f "$WORK/pg/postmaster.pid" ]; then as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1 || true; fi
}
trap 'cleanup' EXIT

for target in "${TARGETS[@]}"; do
  for phase in $PHASES; do
    start "$target" 5085
    dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll run --target "$target" --url http://127.0.0.1:5085 \
      --phase "$phase" --out "$OUT" --pid "$PID" --seconds "$SECS" --warmup "$WARMUP" --idle-streams "$IDLE" \
      || { echo "== $target $phase failed; server log:"; tail -50 "$WORK/$target.log"; exit 1; }
    stop
  done
done

{
  echo "Run $STAMP UTC on $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), .NET $(dotnet --version), Node $(node --version 2>/dev/null || echo n/a)."
  echo
  dotnet bench/ChatKit.Bench/bin/Release/net10.0/ChatKit.Bench.dll report --in "$OUT"
} > "${OUT%.jsonl}.md"
cat "${OUT%.jsonl}.md"
