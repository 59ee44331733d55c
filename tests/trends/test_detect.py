"""The emerging-issue detector (pure core) and `dasan trends detect` on a file of records."""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dasan.cli import main
from dasan.trends.detect import Detector, Record, detect, poisson_tail, upper_share

KST = timezone(timedelta(hours=9))
START = datetime(2026, 3, 2, 0, 0, tzinfo=KST)
VOCAB = [f"w{i}" for i in range(300)]
WEIGHTS = [1 / (i + 1) for i in range(300)]  # everyday words, Zipf-like


def words(rec: Record) -> frozenset[str]:
    return frozenset(rec.text.split())


def background(rng: random.Random, days: int, per_day: int = 600) -> list[Record]:
    """A center's ordinary days: busy in the day, quiet at night, texts from one vocabulary."""
    out = []
    for day in range(days):
        for i in range(per_day):
            hour = rng.choices(range(24), [1] * 7 + [8] * 12 + [3] * 5)[0]
            at = START + timedelta(days=day, hours=hour, seconds=rng.uniform(0, 3600))
            out.append(Record(id=f"b{day}-{i}", at=at, text=" ".join(rng.choices(VOCAB, WEIGHTS, k=5)),
                              district=rng.choice(["마포구", "중구", "강남구"])))
    return sorted(out, key=lambda r: r.at)


def burst(rng: random.Random, start: datetime, size: int, minutes: int, district: str = "") -> list[Record]:
    return [Record(id=f"x{i}", at=start + timedelta(minutes=rng.uniform(0, minutes)),
                   text="단수 수돗물 " + " ".join(rng.choices(VOCAB, WEIGHTS, k=2)),
                   district=district or rng.choice(["중구", "강남구"])) for i in range(size)]


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_ordinary_days_raise_no_alert(seed):
    assert detect(background(random.Random(seed), days=4), words) == []


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.integers(8, 30), minutes=st.sampled_from([30, 60, 120]))
def test_a_burst_of_a_new_topic_is_one_alert_about_its_own_records(seed, size, minutes):
    rng = random.Random(seed)
    start = START + timedelta(days=3, hours=10)
    injected = burst(rng, start, size, minutes, district="마포구")
    alerts = detect(background(rng, days=4) + injected, words)
    assert len(alerts) == 1
    alert = alerts[0]
    ids = {r.id for r in injected}
    assert set(alert.record_ids) <= ids and alert.count == len(alert.record_ids) >= 3
    assert {"단수", "수돗물"} <= set(alert.terms[:2])
    assert alert.first_seen == min(r.at for r in injected) <= alert.detected_at
    # as far as seen when it fired: exactly the burst's records that had arrived by then
    assert set(alert.record_ids) == {r.id for r in injected if r.at <= alert.detected_at}
    assert alert.district == "마포구"  # most of its records name it (the mixed ones name none)


def test_the_time_of_day_is_learnt_a_word_that_is_always_common_at_night_does_not_alarm():
    rng = random.Random(7)
    recs = background(rng, days=6)
    night = [Record(id=f"n{d}-{i}", at=START + timedelta(days=d, hours=23, minutes=rng.uniform(0, 59)),
                    text="층간소음 " + " ".join(rng.choices(VOCAB, WEIGHTS, k=3))) for d in range(6) for i in range(12)]
    alerts = detect(recs + night, words)
    assert [a for a in alerts if a.detected_at >= START + timedelta(days=2)] == []


def test_an_alert_stays_open_while_its_records_keep_coming_and_raises_no_second():
    rng = random.Random(3)
    later = START + timedelta(days=3, hours=11)
    injected = burst(rng, START + timedelta(days=3, hours=9), 20, 60) + \
        [Record(id=f"y{i}", at=later + timedelta(minutes=i), text="단수 수돗물 w1") for i in range(20)]
    detector = Detector(words)
    for rec in sorted(background(rng, days=4) + injected, key=lambda r: r.at):
        detector.feed(rec)
    assert len(detector.alerts) == 1 and detector.alerts[0].total == 40


