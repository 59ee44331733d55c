"""`dasan kb import FILE`: articles from JSONL, CSV or XLSX, published as they come in.

Columns / keys: title, body (required), questions (a JSON list, or a "|"-separated string),
keywords, category, lang (default ko), department (a department code), organisations (codes,
"|"-separated), translation_of (the title of the Korean original, for translations).
Every row is checked before anything is written; rejected rows are reported with their row
number and reason and nothing of theirs is stored. Rows whose title already exists in that
language are skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.core.errors import DasanError
from dasan.core.tables import read_rows
from dasan.knowledge.actions import LANGS, do_create_article, do_publish
from dasan.knowledge.models import Article
from dasan.orgs.models import Department


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"read": self.read, "imported": self.imported, "skipped_existing": self.skipped,
                "rejected": [{"row": r, "reason": why} for r, why in self.rejected]}


def _list(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value or "").strip()
    if text.startswith("["):
        try:
            return [str(v).strip() for v in json.loads(text) if str(v).strip()]
        except json.JSONDecodeError:
            pass
    return [p.strip() for p in text.split("|") if p.strip()]


def _check(n: int, row: dict, depts: dict[str, int]) -> tuple[dict | None, str | None]:
    if "_error" in row:
        return None, row["_error"]
    title, body = str(row.get("title") or "").strip(), str(row.get("body") or "").strip()
    questions = _list(row.get("questions"))
    if not title:
        return None, "title is empty"
    if not body and questions:
        body = title  # question-only collections (e.g. paraKQC): the title is the answer text
    if not body:
        return None, "body is empty"
    lang = str(row.get("lang") or "ko").strip()
    if lang not in LANGS:
        return None, f"lang '{lang}' is not one of {', '.join(sorted(LANGS))}"
    dept_code = str(row.get("department") or "").strip()
    if dept_code and dept_code not in depts:
        return None, f"unknown department '{dept_code}'"
    return {"title": title, "body": body, "questions": questions, "lang": lang,
            "keywords": str(row.get("keywords") or ""), "category": str(row.get("category") or ""),
            "department_id": depts.get(dept_code), "organisations": _list(row.get("organisations")),
            "translation_of": str(row.get("translation_of") or "").strip()}, None


def do_import(*, session: Session, path: Path, progress: bool = False) -> ImportReport:
    """Validate every row, then create and publish the good ones in this session's transaction."""
    depts = dict(session.execute(select(Department.code, Department.id)).all())
    existing = {(t, lang) for t, lang in session.execute(select(Article.title, Article.lang))}
    report = ImportReport()
    good: list[tuple[int, dict]] = []
    rows = list(read_rows(path))
    for n, row in rows:
        report.read += 1
        clean, why = _check(n, row, depts)
        if why or clean is None:
            report.rejected.append((n, why or "invalid row"))
        elif (clean["title"], clean["lang"]) in existing:
            report.skipped += 1
        else:
            existing.add((clean["title"], clean["lang"]))
            good.append((n, clean))
    iterator = good
    if progress:
        from tqdm import tqdm  # heavy: only the command line's progress

        iterator = tqdm(good, desc="importing", unit="article")
    for n, clean in iterator:
        original = clean.pop("translation_of")
        translation_of_id = None
        if original:
            translation_of_id = session.scalar(
                select(Article.id).where(Article.title == original, Article.lang == "ko"))
            if translation_of_id is None:
                report.rejected.append((n, f"translation_of: no Korean article titled '{original}'"))
                continue
        try:
            with session.begin_nested():
                art = do_create_article(session=session, author=None, translation_of_id=translation_of_id, **clean)
                do_publish(session=session, art=art)
        except DasanError as e:
            report.rejected.append((n, e.message))
            continue
        report.imported += 1
    report.rejected.sort()
    return report
