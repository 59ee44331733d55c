"""The bot's answer thresholds come from the collection itself, per language, and hold their rates."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from dasan.demo.data import ARTICLES
from dasan.knowledge.calibrate import NEVER, Calibration, Decision, Trial, calibrate_index, choose, trials
from dasan.knowledge.evaluation import decision_for
from dasan.knowledge.search import Result, passages

from .conftest import demo_docs

trial = st.builds(Trial, margin=st.floats(0, 5), cos=st.floats(0, 1), correct=st.booleans())


@settings(max_examples=200, deadline=None)
@given(pos=st.lists(trial, max_size=60), neg=st.lists(trial, max_size=60), outside=st.lists(trial, max_size=60),
       p=st.sampled_from([0.8, 0.9, 0.95]), r=st.sampled_from([0.05, 0.1, 0.3]), o=st.sampled_from([0.05, 0.2]))
def test_chosen_thresholds_hold_every_rate_on_the_pseudo_queries(pos, neg, outside, p, r, o):
    cal = choose(pos, neg, outside, min_precision=p, max_negative_pass=r, max_outside_pass=o)
    if cal.decision == NEVER:
        return

    def through(ts):
        return [t for t in ts if t.margin >= cal.decision.margin and t.cos >= cal.decision.cos]

    answered = through(pos)
    assert answered, "thresholds that answer nothing are NEVER"
    assert sum(t.correct for t in answered) / (len(answered) + 1) >= p
    assert (len(through(neg)) + 1) / (len(neg) + 1) <= r
    assert not outside or (len(through(outside)) + 1) / (len(outside) + 1) <= o
    assert cal.answered_rate == round(len(answered) / len(pos), 4)


def test_no_pseudo_queries_or_no_safe_pair_means_never_answering():
    assert choose([], []).decision == NEVER
    wrong = [Trial(1.0, 0.9, False)] * 50
    assert choose(wrong, []).decision == NEVER
    # Negatives that look exactly like the right answers: no pair separates them.
    right = [Trial(1.0, 0.9, True)] * 50
    assert choose(right, [Trial(1.0, 0.9, False)] * 50).decision == NEVER
    # Few negatives: one imaginary pass is already over 5 %.
    assert choose(right, [Trial(0.0, 0.1, False)] * 10, max_negative_pass=0.05).decision == NEVER
    assert choose(right, [Trial(0.0, 0.1, False)] * 40, max_negative_pass=0.05).decision != NEVER
    # Small talk that looks like the answers: silent, however the questions without an answer look.
    assert choose(right, [Trial(0.0, 0.1, False)] * 40, [Trial(1.0, 0.9, False)] * 40).decision == NEVER


def test_a_small_language_borrows_the_best_measured_thresholds():
    big = Calibration(Decision(0.4, 0.9), positives=120, negatives=120, answered_rate=0.7, precision=0.96,
                      negative_pass=0.03)
    tiny = Calibration(NEVER, positives=2, negatives=3, answered_rate=0.0, precision=0.0, negative_pass=0.0)
    strict = Calibration(NEVER, positives=80, negatives=80, answered_rate=0.0, precision=0.0, negative_pass=0.0)
    cals = {"ko": big, "en": tiny, "vi": strict}
    assert decision_for(cals, "ko") == Decision(0.4, 0.9)
    assert decision_for(cals, "en") == Decision(0.4, 0.9)  # too small to say: borrows
    assert decision_for(cals, "zh") == Decision(0.4, 0.9)  # no articles at all: borrows
    assert decision_for(cals, "vi") == NEVER  # measured, and nothing was safe: stays silent
    assert decision_for({"en": tiny}, "en") == NEVER


def test_pseudo_queries_leave_their_text_or_their_article_out(index):
    pos, neg = trials(index, lang="ko", cap=40)
    assert len(pos) == 40 and len(neg) == 40
    # Asked with one of its texts taken out, an article is still mostly found (the demo's
    # example questions are paraphrases of each other)...
    assert sum(t.correct for t in pos) / len(pos) >= 0.7
    # ...and asked with the whole article out of the ranking, nothing is ever right.
    assert not any(t.correct for t in neg)
    # Without an answer the best match is less clearly ahead than with one.
    assert sorted(t.margin for t in neg)[len(neg) // 2] < sorted(t.margin for t in pos)[len(pos) // 2]
    # The same articles give the same pseudo-queries: every process computes the same thresholds.
    assert trials(index, lang="ko", cap=40) == (pos, neg)
    assert index.docs == demo_docs()  # the index under calibration is left as it was


def test_calibration_is_per_language_and_the_bot_answers_only_when_sure(index):
    cals = calibrate_index(index, cap=120)
    assert set(cals) == {"ko"} and cals["ko"].measured
    d = cals["ko"].decision
    assert d != NEVER and cals["ko"].precision >= 0.9
    sure = index.search("소파 버리고 싶은데 어떻게 하나요")
    unsure = index.search("오늘 저녁 메뉴 추천해 주세요")
    assert d.answers(sure) and not d.answers(unsure)
    assert not d.answers(Result(hits=[], margin=9.0, top_cos=1.0))


def test_long_bodies_are_cut_into_passages_at_sentence_ends():
    body = "첫 문장입니다. " * 30 + "\n" + "가" * 700
    parts = passages(body)
    assert all(len(p) <= 300 for p in parts)
    assert "".join(parts).replace(" ", "") == body.replace(" ", "").replace("\n", "")
    assert parts[0].endswith("입니다.") and passages("") == [] and passages("짧은 답.") == ["짧은 답."]


def test_kb_calibrate_needs_no_query_file(tmp_path):
    rows = [{"id": str(i), "title": t, "body": b, "questions": q, "lang": "ko"}
            for i, (_, _, t, b, q) in enumerate(ARTICLES)]
    a = tmp_path / "a.jsonl"
    a.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in rows), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "dasan.cli", "kb", "calibrate", "--articles", str(a), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    ko = r["languages"]["ko"]
    assert r["articles"] == len(ARTICLES) and ko["answers"] is True and ko["pseudo_with_answer"] >= 20
    assert ko["pseudo_precision"] >= 0.9 and 0 < ko["cos"] < 1
