"""The follow-up report (M12/M14/M16): first-contact resolution, transfers by department and type,
deadline compliance and satisfaction, per day of the center or per district, with CSV."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.cases.models import Case, CaseStatus, CaseType
from dasan.center import service as center_service
from dasan.conversations.models import ConsultationRecord, Resolution
from dasan.core.csvfile import to_csv
from dasan.core.moments import check_period
from dasan.orgs.models import Department, Organisation

COLUMNS = ["key", "consultations", "solved_first_contact", "fcr", "cases_opened", "cases_resolved",
           "resolved_on_time", "deadline_compliance", "open_overdue", "surveys_answered", "satisfaction_avg"]


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def case_report(*, session: Session, start: date, end: date, by: str, now: datetime) -> dict:
    """Rows per day (FCR from the consultation records, case figures from the cases opened that
    day) or per district (the case's district; "city" for city departments' cases; FCR is a
    center-wide figure, so it is given in the totals only). `end` is inclusive."""
    if by not in ("day", "district"):
        raise ValueError("by must be day or district")
    check_period(start, end)
    center = center_service.get(session)
    t0, t1 = center.day_bounds(start, end)
    records = session.execute(select(ConsultationRecord.closed_at, ConsultationRecord.resolution).where(
        ConsultationRecord.closed_at >= t0, ConsultationRecord.closed_at < t1)).all()
    cases = list(session.scalars(select(Case).where(Case.opened_at >= t0, Case.opened_at < t1)))
    orgs = {o.id: o for o in session.scalars(select(Organisation))}

    def key_of(when: datetime, case: Case | None = None) -> str:
        if by == "day":
            return center.today(when).isoformat()
        org = orgs.get(case.organisation_id) if case is not None else None
        return org.code if org is not None and org.kind == "district" else "city"

    rows: dict[str, Counter] = defaultdict(Counter)
    scores: dict[str, list[int]] = defaultdict(list)
    if by == "day":
        for i in range((end - start).days + 1):
            rows[(start + timedelta(days=i)).isoformat()]  # every day shows, even an empty one
    for created, resolution in records:
        k = key_of(created) if by == "day" else "_center"
        rows[k]["consultations"] += 1
        rows[k]["solved_first_contact"] += resolution == Resolution.SOLVED
    for c in cases:
        k = key_of(c.opened_at, c)
        rows[k]["cases_opened"] += 1
        if c.status == CaseStatus.RESOLVED:
            rows[k]["cases_resolved"] += 1
            rows[k]["resolved_on_time"] += c.resolved_at is not None and c.resolved_at <= c.due_at
        elif c.due_at < now:
            rows[k]["open_overdue"] += 1
        if c.survey_score is not None:
            scores[k].append(c.survey_score)

    def finish(key: str, n: Counter, sc: list[int]) -> dict:
        return {"key": key, "consultations": n["consultations"], "solved_first_contact": n["solved_first_contact"],
                "fcr": _ratio(n["solved_first_contact"], n["consultations"]), "cases_opened": n["cases_opened"],
                "cases_resolved": n["cases_resolved"], "resolved_on_time": n["resolved_on_time"],
                "deadline_compliance": _ratio(n["resolved_on_time"], n["cases_resolved"]),
                "open_overdue": n["open_overdue"], "surveys_answered": len(sc),
                "satisfaction_avg": round(sum(sc) / len(sc), 2) if sc else None}

    total = sum(rows.values(), Counter())
    out_rows = [finish(k, rows[k], scores[k]) for k in sorted(k for k in rows if k != "_center")]
    if by == "district":
        for r in out_rows:  # FCR is the center's, not a district's
            r["consultations"] = r["solved_first_contact"] = 0
            r["fcr"] = None
    types = {t.id: t.code for t in session.scalars(select(CaseType))}
    depts = {d.id: d.name for d in session.scalars(select(Department))}
    transfers = Counter((depts[c.department_id], types[c.case_type_id]) for c in cases)
    return {"start": start.isoformat(), "end": end.isoformat(), "by": by, "fcr_target": 0.9, "rows": out_rows,
            "totals": finish("total", total, [s for v in scores.values() for s in v]),
            "transfers": [{"department": d, "case_type": t, "cases": n}
                          for (d, t), n in sorted(transfers.items(), key=lambda x: (-x[1], x[0]))]}


def report_csv(report: dict) -> str:
    """The rows and a totals row, as CSV."""
    return to_csv(COLUMNS, [*report["rows"], report["totals"]])
