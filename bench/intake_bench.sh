#!/usr/bin/env bash
# Intake throughput: Dasan's POST /api/v1/intake/messages vs the django-helpdesk ticket API
# (../shared/bench/peer_helpdesk.sh), same load generator, same machine, same run.
# Usage: bench/intake_bench.sh [sqlite|postgres|all]   Env: N=3000 CONC=32 WARMUP=200 RUNS=3 PEER=1 CLIENT=auto
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=$(cd ../shared && pwd)
N=${N:-3000}; CONC=${CONC:-32}; WARMUP=${WARMUP:-200}; RUNS=${RUNS:-3}; PEER=${PEER:-1}
PORT=${PORT:-18120}; WORKERS=${WORKERS:-1}; CLIENT=${CLIENT:-auto}
OUT=$ROOT/bench/results; mkdir -p "$OUT"
stamp=$(date +%Y%m%d-%H%M%S)
PY=$ROOT/.venv/bin/python
SPID=""
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

run_dasan() {  # run_dasan sqlite|postgres
  local db=$1 work; work=$(mktemp -d)
  export DASAN_DATA_DIR=$work/data
  if [ "$db" = postgres ]; then
    local name="dasan_bench_$$"
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
    export DASAN_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$name"
  else
    unset DASAN_DATABASE_URL
  fi
  "$PY" -m dasan.cli db upgrade >/dev/null
  local token; token=$("$PY" -m dasan.cli tokens create --channel sms)
  if [ "$WORKERS" -gt 1 ]; then export DASAN_REDIS_URL=${DASAN_REDIS_URL:-redis://127.0.0.1:6379/0}; fi
  "$PY" -m dasan.cli serve --port "$PORT" --workers "$WORKERS" >"$work/server.log" 2>&1 & SPID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  sleep 1
  local results=$OUT/$stamp-dasan-$db.jsonl
  for r in $(seq 1 "$RUNS"); do
    "$PY" "$SHARED/bench/intake_load.py" --system dasan --db "$db" --client "$CLIENT" \
      --url "http://127.0.0.1:$PORT/api/v1/intake/messages" -H "Authorization: Bearer $token" \
      --json '{"channel": "sms", "external_id": "{tag}-{i}", "sender": {"phone": "010-{i}"}, "text": "[{tag}] 버스 정기권 환불 문의 {i}", "sent_at": "2026-11-21T09:00:00+09:00"}' \
      --id-field message_id --verify-cmd "$PY $ROOT/bench/verify_intake.py {tag} {ids_file}" \
      -n "$N" -c "$CONC" --warmup "$WARMUP" --cpu-pids "$SPID" --extra "{\"workers\": $WORKERS}" | tee -a "$results"
  done
  echo "SUMMARY dasan $db: $("$PY" "$SHARED/bench/intake_load.py" --summarize < "$results")"
  kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=""
  if [ "$db" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS dasan_bench_$$"
  fi
  rm -rf "$work"
}

what=${1:-all}
for db in sqlite postgres; do
  [ "$what" = all ] || [ "$what" = "$db" ] || continue
  run_dasan "$db"
  if [ "$PEER" = 1 ]; then
    N=$N CONC=$CONC WARMUP=$WARMUP RUNS=$RUNS bash "$SHARED/bench/peer_helpdesk.sh" setup "$db" 2>&1 | grep SUMMARY || true
  fi
done
