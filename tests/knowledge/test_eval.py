"""`dasan kb eval` and `dasan lang eval` keep their contracts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def _run(*args):
    return subprocess.run([sys.executable, "-m", "dasan.cli", *args], capture_output=True, text=True, timeout=300)


def test_kb_eval_contract(tmp_path):
    arts = [{"id": f"a{i}", "title": t, "body": "", "questions": [t], "lang": "ko"} for i, t in enumerate(
        ["대형폐기물 버리는 방법", "수도요금 조회", "여권 재발급", "전입신고 방법", "불법 주차 신고"])]
    queries = [{"query": "소파 같은 큰 쓰레기 버리기", "expected": "a0", "lang": "ko"},
               {"query": "수도세 얼마 나왔는지 보려면", "expected": "a1", "lang": "ko"},
               {"query": "오늘 점심 뭐 먹지", "expected": None, "lang": "ko"}]
    a, q = tmp_path / "a.jsonl", tmp_path / "q.jsonl"
    a.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in arts), encoding="utf-8")
    q.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in queries), encoding="utf-8")
    out = _run("kb", "eval", "--articles", str(a), "--queries", str(q), "--json")
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert {"n", "top1", "top3", "mrr", "answered_rate", "answered_precision", "p50_ms", "p95_ms",
            "index_s"} <= r.keys()
    assert r["n"] == 3 and r["top1"] == 1.0


def test_kb_eval_rejects_malformed_lines(tmp_path):
    a = tmp_path / "a.jsonl"
    a.write_text('{"id": "x", "title": "t"}\n{oops\n', encoding="utf-8")
    out = _run("kb", "eval", "--articles", str(a), "--queries", str(a), "--json")
    assert out.returncode == 2 and "a.jsonl:2: not JSON" in out.stderr


def test_lang_eval_contract(tmp_path):
    s = tmp_path / "s.jsonl"
    s.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in [
        {"text": "안녕하세요", "lang": "ko"}, {"text": "Hello there, how are you?", "lang": "en"},
        {"text": "你好，我想问一下", "lang": "zh"}]), encoding="utf-8")
    r = json.loads(_run("lang", "eval", "--samples", str(s), "--json").stdout)
    assert r["n"] == 3 and r["accuracy"] == 1.0 and set(r["per_lang"]) == {"ko", "en", "zh"} and "p99_ms" in r
