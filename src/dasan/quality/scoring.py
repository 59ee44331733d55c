"""Scorecards (pure): a form's shape, the score of one evaluation, and how far a team of
evaluators agrees (calibration).

A form has sections of weighted questions. A yes/no question scores 1 or 0, a scale question
(1…max) scores (v − 1) / (max − 1); a question the form allows to be N/A drops out of the
weighted mean. A *critical* question (yes/no) answered "no" fails the whole evaluation: its
score is 0 whatever else was right. The score is 0–100.

Calibration: several evaluators score the same contacts blind. Agreement per question is
Krippendorff's α from the `krippendorff` package (nominal for yes/no, ordinal for scales,
interval for the total), N/A counting as a missing value; each evaluator's distance from the
consensus is their mean (signed and absolute) difference from the mean total of the evaluators
of each contact."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import krippendorff
import numpy as np

KINDS = ("yesno", "scale")
MAX_SECTIONS, MAX_QUESTIONS, MAX_TEXT = 20, 100, 500


class FormError(ValueError):
    pass


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str  # yesno | scale
    weight: int
    critical: bool = False
    na: bool = False  # may be answered "not applicable"
    scale_max: int = 5

    def points(self, answer: object) -> float | None:
        """0…1 for an answer, None for N/A; FormError for an answer this question does not take."""
        if answer == "na":
            if not self.na:
                raise FormError(f"question {self.key!r} cannot be answered N/A")
            return None
        if self.kind == "yesno":
            if answer not in ("yes", "no"):
                raise FormError(f"question {self.key!r} is answered yes, no{' or na' if self.na else ''}")
            return 1.0 if answer == "yes" else 0.0
        if isinstance(answer, bool) or not isinstance(answer, int) or not 1 <= answer <= self.scale_max:
            raise FormError(f"question {self.key!r} is answered 1 to {self.scale_max}")
        return (answer - 1) / (self.scale_max - 1)

    def value(self, answer: object) -> float:
        """The answer as a number for agreement (NaN for N/A or no answer)."""
        if answer in ("na", None):
            return math.nan
        if self.kind == "yesno":
            return 1.0 if answer == "yes" else 0.0
        return float(answer)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Section:
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Form:
    name: str
    sections: tuple[Section, ...]

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]


@dataclass(frozen=True)
class Result:
    score: float  # 0–100
    critical_failed: list[str]  # keys of the critical questions answered "no"
    points: dict[str, float | None]  # per question, 0…1 or None for N/A


def _text(value: object, what: str, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FormError(f"{what} is required")
    if len(value) > limit:
        raise FormError(f"{what} is longer than {limit} characters")
    return value.strip()


def parse_form(data: dict) -> Form:
    """A form from its JSON shape, checked: named sections, questions with unique keys, weights
    1–100, critical questions only of the yes/no kind, scales of 3–10 points."""
    if not isinstance(data, dict):
        raise FormError("a form is an object with a name and sections")
    name = _text(data.get("name"), "the form's name", limit=200)
    sections_in = data.get("sections")
    if not isinstance(sections_in, list) or not sections_in:
        raise FormError("a form has at least one section")
    if len(sections_in) > MAX_SECTIONS:
        raise FormError(f"a form has at most {MAX_SECTIONS} sections")
    seen: set[str] = set()
    sections = []
    for i, s in enumerate(sections_in, 1):
        if not isinstance(s, dict):
            raise FormError(f"section {i} is an object with a title and questions")
        title = _text(s.get("title"), f"section {i}'s title", limit=200)
        qs_in = s.get("questions")
        if not isinstance(qs_in, list) or not qs_in:
            raise FormError(f"section {title!r} has no questions")
        questions = []
        for j, q in enumerate(qs_in, 1):
            if not isinstance(q, dict):
                raise FormError(f"question {j} of {title!r} is an object")
            key = q.get("key") or f"q{len(seen) + 1}"
            if not isinstance(key, str) or not key.isidentifier() or len(key) > 40:
                raise FormError(f"question {j} of {title!r}: a key is a short identifier")
            if key in seen:
                raise FormError(f"two questions have the key {key!r}")
            seen.add(key)
            kind = q.get("kind", "yesno")
            if kind not in KINDS:
                raise FormError(f"question {key!r}: the kind is yesno or scale")
            weight = q.get("weight", 1)
            if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
                raise FormError(f"question {key!r}: the weight is a whole number from 1 to 100")
            critical, na = bool(q.get("critical", False)), bool(q.get("na", False))
            if critical and kind != "yesno":
                raise FormError(f"question {key!r}: a critical question is a yes/no question")
            scale_max = q.get("scale_max", 5)
            if kind == "scale" and (isinstance(scale_max, bool) or not isinstance(scale_max, int)
                                    or not 3 <= scale_max <= 10):
                raise FormError(f"question {key!r}: a scale has 3 to 10 points")
            questions.append(Question(key=key, text=_text(q.get("text"), f"question {key!r}'s text"), kind=kind,
                                      weight=weight, critical=critical, na=na,
                                      scale_max=scale_max if kind == "scale" else 2))
        sections.append(Section(title=title, questions=tuple(questions)))
    if len(seen) > MAX_QUESTIONS:
        raise FormError(f"a form has at most {MAX_QUESTIONS} questions")
    return Form(name=name, sections=tuple(sections))


def form_json(form: Form) -> dict:
    return {"name": form.name, "sections": [
        {"title": s.title, "questions": [
            {"key": q.key, "text": q.text, "kind": q.kind, "weight": q.weight, "critical": q.critical, "na": q.na,
             **({"scale_max": q.scale_max} if q.kind == "scale" else {})} for q in s.questions]}
        for s in form.sections]}


def score(form: Form, answers: dict) -> Result:
    """The evaluation's score: every question answered, N/A only where allowed."""
    if not isinstance(answers, dict):
        raise FormError("answers are an object of question key → answer")
    keys = {q.key for q in form.questions}
    unknown = sorted(set(answers) - keys)
    if unknown:
        raise FormError(f"this form has no question {unknown[0]!r}")
    points: dict[str, float | None] = {}
    failed = []
    total = weights = 0.0
    for q in form.questions:
        if q.key not in answers:
            raise FormError(f"question {q.key!r} is not answered")
        p = q.points(answers[q.key])
        points[q.key] = p
        if p is None:
            continue
        if q.critical and p == 0.0:
            failed.append(q.key)
        total += q.weight * p
        weights += q.weight
    if weights == 0:
        raise FormError("at least one question must apply")
    return Result(score=0.0 if failed else round(100 * total / weights, 1), critical_failed=failed, points=points)


