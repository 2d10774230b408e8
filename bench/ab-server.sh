# Sourced by bench/warm-ab.sh and bench/lists-ab.sh (after they set PORT): the arguments, a work folder, the
# benchmark client built, and start/stop of one side's server on a fresh SQLite file.
BEFORE=$1 AFTER=$2 ROUNDS=${3:-2}
WORK=$(mktemp -d)
dotnet build bench/ChatKit.Bench -c Release -nologo -v q >/dev/null
start() { # dll, side's variables
  rm -f "$WORK"/ab.db*
  # shellcheck disable=SC2086 # the side's variables are words on purpose
  env $2 ASPNETCORE_ENVIRONMENT=Development Assistant__Provider=Scripted Assistant__ScriptPath="$PWD/bench/bench-script.json" \
    RateLimiting__Enabled=false "ConnectionStrings__ChatKit=Data Source=$WORK/ab.db" Serilog__MinimumLevel__Default=Warning \
    dotnet "$1" --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return; sleep 0.5; done
  echo "server did not start" >&2; exit 1
}
stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
trap stop EXIT
side() { # label -> sets dll and side (its variables) for "before" or "after"
  dll=$BEFORE side=${BEFORE_ENV:-}
  if [ "$1" = after ]; then dll=$AFTER side=${AFTER_ENV:-}; fi
}
