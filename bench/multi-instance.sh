#!/usr/bin/env bash
# Load across instances (issue 17): starts PostgreSQL, Redis, Azurite, three ChatKitServer instances (each in a
# folder and HOME of its own) and nginx in front of them, all on loopback; runs bench/ChatKit.LoadTest through
# nginx and restarts one instance (SIGTERM, then started again on its port) while the load runs. The load tool
# recovers failed turns as a careful client would (--retries: read the thread back, then send the message
# again or ask for the answer again) and then reads every thread back through nginx and checks that no item
# was lost, duplicated or reordered and that no stray thread exists.
#   bench/multi-instance.sh
# Environment: CONVERSATIONS (default 500), TURNS (5), RESTART_AFTER (seconds into the load, default 10),
# RESTARTED (which instance, 0-2, default 1), RETRIES (per failed turn, default 3), SHUTDOWN_GRACE (the
# instances' ChatKit:ShutdownGraceSeconds, default 25: an orchestrator's usual 30 s termination grace, less
# a margin), KEEP=1 keeps the work folder (logs) for reading. Any other setting of the instances can be
# given as an environment variable (e.g. Database__MaxRetryCount=0).
# DATABASE=sqlite runs the instances on one SQLite file instead (one machine: the lock file next to it keeps turns
# apart across the processes, docs/decisions/0008-turn-lock.md); the default is postgresql.
# Needs: Debian's postgresql (unless DATABASE=sqlite), redis-server and nginx; Node.js (Azurite is installed from tools/azurite).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CONVERSATIONS=${CONVERSATIONS:-500}
TURNS=${TURNS:-5}
RESTART_AFTER=${RESTART_AFTER:-10}
RESTARTED=${RESTARTED:-1}
RETRIES=${RETRIES:-3}
DATABASE=${DATABASE:-postgresql}
case "$DATABASE" in postgresql|sqlite) ;; *) echo "DATABASE must be postgresql or sqlite, not $DATABASE" >&2; exit 2;; esac
INSTANCES=3
WORK=$(mktemp -d /tmp/chatkit-multi.XXXXXX)
chmod 755 "$WORK"
ulimit -n "$(ulimit -Hn)"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # url name pid
  for _ in $(seq 1 240); do
    curl -sf "$1" >/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "$2 exited during start; its log:" >&2; tail -40 "$WORK/$2.log" >&2; exit 1; }
    sleep 0.25
  done
  echo "$2 did not answer $1" >&2; exit 1
}

PIDS=()
declare -a INSTANCE_PIDS=()
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for pid in "${INSTANCE_PIDS[@]}" "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "${NGINX_PID:-}" ] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -f "$WORK/pg/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

echo "== build"
dotnet build src/ChatKitServer -c Release -nologo -v q
dotnet build bench/ChatKit.LoadTest -c Release -nologo -v q
[ -x tools/azurite/node_modules/.bin/azurite-blob ] || npm ci --prefix tools/azurite --no-audit --no-fund --loglevel=error

if [ "$DATABASE" = postgresql ]; then
  echo "== PostgreSQL ($PG_BIN), Redis, Azurite"
  PG_PORT=$(free_port)
  mkdir -p "$WORK/pg-socket" "$WORK/pg"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$WORK/pg-socket" "$WORK/pg"; fi
  as_postgres "$PG_BIN/initdb" -D "$WORK/pg" -U chatkit --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w start \
    -o "-p $PG_PORT -k $WORK/pg-socket -c listen_addresses=127.0.0.1 -c max_connections=1000" >/dev/null
  psql -h 127.0.0.1 -p "$PG_PORT" -U chatkit -d postgres -qc 'CREATE DATABASE chatkit'
else
  echo "== one SQLite file ($WORK/chatkit.db), Redis, Azurite"
fi

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
AZURITE_PORT=$(free_port)
tools/azurite/node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort "$AZURITE_PORT" --location "$WORK/azurite" \
  --skipApiVersionCheck --loose --silent >"$WORK/azurite.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$AZURITE_PORT") 2>/dev/null && break; sleep 0.1; done

# The same settings on every instance (README, "Running several instances").
export ASPNETCORE_ENVIRONMENT=Development Serilog__MinimumLevel__Default=Warning RateLimiting__Enabled=false
export Assistant__Provider=Scripted Assistant__ScriptPath="$ROOT/bench/load-script.json"
if [ "$DATABASE" = postgresql ]; then
  export Database__Provider=PostgreSql ConnectionStrings__ChatKit="Host=127.0.0.1;Port=$PG_PORT;Database=chatkit;Username=chatkit;Maximum Pool Size=200"
else
  export Database__Provider=Sqlite ConnectionStrings__ChatKit="Data Source=$WORK/chatkit.db"
fi
export Redis__ConnectionString="127.0.0.1:$REDIS_PORT"
export Attachments__Storage=AzureBlob Attachments__AzureBlob__Container=chatkit-attachments
export Attachments__AzureBlob__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$AZURITE_PORT/devstoreaccount1;"
export ChatKit__TrustedProxies__0=127.0.0.1 ChatKit__ShutdownGraceSeconds=${SHUTDOWN_GRACE:-25}

