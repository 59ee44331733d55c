"""Which procedure, if any, a citizen's message asks for: an intent classifier trained from the
published services' own example phrases (`case_types.phrases`).

Classes are the services; the out-of-scope class learns from what is not a request for a
procedure, in every service language: the bundled out-of-scope messages (small talk) and the
published articles' titles and example questions (questions the knowledge base answers). The
classifier's rejection threshold is set on a held-out third of those (`dasan.bot.intents`). A
per-process instance follows the services: it is trained again when their phrases change.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.bot.intents import OOS, IntentClassifier
from dasan.bot.procedures import Service
from dasan.cases.models import CaseType
from dasan.center.core import SERVICE_LANGS
from dasan.knowledge.calibrate import out_of_scope
from dasan.knowledge.search import Doc
from dasan.orgs.models import Department

MIN_SERVICES = 2  # a classifier needs two classes besides "not a procedure"


@dataclass(frozen=True)
class Recognized:
    service: Service
    score: float


def published_services(session: Session) -> list[tuple[CaseType, Service]]:
    """Published services that have example phrases, with what the dialogue needs of them."""
    rows = session.scalars(select(CaseType).where(CaseType.published.is_(True)).order_by(CaseType.id))
    out = []
    for ct in rows:
        if not any(ct.phrases.get(lang) for lang in ct.phrases or {}):
            continue
        texts = ct.translations or {}
        names = {"ko": ct.name, "en": ct.name_en or ct.name,
                 **{lang: t["name"] for lang, t in texts.items() if t.get("name")}}
        out.append((ct, Service(code=ct.code, names=names, by_district=bool(ct.district_suffix),
                                attributes=tuple(ct.attributes or []),
                                attribute_texts={lang: t.get("attributes", {}) for lang, t in texts.items()})))
    return out


def department_name(session: Session, ctype: CaseType) -> str:
    dept = session.get(Department, ctype.department_id) if ctype.department_id else None
    return dept.name if dept else ""


class ProcedureRecognizer:
    """The per-process classifier over the published services."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key = ""
        self._model: IntentClassifier | None = None
        self._services: dict[str, Service] = {}

    def refresh(self, services: list[tuple[CaseType, Service]], docs: list[Doc]) -> None:
        """Train again when the services' phrases (or the articles) changed."""
        phrases = sorted((ct.code, lang, p) for ct, _ in services for lang, ps in (ct.phrases or {}).items()
                         for p in ps if p.strip())
        others = sorted({t for d in docs for t in [d.title, *d.questions] if t.strip()})
        key = hashlib.sha256(json.dumps([phrases, others], ensure_ascii=False).encode()).hexdigest()
        with self._lock:
            if key == self._key:
                return
        model = None
        if len({c for c, _, _ in phrases}) >= MIN_SERVICES:
            texts = [p for _, _, p in phrases]
            labels = [c for c, _, _ in phrases]
            negatives = [*others, *(t for lang in SERVICE_LANGS for t in out_of_scope(lang))]
            model = IntentClassifier().fit(texts + negatives, labels + [OOS] * len(negatives))
        with self._lock:
            self._key, self._model = key, model
            self._services = {s.code: s for _, s in services}

    def recognize(self, text: str) -> Recognized | None:
        """The service the message asks for, or None (a question, small talk, unsure)."""
        with self._lock:
            model, services = self._model, self._services
        if model is None or not text.strip():
            return None
        p = model.predict([text])[0]
        if p.label == OOS or p.label not in services:
            return None
        return Recognized(service=services[p.label], score=p.score)
