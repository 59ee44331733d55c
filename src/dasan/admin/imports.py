"""Bulk import of departments and users (M1), from the table file an administrator uploads (CSV,
XLSX or JSONL; `core.tables`). Each row goes through the same action as the console's form, in a
savepoint of its own: a row that is refused is reported with its row number and the reason, and
nothing of it is stored; the others are. Importing the same file again changes nothing new
(departments are updated in place; users that exist are reported as skipped).

Departments: code, name (required), name_en, organisation (its code; the city when empty),
phone, lines (legacy numbers, "|"-separated).
Users: username, role (required), display_name, department (code), organisation (code), skills
("ko:5|en:3"), password (when empty a random one is made and shown once in the report; either
way the user chooses their own at first login).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.admin.actions import _audit, do_add_line, do_admin_create_user, do_save_department
from dasan.core.errors import DasanError
from dasan.orgs.models import Department, LegacyLine, Organisation, User

KINDS = ("departments", "users")
MAX_ROWS = 5000


@dataclass
class ImportReport:
    kind: str
    read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    passwords: list[tuple[str, str]] = field(default_factory=list)  # made here, shown once

    def as_dict(self) -> dict:
        return {"kind": self.kind, "read": self.read, "created": self.created, "updated": self.updated,
                "skipped_existing": self.skipped,
                "rejected": [{"row": r, "reason": why} for r, why in self.rejected],
                "passwords": [{"username": u, "password": p} for u, p in self.passwords]}


def _text(row: dict, key: str, limit: int = 200) -> str:
    value = row.get(key)
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise ValueError(f"{key} is longer than {limit} characters")
    return text


def _skills(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in (p.strip() for p in text.split("|") if p.strip()):
        code, _, level = part.partition(":")
        if not level.strip().isdigit() or not 1 <= int(level) <= 5:
            raise ValueError(f"skill '{part}': write code:level with a level from 1 to 5, e.g. ko:5")
        out[code.strip()] = int(level)
    return out


def import_rows(*, session: Session, admin: User, kind: str, rows: list[tuple[int, dict]]) -> ImportReport:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if len(rows) > MAX_ROWS:
        raise ValueError(f"at most {MAX_ROWS} rows per file (this one has {len(rows)})")
    report = ImportReport(kind=kind, read=len(rows))
    city = session.scalar(select(Organisation.code).where(Organisation.parent_id.is_(None)).order_by(Organisation.id))
    for n, row in rows:
        if "_error" in row:
            report.rejected.append((n, str(row["_error"])))
            continue
        try:
            with session.begin_nested():
                if kind == "departments":
                    _department(session, admin, row, city, report)
                else:
                    _user(session, admin, row, report)
        except (DasanError, ValueError) as e:
            report.rejected.append((n, e.message if isinstance(e, DasanError) else str(e)))
    _audit(session, admin, "import", kind, None, read=report.read, created=report.created, updated=report.updated,
           skipped=report.skipped, rejected=len(report.rejected))
    return report


def _department(session: Session, admin: User, row: dict, city: str | None, report: ImportReport) -> None:
    code = _text(row, "code", 60)
    known = session.scalar(select(Department.id).where(Department.code == code)) is not None
    dept = do_save_department(session=session, admin=admin, code=code, name=_text(row, "name"),
                              name_en=_text(row, "name_en"), phone=_text(row, "phone", 40),
                              organisation_code=_text(row, "organisation", 40) or city)
    have = set(session.scalars(select(LegacyLine.number).where(LegacyLine.department_id == dept.id)))
    for number in (p.strip() for p in _text(row, "lines", 1000).split("|") if p.strip()):
        if number not in have:
            do_add_line(session=session, admin=admin, department_id=dept.id, number=number)
    if known:
        report.updated += 1
    else:
        report.created += 1


def _user(session: Session, admin: User, row: dict, report: ImportReport) -> None:
    username = _text(row, "username", 80)
    if not username:
        raise ValueError("username is required")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        report.skipped += 1
        return
    password = _text(row, "password")
    made = not password
    if made:
        password = secrets.token_urlsafe(12)
    do_admin_create_user(session=session, admin=admin, username=username, password=password,
                         role=_text(row, "role", 20), display_name=_text(row, "display_name", 120) or username,
                         department_code=_text(row, "department", 60) or None,
                         organisation_code=_text(row, "organisation", 40) or None,
                         skills=_skills(_text(row, "skills", 500)))
    report.created += 1
    if made:
        report.passwords.append((username, password))