# -- calibration --------------------------------------------------------------------------------


Level = Literal["nominal", "ordinal", "interval"]


def _alpha(matrix: list[list[float]], level: Level) -> float | None:
    """α over a coders × units matrix (NaN missing); None when it is not defined (fewer than two
    values in any unit, or no variation at all)."""
    data = np.array(matrix, dtype=float)
    pairable = (np.sum(~np.isnan(data), axis=0) >= 2).sum()
    if data.shape[0] < 2 or pairable == 0:
        return None
    values = data[~np.isnan(data)]
    if len(np.unique(values)) < 2:
        return None  # every evaluator gave every contact the same answer: agreement is undefined, not 1
    with np.errstate(invalid="ignore", divide="ignore"):
        value = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    return None if math.isnan(value) else value  # no expected disagreement among pairable values


def agreement(form: Form, evaluators: list[int], contacts: list[int],
              answers: dict[tuple[int, int], dict], totals: dict[tuple[int, int], float]) -> dict:
    """α per question and for the total score, and each evaluator's distance from the consensus.
    `answers[(evaluator, contact)]` and `totals[(evaluator, contact)]` hold what was scored; a pair
    missing from them is a missing value."""
    per_question = []
    for q in form.questions:
        matrix = [[q.value(answers[(e, c)].get(q.key)) if (e, c) in answers else math.nan for c in contacts]
                  for e in evaluators]
        level: Level = "nominal" if q.kind == "yesno" else "ordinal"
        per_question.append({"key": q.key, "text": q.text, "level": level, "alpha": _alpha(matrix, level)})
    matrix = [[totals.get((e, c), math.nan) for c in contacts] for e in evaluators]
    consensus = {}
    for i, c in enumerate(contacts):
        scored = [row[i] for row in matrix if not math.isnan(row[i])]
        if scored:
            consensus[c] = sum(scored) / len(scored)
    distances = []
    for e in evaluators:
        diffs = [totals[(e, c)] - consensus[c] for c in contacts if (e, c) in totals]
        distances.append({"evaluator_id": e, "scored": len(diffs),
                          "mean_difference": round(sum(diffs) / len(diffs), 1) if diffs else None,
                          "mean_absolute_difference": round(sum(map(abs, diffs)) / len(diffs), 1) if diffs else None})
    return {"questions": per_question, "total_alpha": _alpha(matrix, "interval"), "evaluators": distances,
            "consensus": {c: round(v, 1) for c, v in consensus.items()}}


# -- reports --------------------------------------------------------------------------------------


def summarise(evaluations, forms: dict[int, Form], *, by: str, names: dict[int, str], zone) -> list[dict]:
    """Rows of a scores report over evaluations (objects with form_id, agent_id, answers, score,
    critical_failed, status, created_at): by agent, by question (the share of points earned where
    the question applied) or by the center's month."""
    if by == "question":
        by_question: dict[tuple[str, str], list[float | None]] = {}
        for ev in evaluations:
            form = forms[ev.form_id]
            for q in form.questions:
                p = q.points(ev.answers.get(q.key, "na")) if q.na or q.key in ev.answers else None
                by_question.setdefault((q.key, q.text), []).append(p)
        out = []
        for (key, text), pts in by_question.items():
            applied = [p for p in pts if p is not None]
            out.append({"question": key, "text": text, "evaluations": len(pts), "applied": len(applied),
                        "mean_points_pct": round(100 * sum(applied) / len(applied), 1) if applied else None})
        return sorted(out, key=lambda r: r["question"])
    groups: dict[Any, list] = {}
    for ev in evaluations:
        key = ev.agent_id if by == "agent" else ev.created_at.astimezone(zone).strftime("%Y-%m")
        groups.setdefault(key, []).append(ev)
    rows = []
    for key, evs in groups.items():
        row: dict[str, Any] = {"agent_id": key, "agent": names.get(key, "")} if by == "agent" else {"month": key}
        scores = [e.score for e in evs]
        row.update({"evaluations": len(evs), "mean_score": round(sum(scores) / len(scores), 1),
                    "min_score": min(scores), "critical_failed": sum(1 for e in evs if e.critical_failed),
                    "disputed": sum(1 for e in evs if e.status in ("disputed", "upheld", "amended"))})
        rows.append(row)
    return sorted(rows, key=lambda r: str(r.get("agent") or r.get("month")))
