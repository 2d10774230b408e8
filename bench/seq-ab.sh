#!/usr/bin/env bash
# Before/after of one change on two warm servers side by side, for changes to the cost of one turn:
#   bench/seq-ab.sh BEFORE.dll AFTER.dll [rounds]     (default 4 rounds; TURNS per round, default 2000; TEXT the reply, default seed;
#   NEW_EVERY=1 makes every turn a new thread, see bench/sequential-turns.py)
# A runtime setting is compared on one build with BEFORE_ENV / AFTER_ENV (as in warm-ab.sh).
# Both servers start at once (each on a fresh SQLite file) and are warmed with 3,000 sequential turns each. Then, round by
# round, TURNS sequential turns on one keep-alive connection (a new thread every fifth) go to one server while the other
# idles, then the same to the other: both sides meet the same moments of this machine's noise, and neither pays for a
# cold start. Per side and round: wall time per turn, the server's CPU per turn (/proc/<pid>/stat) and its voluntary
# context switches per turn (/proc/<pid>/task/*/status: threads going to sleep, a measure of hand-offs between threads).
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=$1 AFTER=$2 ROUNDS=${3:-4}
TURNS=${TURNS:-2000}
WORK=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
start() { # dll, label, side's variables, port -> PID
  # shellcheck disable=SC2086 # the side's variables are words on purpose
  env $3 ASPNETCORE_ENVIRONMENT=Development Assistant__Provider=Scripted Assistant__ScriptPath="$PWD/bench/bench-script.json" \
    RateLimiting__Enabled=false "ConnectionStrings__ChatKit=Data Source=$WORK/$2.db" Serilog__MinimumLevel__Default=Warning \
    dotnet "$1" --urls "http://127.0.0.1:$4" >"$WORK/$2.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$4/health" >/dev/null && return; sleep 0.5; done
  echo "the $2 server did not start" >&2; exit 1
}
turns() { python3 bench/sequential-turns.py "$1" "$2" "${TEXT:-seed}"; } # count port -> wall µs per turn
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s }'; }

start "$BEFORE" before "${BEFORE_ENV:-}" 5111; PID_BEFORE=$PID
start "$AFTER" after "${AFTER_ENV:-}" 5112; PID_AFTER=$PID
turns 3000 5111 >/dev/null; turns 3000 5112 >/dev/null
sleep 5 # the tiered JIT finishes compiling what the warm-up made hot
for round in $(seq 1 "$ROUNDS"); do
  for label in before after; do
    if [ "$label" = before ]; then port=5111 pid=$PID_BEFORE; else port=5112 pid=$PID_AFTER; fi
    s0=$(switches "$pid"); c0=$(cpu "$pid"); wall=$(turns "$TURNS" "$port"); c1=$(cpu "$pid"); s1=$(switches "$pid")
    echo "round $round $label: wall $wall µs/turn, server CPU $(( (c1 - c0) * 10000 / TURNS )) µs/turn," \
      "$(awk -v d=$((s1 - s0)) -v n="$TURNS" 'BEGIN { printf "%.1f", d / n }') voluntary switches/turn"
  done
done
