"""Hot spots: cases per district, with the contacts behind them, on the shipped map of Seoul's
districts (every demo district is on it), narrowed to a topic's contacts; clear refusals."""

from __future__ import annotations

from sqlalchemy import select

from dasan.cases.actions import do_open_case
from dasan.cases.models import CaseType
from dasan.center import service as center_service
from dasan.conversations.actions import do_get_or_create_citizen, do_start_conversation
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.demo.data import DISTRICTS
from dasan.trends.models import TrendTopic
from tests.conftest import login


def test_cases_per_district_on_the_map_and_for_a_topic(client, seeded, factory):
    with session_scope(factory) as s:
        ctype = s.scalar(select(CaseType).where(CaseType.code == "bulky-waste"))
        topic_convs = []
        for i, district in enumerate(["mapo", "mapo", "mapo", "gangnam"]):
            citizen = do_get_or_create_citizen(session=s, kind="phone", value=f"+821099900{i:03d}")
            conv = do_start_conversation(session=s, citizen=citizen, channel="webchat")
            do_open_case(session=s, ctype=ctype, title="소파 수거", conversation=conv, district_code=district)
            if i < 2:
                topic_convs.append(conv.id)
        today = center_service.get(s).today(clock.now())
        topic = TrendTopic(period="day", start=today, label="소파", terms=["소파"], size=2,
                           conversation_ids=topic_convs, examples=topic_convs, articles=[])
        s.add(topic)
        s.flush()
        topic_id = topic.id
    login(client, "analyst1")
    day = today.isoformat()
    out = client.get(f"/api/v1/trends/hotspots?start={day}&end={day}").json()
    assert out["map"] is not None and "Apache-2.0" in out["map"]["licence"]
    on_map = {d["name"] for d in out["map"]["districts"]}
    assert on_map == {name for _, name, _ in DISTRICTS}  # all 25 of the demo's districts have a shape
    rows = {r["district"]: r for r in out["districts"]}
    assert rows["마포구"] == {"district": "마포구", "cases": 3, "contacts": 3}
    assert rows["강남구"]["cases"] == 1 and rows["종로구"]["cases"] == 0
    narrowed = client.get(f"/api/v1/trends/hotspots?start={day}&end={day}&topic_id={topic_id}").json()
    assert {r["district"]: r["cases"] for r in narrowed["districts"] if r["cases"]} == {"마포구": 2}
    assert client.get(f"/api/v1/trends/hotspots?start={day}&end=2000-01-01").status_code == 422
    assert client.get(f"/api/v1/trends/hotspots?start={day}&end={day}&topic_id=99999").status_code == 404
    client.cookies.clear()
    login(client, "agent1")
    assert client.get(f"/api/v1/trends/hotspots?start={day}&end={day}").status_code == 403
