"""Abusive-language detection: word lists per language, the trained model, `dasan protect eval`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dasan.abuse import lexicon
from dasan.abuse.evaluation import recall_at_precision
from dasan.abuse.model import AbuseModel, bundled
from dasan.cli import main as cli


@pytest.mark.parametrize("lang,text,kind", [
    ("ko", "씨1발 뭐 하는 거야", "profanity"),
    ("ko", "병.신 같은 상담원", "insult"),
    ("ko", "찾아간다 기다려", "threat"),
    ("ko", "목소리 섹시하네", "sexual"),
    ("en", "You are an IDIOT", "insult"),
    ("en", "I will kill you", "threat"),
    ("zh", "你这个傻逼", "insult"),
    ("ja", "死ね", "threat"),
    ("vi", "đồ ngu", "insult"),
    ("mn", "чи тэнэг үү", "insult"),
])
def test_each_service_language_has_words_of_each_kind(lang, text, kind):
    found = lexicon.hits(text, lang)
    assert found and found[0].kind == kind


@pytest.mark.parametrize("lang,text", [
    ("ko", "쓰레기 수거는 언제 하나요?"),  # garbage collection: the center's daily question
    ("ko", "한남동 주민센터 위치 알려주세요"),
    ("ko", "서울시 발표에 따르면 내일부터래요"),
    ("ko", "불이 꺼져 있어요"),
    ("ko", "시발점이 어디예요"),
    ("en", "I cannot find your office on the map"),
    ("vi", "Tôi ngủ không được vì tiếng ồn"),
    ("zh", "垃圾什么时候收"),
])
def test_everyday_questions_are_not_abusive(lang, text):
    assert lexicon.hits(text, lang) == []


def test_sexual_harassment_is_named_before_profanity():
    assert [h.kind for h in lexicon.hits("씨발 목소리 섹시하네", "ko")][:1] == ["sexual"]


@given(st.text(alphabet="0123456789.,!?~*-_", min_size=1, max_size=3))
def test_digits_and_punctuation_inside_a_word_do_not_hide_it(junk):
    assert any(h.word == "병신" for h in lexicon.hits(f"이 병{junk}신아", "ko"))


def test_the_bundled_model_tells_abuse_from_questions():
    model = bundled()
    abusive = ["이런 병신 같은 공무원들 세금만 축내고", "니들이 하는 게 뭐가 있냐 ㅅㅂ 다 죽어라"]
    polite = ["대형폐기물 스티커는 어디서 사나요?", "여권 재발급 신청하려면 뭐가 필요한가요", "쓰레기 언제 가져가요",
              "옆집 개가 밤새 짖어요"]
    s = model.scores(abusive + polite)
    assert min(s[:2]) > model.threshold > max(s[2:])  # rubbish and dogs are the center's daily questions


def test_hashed_scoring_matches_the_trained_pipeline(tmp_path):
    """The saved model (kept features only) scores exactly as scikit-learn's pipeline it came from
    (fitted here without the everyday examples, whose weight the pipeline would need too)."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    from dasan.abuse.model import _vectorizers

    texts = ["바보 멍청이", "좋은 하루 되세요", "꺼지라고 이 바보야", "민원 접수 부탁드립니다", "멍청한 소리 하지 마",
             "감사합니다 수고하세요"] * 3
    labels = [True, False, True, False, True, False] * 3
    model = AbuseModel._fit(texts, np.asarray(labels), 4.0, np.ones(len(texts)))
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = AbuseModel.load(path)
    probe = ["바보 같은 민원", "처음 보는 글자들 ㅎㅎ", "수고하세요"]
    blocks, probe_blocks = [], []
    for vec in _vectorizers():
        tf = TfidfTransformer(sublinear_tf=True).fit(vec.transform(texts))
        blocks.append(tf.transform(vec.transform(texts)))
        probe_blocks.append(tf.transform(vec.transform(probe)))
    lr = LogisticRegression(C=4.0, max_iter=3000).fit(hstack(blocks).tocsr(), labels)
    expected = lr.predict_proba(hstack(probe_blocks).tocsr())[:, 1]
    assert np.allclose(loaded.scores(probe), expected, atol=1e-5)


def test_recall_at_precision_takes_ties_together():
    y = np.array([1, 1, 0, 1, 0, 0], dtype=bool)
    s = np.array([0.9, 0.8, 0.8, 0.7, 0.2, 0.1])
    # top 1: p=1 r=1/3; top 3 (tie at 0.8 taken whole): p=2/3; top 4: p=3/4
    assert recall_at_precision(y, s, 0.9) == pytest.approx(1 / 3)
    assert recall_at_precision(y, s, 0.75) == pytest.approx(1.0)


def _write(path, rows):
    path.write_text("".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n" for t, lab in rows),
                    encoding="utf-8")


def test_protect_eval_prints_the_figures(tmp_path, capsys):
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    _write(train, [("바보 멍청이 꺼져", "abusive"), ("좋은 하루 되세요", "ok"), ("이 바보 멍청아", "abusive"),
                   ("민원 접수 부탁드립니다", "ok")] * 100)
    _write(test, [("이 바보 멍청아", "abusive"), ("민원 접수 부탁드립니다", "ok")])
    assert cli(["protect", "eval", "--train", str(train), "--test", str(test), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"n", "f1", "precision", "recall", "recall_at_p90", "train_s", "p95_ms"}
    assert out["n"] == 2 and out["f1"] == 1.0 and out["recall_at_p90"] == 1.0


def test_protect_eval_refuses_a_bad_file_clearly(tmp_path, capsys):
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    _write(train, [("바보", "abusive")])
    test.write_text('{"text": "x", "label": "rude"}\n', encoding="utf-8")
    assert cli(["protect", "eval", "--train", str(train), "--test", str(test), "--json"]) == 2
    assert 'test.jsonl:1: a row needs "text" (a string) and "label" ("abusive" or "ok")' in capsys.readouterr().err
