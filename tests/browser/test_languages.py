"""A citizen who chats in Vietnamese reads only Vietnamese from the center: the widget, the
place in line, and the system messages of the conversation (agent joined, consultation ended)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_chat_flow import log_in

HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


@pytest.mark.browser
def test_a_vietnamese_citizen_sees_only_vietnamese_system_text(browser, server_env, servers):
    server = servers(server_env)
    # A browser set to Korean: the page's language (?lang=vi) decides, not the browser's.
    citizen = browser.new_context(locale="ko-KR").new_page()
    agent = browser.new_context(locale="ko-KR", viewport={"width": 1400, "height": 860}).new_page()
    log_in(agent, server.url, "agent-vi")
    citizen.goto(f"{server.url}/chat?lang=vi")
    expect(citizen.locator(".dw-head strong")).to_have_text("Tư vấn trực tuyến Trung tâm 120 Dasan Seoul")
    citizen.fill(".dw-form textarea", "Tôi muốn hỏi về thuế ô tô")
    citizen.keyboard.press("Enter")
    expect(citizen.locator(".dw-status")).to_contain_text("Bạn đang ở vị trí số 1")
    agent.select_option("#presence", "available")
    agent.locator("#offers .offer button.accept").click()
    expect(citizen.locator(".dw-msg.system").last).to_have_text("Nhân viên 응우옌 티 란 (Nguyễn Thị Lan) đã tham gia.")
    agent.fill("#reply", "Xin chào, tôi có thể giúp gì?")
    agent.click("#send")
    expect(citizen.locator(".dw-msg.outbound").last).to_contain_text("Xin chào")
    agent.fill("#wrap-category", "세금")
    agent.fill("#wrap-summary", "자동차세 문의 (베트남어)")
    agent.select_option("#wrap-resolution", "solved")
    agent.click("#wrap-save")
    expect(citizen.locator(".dw-msg.system").last).to_have_text("Cuộc tư vấn đã kết thúc. Cảm ơn bạn.")
    expect(citizen.locator(".dw-status")).to_contain_text("Cuộc tư vấn đã kết thúc")
    # Everything the center wrote in the widget — title, status, buttons, placeholder, welcome and
    # system messages — has no Korean in it (the agent's own name aside).
    center_text = [citizen.locator(".dw-head").inner_text(), citizen.locator(".dw-status").inner_text(),
                   citizen.locator(".dw-form textarea").get_attribute("placeholder") or ""]
    center_text += citizen.locator(".dw-msg.system").all_inner_texts()
    center_text += citizen.locator(".dasan-widget button").all_inner_texts()
    leftovers = [t.replace("응우옌 티 란", "") for t in center_text]
    assert [t for t in leftovers if HANGUL.search(t)] == []
    assert len(citizen.locator(".dw-msg.system").all_inner_texts()) >= 3  # welcome, joined, ended
    for p in (citizen, agent):
        p.context.close()
