"""Scorecards (pure): the score of an evaluation, critical questions, N/A, bad forms and answers;
calibration agreement against the krippendorff package itself; the evaluation worklist."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dasan.quality import sampling, scoring

FORM = {"name": "Phone consultation", "sections": [
    {"title": "Opening", "questions": [
        {"key": "greet", "text": "Greeted and named the center", "kind": "yesno", "weight": 1},
        {"key": "identity", "text": "Confirmed who is calling before personal data", "kind": "yesno", "weight": 2,
         "critical": True}]},
    {"title": "Answer", "questions": [
        {"key": "correct", "text": "The answer was correct", "kind": "scale", "weight": 4, "scale_max": 5},
        {"key": "followup", "text": "Opened a case where needed", "kind": "yesno", "weight": 1, "na": True}]},
]}


def test_a_weighted_score_with_na_dropping_out():
    form = scoring.parse_form(FORM)
    r = scoring.score(form, {"greet": "yes", "identity": "yes", "correct": 4, "followup": "na"})
    # (1·1 + 2·1 + 4·0.75) / (1 + 2 + 4) = 6/7
    assert r.score == round(100 * 6 / 7, 1)
    assert r.critical_failed == [] and r.points["followup"] is None


def test_a_critical_no_fails_the_whole_evaluation():
    form = scoring.parse_form(FORM)
    r = scoring.score(form, {"greet": "yes", "identity": "no", "correct": 5, "followup": "yes"})
    assert r.score == 0.0 and r.critical_failed == ["identity"]


@pytest.mark.parametrize("answers, message", [
    ({"greet": "yes", "identity": "yes", "correct": 4}, "not answered"),
    ({"greet": "yes", "identity": "na", "correct": 4, "followup": "na"}, "cannot be answered N/A"),
    ({"greet": "maybe", "identity": "yes", "correct": 4, "followup": "na"}, "answered yes, no"),
    ({"greet": "yes", "identity": "yes", "correct": 6, "followup": "na"}, "answered 1 to 5"),
    ({"greet": "yes", "identity": "yes", "correct": True, "followup": "na"}, "answered 1 to 5"),
    ({"greet": "yes", "identity": "yes", "correct": 3, "followup": "na", "extra": "yes"}, "no question 'extra'"),
])
def test_bad_answers_are_refused_with_a_reason(answers, message):
    with pytest.raises(scoring.FormError, match=message):
        scoring.score(scoring.parse_form(FORM), answers)


@pytest.mark.parametrize("change, message", [
    (lambda f: f.update(name=""), "name is required"),
    (lambda f: f.update(sections=[]), "at least one section"),
    (lambda f: f["sections"][0]["questions"][0].update(key="identity"), "two questions have the key"),
    (lambda f: f["sections"][1]["questions"][0].update(critical=True), "critical question is a yes/no"),
    (lambda f: f["sections"][0]["questions"][0].update(weight=0), "weight is a whole number"),
    (lambda f: f["sections"][1]["questions"][0].update(scale_max=11), "3 to 10 points"),
    (lambda f: f["sections"][0]["questions"][0].update(kind="stars"), "yesno or scale"),
    (lambda f: f["sections"][0].update(questions=[]), "has no questions"),
])
def test_bad_forms_are_refused_with_a_reason(change, message):
    import copy

    form = copy.deepcopy(FORM)
    change(form)
    with pytest.raises(scoring.FormError, match=message):
        scoring.parse_form(form)


def test_a_form_survives_its_json_round_trip():
    form = scoring.parse_form(FORM)
    assert scoring.parse_form(scoring.form_json(form)) == form


answer_sets = st.fixed_dictionaries({
    "greet": st.sampled_from(["yes", "no"]), "identity": st.sampled_from(["yes", "no"]),
    "correct": st.integers(1, 5), "followup": st.sampled_from(["yes", "no", "na"])})


@settings(max_examples=200, deadline=None)
@given(answer_sets, answer_sets)
def test_scores_are_0_to_100_and_never_fall_when_an_answer_improves(a, b):
    form = scoring.parse_form(FORM)
    r = scoring.score(form, a)
    assert 0.0 <= r.score <= 100.0
    assert (r.score == 0.0) if a["identity"] == "no" else True
    better = dict(a)
    if a["greet"] == "no":
        better["greet"] = "yes"
    elif a["correct"] < 5:
        better["correct"] = a["correct"] + 1
    assert scoring.score(form, better).score >= r.score


def _package(data, level):
    with np.errstate(invalid="ignore", divide="ignore"):
        value = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    return None if math.isnan(value) else pytest.approx(value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["yes", "no", "na"]), min_size=5, max_size=5), min_size=3, max_size=3),
       st.lists(st.lists(st.integers(1, 5), min_size=5, max_size=5), min_size=3, max_size=3))
def test_agreement_is_the_krippendorff_package_value(followups, corrects):
    """α per question is the package's own α over the same coders × contacts matrix (N/A missing);
    where the package's α is undefined (NaN), it is shown as none."""
    form = scoring.parse_form(FORM)
    evaluators, contacts = [11, 12, 13], [101, 102, 103, 104, 105]
    answers = {(e, c): {"greet": "yes", "identity": "yes", "correct": corrects[i][j], "followup": followups[i][j]}
               for i, e in enumerate(evaluators) for j, c in enumerate(contacts)}
    totals = {k: scoring.score(form, a).score for k, a in answers.items()}
    result = scoring.agreement(form, evaluators, contacts, answers, totals)
    by_key = {q["key"]: q["alpha"] for q in result["questions"]}
    ordinal = np.array(corrects, dtype=float)
    if len(np.unique(ordinal)) > 1:
        assert by_key["correct"] == _package(ordinal, "ordinal")
    nominal = np.array([[{"yes": 1.0, "no": 0.0, "na": math.nan}[v] for v in row] for row in followups])
    values = nominal[~np.isnan(nominal)]
    pairable = (np.sum(~np.isnan(nominal), axis=0) >= 2).sum()
    if len(np.unique(values)) > 1 and pairable:
        assert by_key["followup"] == _package(nominal, "nominal")
    else:
        assert by_key["followup"] is None
    assert by_key["greet"] is None  # everybody said yes everywhere: agreement is undefined, not perfect
    # Each evaluator's distances are from the mean total of each contact; they sum to ~0 over evaluators.
    signed = [d["mean_difference"] for d in result["evaluators"]]
    assert abs(sum(signed)) <= 0.2


