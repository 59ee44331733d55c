"""Publication to answer: how long after a reviewer approves an article the bot's answer to a
citizen's question comes back from it (the index picks the new article up at that first search).

The figure the knowledge issue set is < 2 s. Each round publishes a new article and times one
citizen question over the chat websocket, in-process (TestClient), on a fresh SQLite database
with the demo city. The anchor is the same question about an article that was already published
(the bot's own answer time), measured in the same run.

Usage: .venv/bin/python bench/publish_latency.py [ROUNDS]   (default 5)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from dasan.app import create_app
from dasan.config import Settings
from dasan.db.engine import session_scope
from dasan.demo.seed import seed
from dasan.knowledge.actions import do_create_article, do_review, do_submit
from dasan.knowledge.models import Article
from dasan.orgs.models import User

ITEMS = [("폐건전지·폐형광등 버리는 곳", "다 쓴 건전지는 어디에 버리나요?", "건전지 어디에 버려요"),
         ("헌 옷 수거함 위치 안내", "헌 옷은 어디에 내놓나요?", "헌 옷 버리는 곳"),
         ("폐식용유 배출 방법", "쓰고 남은 식용유는 어떻게 버려요?", "식용유 버리는 방법"),
         ("깨진 유리 버리는 방법", "깨진 유리컵은 어떻게 버리나요?", "유리 깨진 것 버리기"),
         ("아이스팩 배출 방법", "아이스팩은 어디에 버려요?", "아이스팩 버리는 법"),
         ("폐의약품 수거 장소", "먹다 남은 약은 어디에 버리나요?", "약 버리는 곳")]


def ask(client: TestClient, visitor: str, text: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    with client.websocket_connect("/ws/chat") as ws:
        ws.send_json({"type": "hello", "visitor": visitor, "lang": "ko", "after_seq": 0})
        assert ws.receive_json()["type"] == "welcome"
        ws.send_json({"type": "send", "client_msg_id": "m", "text": text})
        while True:
            f = ws.receive_json()
            if f["type"] == "message.created" and f["data"]["kind"] == "outbound":
                return time.perf_counter() - t0, f["data"]["body"]


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(data_dir=Path(tmp), bot_enabled=True, lost_turn_interval_s=3600.0))
        factory = app.state.session_factory
        from dasan.db.migrate import upgrade

        upgrade(app.state.settings)
        with session_scope(factory) as s:
            seed(session=s)
        new, known = [], []
        with TestClient(app) as client:
            ask(client, "warm" * 5, "안녕하세요")  # models loaded, index built
            for k, (title, question, example) in enumerate(ITEMS[:rounds]):
                with session_scope(factory) as s:
                    official = s.scalar(select(User).where(User.username == "official-recycling"))
                    art = do_create_article(session=s, author=official, department_id=official.department_id,
                                            title=title, body=f"{title}: 동 주민센터에 문의해 주세요.",
                                            questions=[example])
                    do_submit(session=s, user=official, art=art)
                with session_scope(factory) as s:
                    reviewer = s.scalar(select(User).where(User.username == "supervisor1"))
                    do_review(session=s, reviewer=reviewer, art=s.get(Article, art.id), approve=True)
                took, body = ask(client, f"new{k:03d}" * 4, question)
                new.append(took)
                print(f"round {k}: first answer after publication {took * 1000:.0f} ms "
                      f"({'from it' if body.startswith(title) else 'NOT from it'})")
                took, _ = ask(client, f"old{k:03d}" * 4, "대형폐기물 스티커는 어디서 사나요?")
                known.append(took)
    print(f"publication → answer: median {statistics.median(new) * 1000:.0f} ms over {len(new)} "
          f"(target < 2,000 ms); anchor, an answer from an article already indexed: median "
          f"{statistics.median(known) * 1000:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
