"""`dasan kb import`: JSONL, CSV and XLSX; bad rows reported and not stored; idempotent."""

from __future__ import annotations

import json

from openpyxl import Workbook
from sqlalchemy import func, select

from dasan.db.engine import session_scope
from dasan.knowledge.importer import do_import
from dasan.knowledge.models import Article


def _count(factory):
    with session_scope(factory) as s:
        return s.scalar(select(func.count()).select_from(Article).where(Article.published_version.is_not(None)))


def test_jsonl_with_bad_rows(factory, tmp_path):
    f = tmp_path / "a.jsonl"
    rows = [{"title": "수도요금 조회", "body": "누리집에서 조회합니다.", "questions": ["수도세 얼마"]},
            {"title": "", "body": "제목 없음"},
            {"title": "언어 오류", "body": "본문", "lang": "fr"},
            {"title": "부서 오류", "body": "본문", "department": "nope"}]
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n", encoding="utf-8")
    with session_scope(factory) as s:
        report = do_import(session=s, path=f).as_dict()
    assert report["imported"] == 1 and report["read"] == 5
    assert report["rejected"] == [
        {"row": 2, "reason": "title is empty"},
        {"row": 3, "reason": "lang 'fr' is not one of en, ja, ko, mn, vi, zh"},
        {"row": 4, "reason": "unknown department 'nope'"},
        {"row": 5, "reason": "not JSON (Expecting property name enclosed in double quotes)"},
    ]
    with session_scope(factory) as s:
        again = do_import(session=s, path=f).as_dict()
    assert again["imported"] == 0 and again["skipped_existing"] == 1
    assert _count(factory) == 1


def test_csv_and_xlsx(factory, tmp_path):
    c = tmp_path / "a.csv"
    c.write_text("title,body,questions,lang\n"
                 "여권 발급,신분증과 사진을 가지고 방문합니다.,여권 만들기|여권 신청,ko\n", encoding="utf-8")
    x = tmp_path / "a.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["title", "body", "lang", "translation_of"])
    ws.append(["Passport application", "Bring your ID card and a photo.", "en", "여권 발급"])
    wb.save(x)
    with session_scope(factory) as s:
        assert do_import(session=s, path=c).imported == 1
    with session_scope(factory) as s:
        assert do_import(session=s, path=x).imported == 1
    with session_scope(factory) as s:
        en = s.scalar(select(Article).where(Article.lang == "en"))
        ko = s.scalar(select(Article).where(Article.lang == "ko"))
        assert en.translation_of_id == ko.id and ko.questions == ["여권 만들기", "여권 신청"]


def test_agent_flags_an_article_and_the_owner_sees_it(client, seeded):
    from tests.conftest import login

    with session_scope(seeded) as s:
        art_id = s.scalar(select(Article.id).where(Article.title == "수도요금 조회와 납부"))
    csrf = login(client, "agent1")
    r = client.post(f"/api/v1/knowledge/articles/{art_id}/flag", json={"reason": "납부 방법이 바뀌었어요"},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    assert client.post(f"/api/v1/knowledge/articles/{art_id}/used", headers={"X-CSRF-Token": csrf}).status_code == 200
    client.cookies.clear()
    login(client, "official-water")
    work = client.get("/api/v1/knowledge/worklist").json()
    assert [(f["article_id"], f["reason"]) for f in work["flags"]] == [(art_id, "납부 방법이 바뀌었어요")]
    client.cookies.clear()
    login(client, "official-bus")  # another department does not see it
    assert client.get("/api/v1/knowledge/worklist").json()["flags"] == []
    with session_scope(seeded) as s:
        assert s.get(Article, art_id).usage_count == 1


def test_officials_write_only_for_their_department(client, seeded):
    from tests.conftest import login

    with session_scope(seeded) as s:
        water = s.scalar(select(Article.id).where(Article.title == "수도요금 조회와 납부"))
    csrf = login(client, "official-bus")
    h = {"X-CSRF-Token": csrf}
    r = client.put(f"/api/v1/knowledge/articles/{water}", json={"title": "바꿈"}, headers=h)
    assert r.status_code == 403
    r = client.post("/api/v1/knowledge/articles", headers=h,
                    json={"title": "심야버스 노선 변경",
                          "body": "<p>N26 노선이 바뀝니다.<script>alert(1)</script></p>"})
    assert r.status_code == 201
    art = r.json()
    assert art["status"] == "draft" and "<script>" not in art["body"] and art["version"] == 1
    edited = client.put(f"/api/v1/knowledge/articles/{art['id']}", json={"body": "N26 노선이 12월부터 바뀝니다."},
                        headers=h).json()
    assert edited["version"] == 2
    versions = client.get(f"/api/v1/knowledge/articles/{art['id']}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    assert "+N26 노선이 12월부터 바뀝니다." in versions[1]["diff"]
    assert client.post(f"/api/v1/knowledge/articles/{art['id']}/submit", headers=h).json()["status"] == "review"
    client.cookies.clear()
    csrf2 = login(client, "official-water")  # another department cannot review it
    r = client.post(f"/api/v1/knowledge/articles/{art['id']}/review", json={"approve": True},
                    headers={"X-CSRF-Token": csrf2})
    assert r.status_code == 403


def test_search_is_filtered_to_the_citizens_district(client, seeded):
    from dasan.knowledge.actions import do_create_article, do_publish
    from tests.conftest import login

    with session_scope(seeded) as s:
        for code, title in (("mapo", "마포구 대형폐기물 수거 요일"), ("gangnam", "강남구 대형폐기물 수거 요일")):
            art = do_create_article(session=s, author=None, department_id=None, title=title,
                                    body=f"{title}은 구청 누리집에서 확인하세요.", organisations=[code],
                                    questions=["대형폐기물 수거 요일이 언제예요"])
            do_publish(session=s, art=art)
    login(client, "agent1")
    res = client.get("/api/v1/knowledge/search", params={"q": "대형폐기물 수거 요일", "district": "mapo"}).json()
    titles = [r["title"] for r in res["results"]]
    assert "마포구 대형폐기물 수거 요일" in titles and "강남구 대형폐기물 수거 요일" not in titles
    assert "대형폐기물(가구·가전) 버리는 방법" in titles  # city-wide articles apply everywhere
