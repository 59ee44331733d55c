"""Group commit (channels.groupcommit): jobs that arrive together share one transaction; each is
acknowledged only after that commit; one refused job takes nothing else with it."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest
from sqlalchemy import func, select

from dasan.channels.groupcommit import GroupCommit, WriterStopped
from dasan.channels.intake import IntakeMessage, do_intake
from dasan.conversations.models import Citizen, Message
from dasan.core.errors import Invalid
from dasan.db.engine import session_scope
from dasan.events.actions import _PENDING


def _msg(i: int, phone: str | None = None) -> IntakeMessage:
    return IntakeMessage.model_validate({
        "channel": "sms", "external_id": f"gc-{i}", "sender": {"phone": phone or f"010-5551-{1000 + i}"},
        "text": f"질문 {i}", "sent_at": "2026-11-21T09:00:00+09:00"})


def _count(factory, model) -> int:
    with session_scope(factory) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_batch_commits_once_and_a_refused_job_leaves_no_rows_and_no_events(factory, monkeypatch):
    writer = GroupCommit(factory, name="test")
    commits: list[int] = []
    published: list[list] = []
    job_count = 5

    def job(i):
        def run(session):
            if i == 2:  # a refusal half-way through its work: a citizen row was already added
                do_intake(session=session, msg=_msg(i))
                raise Invalid("refused after writing", code="refused")
            return do_intake(session=session, msg=_msg(i))
        return run

    batch = [(job(i), Future()) for i in range(job_count)]
    seen_by_futures_before_commit: list[bool] = []

    def on_commit(session):
        if not session.in_nested_transaction():
            commits.append(1)
            published.append(list(session.info.get(_PENDING, [])))
            seen_by_futures_before_commit.append(any(f.done() and f.exception() is None for _, f in batch))

    from sqlalchemy import event
    event.listen(factory, "before_commit", on_commit)
    try:
        writer.run_batch(batch)
    finally:
        event.remove(factory, "before_commit", on_commit)
    assert commits == [1], "one transaction for the whole batch"
    assert seen_by_futures_before_commit == [False], "no job is acknowledged before the commit"
    results = [f.result() if i != 2 else None for i, (_, f) in enumerate(batch)]
    with pytest.raises(Invalid):
        batch[2][1].result()
    assert [r.seq for r in results if r] == [1, 1, 1, 1]
    assert _count(factory, Message) == 4 and _count(factory, Citizen) == 4  # the refused job's citizen is gone
    # The events that go out are those of the four stored messages, none of the refused one.
    conv_ids = {r.conversation_id for r in results if r}
    def conv_of(ev) -> int:
        data = ev.data if isinstance(ev.data, dict) else ev.data.model_dump()
        return data.get("conversation_id") or data["id"]

    event_convs = {conv_of(ev) for _, ev in published[0]}
    assert event_convs == conv_ids


def test_a_failed_commit_acknowledges_nothing(factory):
    writer = GroupCommit(factory, name="test")
    batch = [(lambda s, i=i: do_intake(session=s, msg=_msg(100 + i)), Future()) for i in range(3)]

    def broken(session):
        raise RuntimeError("the database went away at commit")

    from sqlalchemy import event
    event.listen(factory, "before_commit", broken)
    try:
        with pytest.raises(RuntimeError):
            writer.run_batch(batch)
    finally:
        event.remove(factory, "before_commit", broken)
    for _, fut in batch:
        with pytest.raises(RuntimeError):
            fut.result()
    assert _count(factory, Message) == 0


@pytest.mark.parametrize("writers", [1, 3])
def test_jobs_from_many_threads_are_all_stored_once_and_the_writer_stops_cleanly(factory, writers):
    writer = GroupCommit(factory, name="test", max_batch=16, writers=writers)
    futures: list[Future] = []
    lock = threading.Lock()

    def send(start):
        for i in range(start, start + 25):
            f = writer.submit(lambda s, i=i: do_intake(session=s, msg=_msg(200 + i % 60)))  # 40 resends
            with lock:
                futures.append(f)

    threads = [threading.Thread(target=send, args=(k * 25,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = [f.result(timeout=30) for f in futures]
    writer.stop()
    assert len(results) == 100 and sum(not r.duplicate for r in results) == 60
    assert _count(factory, Message) == 60
    with pytest.raises(WriterStopped):
        writer.submit(lambda s: None).result(timeout=1)
