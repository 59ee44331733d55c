#!/usr/bin/env bash
# Surge: open loop RATE/s for SURGE_S seconds against POST /api/v1/intake/messages, then two
# phases of 10 s at CALM/s. Figures: every surge request answered 202 or 503 (Retry-After), how
# fast; every acknowledged message stored (verify); p99 of the second calm phase (10-20 s after
# the surge), the issue's "back under 50 ms within 10 s".
# Usage: bench/intake_surge.sh [sqlite|postgres]   Env: RATE=3000 SURGE_S=10 CALM=100 WORKERS=1
#   HAPROXY=1: Debian's haproxy in front (deploy/haproxy.cfg's settings) of PROCS separate processes
#   (PROCS=1 on SQLite; more need PostgreSQL and Redis). CLIENT=aiohttp keeps up with 3,000/s here.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd); SHARED=$(cd ../shared && pwd); PY=$ROOT/.venv/bin/python
RATE=${RATE:-3000}; SURGE_S=${SURGE_S:-10}; CALM=${CALM:-100}; PORT=${PORT:-18121}; WORKERS=${WORKERS:-1}
db=${1:-sqlite}; work=$(mktemp -d); SPID=""
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export DASAN_DATA_DIR=$work/data DASAN_KB_WARMUP=false
if [ "$db" = postgres ]; then
  name="dasan_surge_$$"
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
  export DASAN_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$name"
fi
"$PY" -m dasan.cli db upgrade >/dev/null
token=$("$PY" -m dasan.cli tokens create --channel sms)
if [ "$WORKERS" -gt 1 ]; then export DASAN_REDIS_URL=${DASAN_REDIS_URL:-redis://127.0.0.1:6379/0}; fi
if [ "${HAPROXY:-0}" = 1 ]; then
  PROCS=${PROCS:-1}; HPID=""
  [ "$PROCS" -gt 1 ] && export DASAN_REDIS_URL=${DASAN_REDIS_URL:-redis://127.0.0.1:6379/0}
  servers=""; pids=""
  for k in $(seq 1 "$PROCS"); do
    "$PY" -m dasan.cli serve --port $((PORT + k)) >"$work/server$k.log" 2>&1 & pids="$pids,$!"
    servers="$servers    server dasan$k 127.0.0.1:$((PORT + k)) check inter 1s maxconn 64
"
  done
  sed -e "s/bind 127.0.0.1:8120/bind 127.0.0.1:$PORT/" -e '/^    server dasan/d' -e 's/^    log stdout.*//' \
    deploy/haproxy.cfg > "$work/haproxy.cfg"
  printf "%s" "$servers" >> "$work/haproxy.cfg"
  haproxy -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 & HPID=$!
  SPID=${pids#,}
  trap 'kill $HPID ${SPID//,/ } 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
  for k in $(seq 1 "$PROCS"); do
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((PORT + k))/readyz" >/dev/null && break; sleep 0.1; done
  done
  sleep 3  # haproxy's health checks mark them up
else
  "$PY" -m dasan.cli serve --port "$PORT" --workers "$WORKERS" >"$work/server.log" 2>&1 & SPID=$!
fi
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
sleep 1
load() {  # load PHASE N RATE
  "$PY" "$SHARED/bench/intake_load.py" --system dasan --db "$db" \
    --url "http://127.0.0.1:$PORT/api/v1/intake/messages" -H "Authorization: Bearer $token" \
    --json '{"channel": "sms", "external_id": "{tag}-{i}", "sender": {"phone": "010-{i}"}, "text": "[{tag}] 단수 문의 {i}", "sent_at": "2026-11-21T09:00:00+09:00"}' \
    --id-field message_id --verify-cmd "$PY $ROOT/bench/verify_intake.py {tag} {ids_file}" --ok-status 202 --client "${CLIENT:-auto}" \
    -n "$2" --rate "$3" -c "${CONC:-256}" --warmup 0 --timeout 30 --cpu-pids "$SPID" --extra "{\"phase\": \"$1\", \"workers\": $WORKERS}"
}
load surge $((RATE * SURGE_S)) "$RATE"
load calm-0-10s $((CALM * 10)) "$CALM"
load calm-10-20s $((CALM * 10)) "$CALM"
kill ${SPID//,/ } ${HPID:-}; wait 2>/dev/null || true; SPID=""
[ "$db" = postgres ] && psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS dasan_surge_$$"
exit 0