def test_an_evaluator_far_from_the_others_shows_it():
    form = scoring.parse_form(FORM)
    good = {"greet": "yes", "identity": "yes", "correct": 5, "followup": "yes"}
    bad = {"greet": "no", "identity": "yes", "correct": 1, "followup": "no"}
    answers = {(e, c): (bad if e == 3 else good) for e in (1, 2, 3) for c in (10, 20)}
    totals = {k: scoring.score(form, a).score for k, a in answers.items()}
    result = scoring.agreement(form, [1, 2, 3], [10, 20], answers, totals)
    harsh = next(d for d in result["evaluators"] if d["evaluator_id"] == 3)
    others = [d for d in result["evaluators"] if d["evaluator_id"] != 3]
    assert harsh["mean_difference"] < 0 and all(d["mean_difference"] > 0 for d in others)
    assert harsh["mean_absolute_difference"] > max(d["mean_absolute_difference"] for d in others)


contacts = st.lists(st.builds(sampling.Contact, id=st.integers(1, 10_000), agent_id=st.integers(1, 5),
                              channel=st.sampled_from(["voice", "webchat", "sms"]),
                              handle_s=st.floats(0, 3600), transfers=st.integers(0, 2),
                              survey_score=st.none() | st.integers(1, 5)),
                    max_size=120, unique_by=lambda c: c.id)


@settings(max_examples=150, deadline=None)
@given(contacts, st.integers(1, 8))
def test_the_worklist_gives_each_agent_their_quota_half_targeted_and_is_stable(pool, per_agent):
    picked = sampling.pick(pool, per_agent=per_agent, seed="2026-12")
    assert picked == sampling.pick(list(reversed(pool)), per_agent=per_agent, seed="2026-12")
    by_agent: dict[int, list] = {}
    for c, why in picked:
        by_agent.setdefault(c.agent_id, []).append(why)
    for agent in {c.agent_id for c in pool}:
        mine = [c for c in pool if c.agent_id == agent]
        whys = by_agent.get(agent, [])
        assert len(whys) == min(per_agent, len(mine))
        assert sum(1 for w in whys if w != "random") <= (per_agent + 1) // 2
    ids = [c.id for c, _ in picked]
    assert len(ids) == len(set(ids))
    low = [c for c in pool if c.survey_score is not None and c.survey_score <= 2]
    for agent in {c.agent_id for c in low}:
        assert "low_score" in by_agent[agent]  # an unhappy citizen's contact is always looked at


def test_already_evaluated_contacts_count_against_the_quota():
    pool = [sampling.Contact(id=i, agent_id=1, channel="voice", handle_s=60) for i in range(1, 11)]
    picked = sampling.pick(pool, per_agent=4, seed="m", done=frozenset({1, 2, 3}))
    assert len(picked) == 1 and picked[0][0].id not in {1, 2, 3}
    with pytest.raises(ValueError, match="unknown target"):
        sampling.pick(pool, per_agent=4, seed="m", targets=("angry",))
