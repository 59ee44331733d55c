"""Open311 GeoReport v2 conformance, written from the spec (wiki.open311.org/GeoReport_v2): every
endpoint in JSON and XML, every filter of GET requests, every error case in the spec's format, and
FixMyStreet's servicerequestupdates; a request made over Open311 is in the official's queue."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from dasan.cases.models import Case
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.security.actions import do_create_api_token

from ..conftest import login

ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
BASE = "/open311/v2"


@pytest.fixture
def key(seeded):
    with session_scope(seeded) as s:
        return do_create_api_token(session=s, channel="open311:fixmystreet")


def xml(r):
    return ElementTree.fromstring(r.content)


def post(client, key, fmt="json", **fields):
    data = {"api_key": key, "service_code": "bulky-waste", "lat": "37.5663", "long": "126.9019",
            "address_string": "서울특별시 마포구 월드컵로 212", "description": "소파 1개 수거 부탁드립니다",
            "attribute[ITEM]": "sofa", "attribute[COUNT]": "1", "email": "citizen@example.kr", "phone": "010-2222-3333",
            "media_url": "https://example.kr/photo.jpg", **fields}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data=data)


def test_discovery_in_both_formats(client, seeded):
    j = client.get(f"{BASE}/discovery.json").json()
    assert j["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(j["endpoints"][0]["formats"]) == {"text/xml", "application/json"}
    x = xml(client.get(f"{BASE}/discovery.xml"))
    assert x.tag == "discovery" and x.find("endpoints/endpoint/specification").text.endswith("GeoReport_v2")
    assert [f.text for f in x.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_services_and_definitions_cover_every_datatype(client, seeded):
    services = client.get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["bulky-waste"]["metadata"] is True and by_code["bus-complaint"]["metadata"] is False
    assert set(by_code["bulky-waste"]) >= {"service_code", "service_name", "description", "metadata", "type",
                                           "keywords", "group"}
    x = xml(client.get(f"{BASE}/services.xml"))
    assert x.tag == "services" and len(x.findall("service")) == len(services)
    assert {s.find("service_code").text: s.find("metadata").text for s in x}["bulky-waste"] == "true"
    datatypes = set()
    for code in ("bulky-waste", "illegal-parking", "streetlight"):
        d = client.get(f"{BASE}/services/{code}.json").json()
        assert d["service_code"] == code
        assert [a["order"] for a in d["attributes"]] == sorted(a["order"] for a in d["attributes"])
        datatypes |= {a["datatype"] for a in d["attributes"]}
        dx = xml(client.get(f"{BASE}/services/{code}.xml"))
        assert dx.tag == "service_definition" and dx.find("service_code").text == code
        assert len(dx.findall("attributes/attribute")) == len(d["attributes"])
    assert datatypes == {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
    item = xml(client.get(f"{BASE}/services/bulky-waste.xml")).find("attributes/attribute")
    assert item.find("variable").text == "true" and item.find("required").text == "true"
    assert [v.find("key").text for v in item.findall("values/value")] == ["fridge", "sofa", "mattress", "other"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_and_format_are_404_in_the_error_format(client, seeded, fmt):
    r = client.get(f"{BASE}/services/no-such.{fmt}")
    assert r.status_code == 404
    if fmt == "json":
        assert r.json() == [{"code": 404, "description": "no service 'no-such'"}]
    else:
        e = xml(r)
        assert e.tag == "errors" and e.find("error/code").text == "404"
    assert client.get(f"{BASE}/services.csv").status_code == 404
    assert client.get(f"{BASE}/requests/1999-000001.{fmt}").status_code == 404
    assert client.get(f"{BASE}/tokens/nope.{fmt}").status_code == 404


@pytest.mark.parametrize("fields, status, words", [
    ({"api_key": None}, 400, "api_key is required"),
    ({"api_key": "wrong"}, 403, "invalid api_key"),
    ({"service_code": None}, 400, "service_code is required"),
    ({"service_code": "no-such"}, 404, "no service"),
    ({"lat": None, "long": None, "address_string": None}, 400, "a location is required"),
    ({"lat": "north"}, 400, "decimal degrees"),
    ({"lat": "123"}, 400, "within ±90"),
    ({"attribute[ITEM]": None}, 400, "attribute[ITEM] is required"),
    ({"attribute[ITEM]": "piano"}, 400, "'piano' not among"),
    ({"attribute[COUNT]": "two"}, 400, "must be a number"),
    ({"attribute[PICKUP]": "tomorrow"}, 400, "ISO 8601"),
    ({"attribute[COLOR]": "red"}, 400, "unknown attribute COLOR"),
    ({"address_string": "somewhere", "lat": None, "long": None}, 400, "handled by the district"),
    ({"address_string": "somewhere", "lat": "40.7641", "long": "-73.9648"}, 400, "handled by the district"),
])
def test_bad_requests_get_the_spec_error_and_store_nothing(client, seeded, key, fields, status, words):
    r = post(client, key, **fields)
    assert r.status_code == status
    [err] = r.json()
    assert err["code"] == status and words in err["description"], err
    with session_scope(seeded) as s:
        assert s.scalars(select(Case)).all() == []


def _form(client, pairs):
    from urllib.parse import urlencode

    return client.post(f"{BASE}/requests.json", content=urlencode(pairs),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_coordinates_alone_find_the_district(client, seeded, key):
    # Near Gangnam-gu's office, with an address that names no district.
    r = post(client, key, lat="37.5180", long="127.0480", address_string="테헤란로 앞")
    assert r.status_code == 201
    with session_scope(seeded) as s:
        assert s.scalars(select(Case)).one().district_code == "gangnam"


def test_multivaluelist_checks_each_value(client, seeded, key):
    where = [("api_key", key), ("service_code", "illegal-parking"), ("lat", "37.5"), ("long", "127.0")]
    r = _form(client, [*where, ("attribute[BLOCKING][]", "crosswalk"), ("attribute[BLOCKING][]", "moon")])
    assert r.status_code == 400 and "moon not among" in r.json()[0]["description"]
    r = _form(client, [*where, ("attribute[BLOCKING][]", "crosswalk"), ("attribute[BLOCKING][]", "hydrant"),
                       ("attribute[PLATE]", "12가3456")])
    assert r.status_code == 201
    with session_scope(seeded) as s:
        case = s.scalars(select(Case)).one()
        assert case.attributes == {"BLOCKING": ["crosswalk", "hydrant"], "PLATE": "12가3456"}


def test_a_request_becomes_a_case_in_the_district_officials_queue_and_reads_back(client, seeded, key):
    r = post(client, key)
    assert r.status_code == 201
    [created] = r.json()
    rid = created["service_request_id"]
    rx = post(client, key, "xml", description="매트리스도 있습니다", **{"attribute[ITEM]": "mattress"})
    assert rx.status_code == 201
    rid2 = xml(rx).find("request/service_request_id").text
    oh = {"X-CSRF-Token": login(client, "official-mapo")}
    queue = client.get("/api/v1/cases", headers=oh).json()
    assert {c["number"] for c in queue} == {rid, rid2} and {c["source"] for c in queue} == {"open311"}

    [one] = client.get(f"{BASE}/requests/{rid}.json").json()
    assert one["service_request_id"] == rid and one["status"] == "open" and one["service_code"] == "bulky-waste"
    assert one["lat"] == 37.5663 and one["media_url"] == "https://example.kr/photo.jpg"
    assert one["agency_responsible"] == "Mapo-gu Sanitation Division"
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert ISO_WITH_ZONE.match(one[field]) and one[field].endswith("+09:00")
    ox = xml(client.get(f"{BASE}/requests/{rid}.xml"))
    assert ox.tag == "service_requests" and ox.find("request/service_request_id").text == rid

    with session_scope(seeded) as s:
        token = s.scalar(select(Case.open311_token).where(Case.number == rid))
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [{"service_request_id": rid, "token": token}]
    assert xml(client.get(f"{BASE}/tokens/{token}.xml")).find("request/service_request_id").text == rid

    # The official answers one: it is closed with the answer as status_notes, and the updates
    # feed shows the comment and the closing.
    [case] = [c for c in queue if c["number"] == rid]
    client.post(f"/api/v1/cases/{case['id']}/comments", json={"body": "내일 수거합니다", "public": True}, headers=oh)
    client.post(f"/api/v1/cases/{case['id']}/comments", json={"body": "내부 메모"}, headers=oh)
    client.post(f"/api/v1/cases/{case['id']}/resolve", json={"answer": "수거 완료"}, headers=oh).raise_for_status()
    [closed] = client.get(f"{BASE}/requests/{rid}.json").json()
    assert closed["status"] == "closed" and closed["status_notes"] == "수거 완료"
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert [(u["service_request_id"], u["status"], u["description"]) for u in updates] == [
        (rid, "OPEN", "내일 수거합니다"), (rid, "CLOSED", "수거 완료")]
    ux = xml(client.get(f"{BASE}/servicerequestupdates.xml"))
    assert ux.tag == "service_requests_updates" and len(ux.findall("request_update")) == 2
    assert client.get(f"{BASE}/servicerequestupdates.json", params={
        "start_date": "2030-01-02T00:00:00+09:00", "end_date": "2030-01-01T00:00:00+09:00"}).status_code == 400

    # Every filter of GET requests.
    def ids(**params):
        return {r["service_request_id"] for r in client.get(f"{BASE}/requests.json", params=params).json()}

    assert ids() == {rid, rid2}
    assert ids(service_request_id=f"{rid},{rid2}") == {rid, rid2}
    assert ids(service_request_id=rid, status="open") == {rid}  # ids given: the other filters are ignored
    assert ids(status="open") == {rid2} and ids(status="closed") == {rid} and ids(status="open,closed") == {rid, rid2}
    assert ids(service_code="bulky-waste") == {rid, rid2} and ids(service_code="streetlight,bus-complaint") == set()
    now = clock.now()
    assert ids(start_date=(now + timedelta(hours=1)).isoformat()) == set()
    assert ids(end_date=(now - timedelta(hours=1)).isoformat()) == set()
    assert ids(start_date=(now - timedelta(hours=1)).isoformat(), end_date=(now + timedelta(hours=1)).isoformat()) \
        == {rid, rid2}
    lx = xml(client.get(f"{BASE}/requests.xml", params={"status": "closed"}))
    assert [r.find("service_request_id").text for r in lx.findall("request")] == [rid]
    for bad in ({"status": "pending"}, {"start_date": "yesterday"},
                {"start_date": "2026-11-02T00:00:00+09:00", "end_date": "2026-11-01T00:00:00+09:00"}):
        r = client.get(f"{BASE}/requests.json", params=bad)
        assert r.status_code == 400 and r.json()[0]["code"] == 400