PORTS=()
for i in $(seq 0 $((INSTANCES - 1))); do PORTS+=("$(free_port)"); done
start_instance() { # index
  local home=$WORK/host$1
  mkdir -p "$home"
  (cd "$home" && HOME=$home exec dotnet "$ROOT/src/ChatKitServer/bin/Release/net10.0/ChatKitServer.dll" --urls "http://127.0.0.1:${PORTS[$1]}") \
    >>"$WORK/host$1.log" 2>&1 &
  INSTANCE_PIDS[$1]=$!
}
echo "== $INSTANCES instances on ports ${PORTS[*]}"
for i in $(seq 0 $((INSTANCES - 1))); do start_instance "$i"; done
for i in $(seq 0 $((INSTANCES - 1))); do wait_http "http://127.0.0.1:${PORTS[$i]}/health/ready" "host$i" "${INSTANCE_PIDS[$i]}"; done

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
{
  echo "daemon off; worker_processes 1; pid $WORK/nginx/nginx.pid; error_log $WORK/nginx/error.log warn;"
  echo "events { worker_connections 4096; }"
  echo "http {"
  echo "  log_format upstream '\$upstream_addr \$status'; access_log $WORK/nginx/access.log upstream;"
  for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $WORK/nginx/$t;"; done
  echo "  upstream chatkit {"
  for p in "${PORTS[@]}"; do echo "    server 127.0.0.1:$p max_fails=1 fail_timeout=2s;"; done
  echo "  }"
  cat <<'EOF'
  server {
    listen 127.0.0.1:NGINX_PORT;
    client_max_body_size 21m;
    location / {
      proxy_pass http://chatkit;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
  }
}
EOF
} | sed "s/NGINX_PORT/$NGINX_PORT/" >"$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf" -p "$WORK/nginx/" -e "$WORK/nginx/error.log" &
NGINX_PID=$!
wait_http "http://127.0.0.1:$NGINX_PORT/health/live" nginx "$NGINX_PID"

echo "== load: $CONVERSATIONS conversations × $TURNS turns through nginx (127.0.0.1:$NGINX_PORT), $RETRIES retries per failed turn; instance $RESTARTED restarts after ${RESTART_AFTER}s (shutdown grace ${ChatKit__ShutdownGraceSeconds}s)"
dotnet bench/ChatKit.LoadTest/bin/Release/net10.0/ChatKit.LoadTest.dll --url "http://127.0.0.1:$NGINX_PORT" \
  --conversations "$CONVERSATIONS" --turns "$TURNS" --retries "$RETRIES" >"$WORK/load.out" 2>"$WORK/load.err" &
LOAD_PID=$!
sleep "$RESTART_AFTER"
kill -0 "$LOAD_PID" 2>/dev/null || { echo "the load ended before the restart: raise CONVERSATIONS or lower RESTART_AFTER" >&2; cat "$WORK/load.out" "$WORK/load.err"; exit 1; }
stopping=$(date +%s.%N)
kill -TERM "${INSTANCE_PIDS[$RESTARTED]}"
wait "${INSTANCE_PIDS[$RESTARTED]}" || true
stopped=$(date +%s.%N)
start_instance "$RESTARTED"
wait_http "http://127.0.0.1:${PORTS[$RESTARTED]}/health/ready" "host$RESTARTED" "${INSTANCE_PIDS[$RESTARTED]}"
ready=$(date +%s.%N)
if kill -0 "$LOAD_PID" 2>/dev/null; then during="yes"; else during="NO (the load had ended)"; fi
status=0
wait "$LOAD_PID" || status=$?

echo "== result"
printf 'instance %s: SIGTERM at +%ss, exited %.1fs later, ready again %.1fs after that; load still running when it was back: %s\n' \
  "$RESTARTED" "$RESTART_AFTER" "$(awk "BEGIN{print $stopped - $stopping}")" "$(awk "BEGIN{print $ready - $stopped}")" "$during"
echo "requests per instance (nginx access log: upstream, status):"
sort "$WORK/nginx/access.log" | uniq -c | sort -k2
echo "| date | conversations × turns | turns | errors | first event p50 | first event p99 | wall time | items found / expected | server memory |"
cat "$WORK/load.out"
[ -s "$WORK/load.err" ] && { echo "load tool errors (first 20):"; head -20 "$WORK/load.err"; }
echo "errors logged by the instances: $(cat "$WORK"/host*.log | grep -c -E 'ERR\]|FTL\]' || true)"
cat "$WORK"/host*.log | grep -E 'ERR\]|FTL\]' | head -5 || true
if [ "$DATABASE" = postgresql ]; then database="PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"; else database="one SQLite file"; fi
echo "$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), .NET $(dotnet --version), $database, nginx $(nginx -v 2>&1 | cut -d/ -f2), commit $(git rev-parse --short HEAD)"
exit "$status"