def test_records_must_arrive_in_time_order():
    detector = Detector(words)
    detector.feed(Record(id="a", at=START + timedelta(minutes=5), text="x"))
    with pytest.raises(ValueError, match="arrives before"):
        detector.feed(Record(id="b", at=START, text="y"))


@given(count=st.integers(0, 1000), extra=st.integers(0, 100_000))
def test_the_upper_share_is_a_share_above_the_observed_one(count, extra):
    total = count + extra
    share = upper_share(count, total)
    assert 0 < share <= 1
    if total:
        assert share >= count / total


@given(k=st.integers(1, 50), expected=st.floats(0.001, 50))
def test_the_poisson_tail_falls_as_the_count_rises(k, expected):
    assert 0 <= poisson_tail(k + 1, expected) <= poisson_tail(k, expected) <= 1


def _write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "created_at", "text", "category", "district", "channel"])
        w.writeheader()
        w.writerows(rows)


EVERYDAY = ["주차 단속 문의합니다", "버스 노선이 바뀌었나요", "쓰레기 수거 요일이 언제인가요",
            "여권 발급 서류 알려주세요", "전입신고는 어디서 하나요", "자동차세 납부 기한 문의",
            "공원 운동기구 고장 신고", "가로등이 꺼져 있어요"]


def test_the_command_reads_records_and_prints_the_alerts(tmp_path, capsys):
    rng = random.Random(11)
    rows = []
    for day in range(3):
        for i in range(300):
            at = START + timedelta(days=day, hours=rng.choice(range(8, 20)), seconds=rng.uniform(0, 3600))
            rows.append({"id": f"r{day}-{i}", "created_at": at.isoformat(), "text": rng.choice(EVERYDAY),
                         "category": rng.choice(["교통", "환경", ""]), "district": rng.choice(["중구", "강남구", ""]),
                         "channel": "voice"})
    outage = START + timedelta(days=2, hours=14)
    for i in range(15):
        rows.append({"id": f"o{i}", "created_at": (outage + timedelta(minutes=2 * i)).isoformat(),
                     "text": rng.choice(["마포구에 수돗물이 안 나와요 단수인가요", "단수 언제 끝나나요 마포구 망원동",
                                         "물이 안 나오는데 단수 공지가 있었나요"]),
                     "category": "", "district": "마포구", "channel": "sms"})
    rows.sort(key=lambda r: r["created_at"])
    path = tmp_path / "records.csv"
    _write(path, rows)
    assert main(["trends", "detect", "--records", str(path), "--json"]) == 0
    alerts = json.loads(capsys.readouterr().out)["alerts"]
    assert len(alerts) == 1
    alert = alerts[0]
    assert set(alert) == {"label", "terms", "first_seen", "detected_at", "count", "district", "record_ids"}
    assert "단수" in alert["terms"] and alert["district"] == "마포구"
    assert all(r.startswith("o") for r in alert["record_ids"]) and alert["count"] == len(alert["record_ids"])
    assert datetime.fromisoformat(alert["first_seen"]) == outage
    assert datetime.fromisoformat(alert["detected_at"]) - outage <= timedelta(minutes=30)


@pytest.mark.parametrize(("content", "message"), [
    ("id,text\n1,x\n", "missing column(s) created_at"),
    ("id,created_at,text\n1,2026-03-02T10:00:00,x\n", "has no UTC offset"),
    ("id,created_at,text\n1,yesterday,x\n", "is not an ISO 8601 time"),
    ("id,created_at,text\n1,2026-03-02T10:00:00+09:00,x\n1,2026-03-02T10:01:00+09:00,y\n", "appears twice"),
    ("id,created_at,text\n,2026-03-02T10:00:00+09:00,x\n", "empty id"),
])
def test_a_bad_file_is_a_clear_error(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["trends", "detect", "--records", str(path), "--json"]) == 2
    assert message in capsys.readouterr().err
