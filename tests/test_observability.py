"""Operations: /metrics after traffic shows the counters moving, every response and log line
carries a request id, /readyz says whether the database and Redis answer."""

from __future__ import annotations

import json
import logging
import re

from fastapi.testclient import TestClient

from dasan.app import create_app
from dasan.db.engine import session_scope
from dasan.observability.logs import JsonFormatter, RedactFilter, RequestIdFilter, log_config
from dasan.security.actions import do_create_api_token

from .conftest import login


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _tokens(factory) -> tuple[str, str]:
    with session_scope(factory) as s:
        return do_create_api_token(session=s, channel="metrics"), do_create_api_token(session=s, channel="sms")


def _message(i: int) -> dict:
    return {"channel": "sms", "external_id": f"obs-{i}", "sender": {"phone": f"010-5550-{1000 + i}"},
            "text": "버스 정기권 환불 문의", "sent_at": "2026-11-21T09:00:00+09:00"}


def test_metrics_after_traffic_show_the_counters_moving(client, seeded):
    scrape_token, sms_token = _tokens(seeded)
    auth = {"Authorization": f"Bearer {scrape_token}"}
    assert client.get("/metrics").status_code == 401  # a scraper shows its token
    assert client.get("/metrics", headers={"Authorization": f"Bearer {sms_token}"}).status_code == 403
    before = client.get("/metrics", headers=auth).text
    route = "/api/v1/intake/messages"
    for i in range(5):
        r = client.post(route, json=_message(i), headers={"Authorization": f"Bearer {sms_token}"})
        assert r.status_code == 202
    client.post(route, json=_message(0), headers={"Authorization": f"Bearer {sms_token}"})  # a redelivery
    with client.websocket_connect("/ws/chat") as ws:
        ws.send_json({"type": "hello", "visitor": "o" * 20, "lang": "ko", "after_seq": 0})
        ws.receive_json()
        during = client.get("/metrics", headers=auth).text
    after = client.get("/metrics", headers=auth).text

    def moved(name, **labels):
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    assert moved("dasan_http_request_duration_seconds_count", route=route, method="POST", status="202") == 6
    assert moved("dasan_intake_messages_total", channel="sms", outcome="accepted") == 5
    assert moved("dasan_intake_messages_total", channel="sms", outcome="duplicate") == 1
    # the websocket was counted while open, and no longer after
    assert _sample(during, "dasan_websocket_connections", path="/ws/chat") == 1
    assert _sample(after, "dasan_websocket_connections", path="/ws/chat") == 0
    # backlogs from the database: the five citizens wait in the queue
    assert _sample(after, "dasan_contacts", status="queued") >= 5
    assert "dasan_offers_waiting" in after and "dasan_outbox_backlog" in after
    # ids never become labels: the route is the template
    assert not re.search(r'route="[^"]*/\d+', after)
    # and a scrape's token sends nothing
    r = client.post(route, json={**_message(9), "channel": "metrics"}, headers=auth)
    assert r.status_code == 403 and r.json()["error"] == "wrong_channel"


def test_every_response_carries_a_request_id_and_a_sane_one_given_is_kept(client):
    r = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
    assert client.get("/healthz", headers={"X-Request-ID": "lb-abc-12345"}).headers["x-request-id"] == "lb-abc-12345"
    odd = client.get("/healthz", headers={"X-Request-ID": "x\" onload=1"}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", odd)  # not echoed: a new one
    assert client.get("/api/v1/nothing-here").headers["x-request-id"]  # errors too


def test_log_lines_are_json_with_the_request_id():
    from dasan.observability.logs import request_id

    record = logging.LogRecord("dasan.test", logging.WARNING, __file__, 1, "stored %s", ("x",), None)
    token = request_id.set("abc123def456")
    try:
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["msg"] == "stored x" and line["level"] == "warning" and line["request_id"] == "abc123def456"


def test_credentials_and_citizens_words_in_request_uris_never_reach_the_log():
    # An access-log record as uvicorn writes it: the request URI is one of its arguments.
    uri = ("/channels/sms/kannel/mo?token=s3cr3t-Tok_en&from=010&text=%EC%95%88&id=7&api_key=k3y"
           "&dlr-url=http%3A%2F%2Fh%2Fdlr%3Ftoken%3Dd1r-s3cr3t%26id%3D9")
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", uri, "1.1", 200), None)
    RedactFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))["msg"]
    assert "s3cr3t" not in line and "k3y" not in line and "010" not in line and "%EC%95%88" not in line
    assert "mo?token=***&from=***&text=***&id=7&api_key=***&dlr-url=http%3A%2F%2Fh%2Fdlr%3Ftoken%3D***%26id%3D9" in line
    # Both log formats run the filter on the one handler every logger writes through.
    for fmt in ("json", "text"):
        config = log_config(fmt)
        assert config["handlers"]["main"]["filters"][0] == "redact"
        assert config["loggers"]["httpx"]["level"] == "WARNING"  # outgoing URIs carry citizens' texts


def test_readyz_names_what_is_down(settings):
    with TestClient(create_app(settings)) as c:
        r = c.get("/readyz")
        assert r.status_code == 200 and r.json() == {"ready": True, "database": "ok"}
    # Redis configured but not answering (nothing listens on port 1): not ready, and says why.
    app = create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    c = TestClient(app)
    r = c.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["ready"] is False and body["database"] == "ok" and body["redis"].startswith("unavailable")


PLANTED = ("010-4821-7735", "900101-1234568", "4111 1111 1111 1111", "kim.citizen@example.com", "M12345678")


def test_personal_identifiers_never_reach_the_log_even_in_an_exception():
    try:
        raise ValueError(f"cannot reach {PLANTED[0]} for 900101-1234568")
    except ValueError:
        import sys
        exc = sys.exc_info()
    record = logging.LogRecord("dasan.voice.controller", logging.ERROR, __file__, 1,
                               "call from %s: card %s, mail %s, passport %s", PLANTED[:1] + PLANTED[2:], exc)
    RedactFilter().filter(record)
    line = JsonFormatter().format(record)
    assert not [p for p in PLANTED if p in line], line
    assert "call from ***-****-****" in json.loads(line)["msg"] and "ValueError" in json.loads(line)["exc"]


def test_no_csv_export_carries_a_personal_identifier(client, seeded, factory):
    """Every export goes through the one CSV writer, which masks identifiers in text cells; the
    exports a run of the center produces are checked too (after contacts that carry them)."""
    from dasan.core.csvfile import to_csv

    text = to_csv(["note", "n"], [{"note": "연락처 " + " / ".join(PLANTED), "n": 3}])
    assert not [p for p in PLANTED if p in text] and text.splitlines()[1].endswith(",3")
    with session_scope(factory) as s:
        token = do_create_api_token(session=s, channel="sms")
    for i, planted in enumerate(PLANTED):
        r = client.post("/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"},
                        json={"channel": "sms", "external_id": f"pii-{i}", "sender": {"phone": "010-4821-7735"},
                              "text": f"제 정보는 {planted} 입니다", "sent_at": "2026-11-21T09:00:00+09:00"})
        assert r.status_code == 202
    login(client, "supervisor1")
    for url in ("/api/v1/reports/intervals?format=csv", "/api/v1/reports/cases?format=csv"):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), (url, r.text[:200])
        assert not [p for p in PLANTED if p in r.text]
