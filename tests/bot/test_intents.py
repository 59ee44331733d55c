"""The intent classifier and the eval contracts on small files."""

from __future__ import annotations

import json
import subprocess
import sys

from dasan.bot.intents import OOS, IntentClassifier

TRAIN = {
    "report_parking": ["불법 주차 신고할게요", "차가 길을 막고 있어요", "소화전 앞에 차가 있어요", "주차 위반 신고",
                       "불법주차 차량 신고하려고요", "골목에 차가 세워져 있어서 못 지나가요"],
    "bulky_waste": ["소파 버리고 싶어요", "대형폐기물 스티커", "장롱 버리는 법", "침대 매트리스 버리기",
                    "가구 폐기 신청", "냉장고 버리려면"],
    "lost_found": ["지갑을 잃어버렸어요", "버스에 가방을 두고 내렸어요", "분실물 찾기", "휴대폰 분실했어요",
                   "지하철에 우산 놓고 내림", "잃어버린 물건 찾고 싶어요"],
    OOS: ["오늘 날씨 좋네", "심심해", "너는 누구니", "점심 뭐 먹지", "노래 추천해줘", "사랑해"],
}


def _pairs():
    return [(t, label) for label, texts in TRAIN.items() for t in texts]


def test_classifier_learns_intents_and_rejects_small_talk():
    texts, labels = zip(*_pairs(), strict=True)
    clf = IntentClassifier().fit(texts, labels)
    preds = clf.predict(["소파 버리려면 어떻게 해요", "지갑 분실 신고", "불법 주차 차량이 있어요",
                         "배고프다 뭐 먹을까"])
    assert [p.label for p in preds[:3]] == ["bulky_waste", "lost_found", "report_parking"]
    assert preds[3].in_scope_label in TRAIN  # the best guess is kept even when rejected
    assert clf.train_s > 0


def test_eval_intents_contract(tmp_path):
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    pairs = _pairs()
    train.write_text("".join(json.dumps({"text": t, "label": label}, ensure_ascii=False) + "\n"
                             for t, label in pairs), encoding="utf-8")
    test.write_text("".join(json.dumps({"text": t, "label": label}, ensure_ascii=False) + "\n"
                            for t, label in pairs[::2]), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "dasan.cli", "bot", "eval-intents", "--train", str(train), "--test",
                          str(test), "--json"], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert {"n", "in_scope_accuracy", "oos_recall", "oos_precision", "train_s", "p95_ms"} <= result.keys()
    assert result["n"] == len(pairs[::2])


def test_bad_files_get_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hi"}\n', encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "dasan.cli", "bot", "eval-intents", "--train", str(bad), "--test",
                          str(bad), "--json"], capture_output=True, text=True)
    assert out.returncode == 2 and "each line needs string fields text and label" in out.stderr
