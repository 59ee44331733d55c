#!/usr/bin/env bash
# Plan-then-replay on the bank data: plan days 15–21 from days 1–14, replay days 15–21 with that
# plan, and compare its agent-hours with Erlang C staffing computed in hindsight from each
# interval's actual volume. Usage: bench/plan_replay.sh [CALLS.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${1:-../shared/data/callcenter/bank_calls_train.csv}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
.venv/bin/python - "$CALLS" "$tmp" <<'PY'
import csv, sys
from datetime import datetime
src, out = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(src, encoding="utf-8")))
d0 = min(datetime.fromisoformat(r["arrival"]).date() for r in rows)
for name, keep in (("history", lambda d: d < 14), ("week", lambda d: 14 <= d < 21)):
    with open(f"{out}/{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["arrival", "service_s", "patience_s"])
        w.writeheader()
        w.writerows(r for r in rows if keep((datetime.fromisoformat(r["arrival"]).date() - d0).days))
PY
.venv/bin/dasan wfm plan --history "$tmp/history.csv" --days 7 --interval-min 30 --target-sl 0.8 --sl-seconds 20 --json > "$tmp/plan.json"
.venv/bin/dasan sim replay --calls "$tmp/week.csv" --staffing "$tmp/plan.json" --sl-seconds 20 --json > "$tmp/replay.json"
# The same plan turned into shifts (8, 6 and 4 hours with legal breaks), replayed with the agents
# the shifts put on the floor; the plot shows forecast vs actual calls and required vs scheduled.
.venv/bin/dasan wfm plan --history "$tmp/history.csv" --days 7 --interval-min 30 --target-sl 0.8 --sl-seconds 20 \
  --shifts 8,6,4 --plot "${PLOT:-$tmp/plan.svg}" --actuals "$tmp/week.csv" --json > "$tmp/shifts.json"
.venv/bin/dasan sim replay --calls "$tmp/week.csv" --staffing "$tmp/shifts.json" --sl-seconds 20 --json > "$tmp/replay-shifts.json"
.venv/bin/python - "$tmp" <<'PY'
import json, sys
from datetime import datetime, timedelta
from pathlib import Path
from dasan.workforce.plan import hindsight_agent_hours, read_calls
tmp = Path(sys.argv[1])
plan, rep = json.loads((tmp / "plan.json").read_text()), json.loads((tmp / "replay.json").read_text())
starts = [datetime.fromisoformat(i["start"]) for i in plan["intervals"]]
hind = hindsight_agent_hours(read_calls(tmp / "week.csv"), interval_min=30, target_sl=0.8, sl_seconds=20,
                             start=starts[0], end=starts[-1] + timedelta(minutes=30))
staffed = [i for i in rep["intervals"] if i["agents"] > 0 and i["offered"] > 0]
print(json.dumps({
    "service_level_week": rep["service_level"],
    "share_of_staffed_intervals_at_target": round(sum(i["service_level"] >= 0.8 for i in staffed) / len(staffed), 4),
    "plan_agent_hours": plan["agent_hours"], "hindsight_erlang_c_agent_hours": hind,
    "agent_hours_ratio": round(plan["agent_hours"] / hind, 4),
    "abandon_rate": rep["abandon_rate"], "offered": rep["offered"], "replay_wall_s": rep["wall_s"],
}))
shifts = json.loads((tmp / "shifts.json").read_text())
rs = json.loads((tmp / "replay-shifts.json").read_text())
staffed = [i for i in rs["intervals"] if i["agents"] > 0 and i["offered"] > 0]
print(json.dumps({
    "with_shifts": True, "service_level_week": rs["service_level"],
    "share_of_staffed_intervals_at_target": round(sum(i["service_level"] >= 0.8 for i in staffed) / len(staffed), 4),
    "paid_shift_agent_hours": shifts["shifts"]["paid_agent_hours"], "shifts": len(shifts["shifts"]["shifts"]),
    "paid_vs_hindsight_ratio": round(shifts["shifts"]["paid_agent_hours"] / hind, 4),
    "schedule_optimal": shifts["shifts"]["optimal"],
}))
PY
