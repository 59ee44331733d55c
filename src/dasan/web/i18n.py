"""UI strings in Korean and English (Korean first)."""

from __future__ import annotations

from fastapi import Request

UI_LANGS = ("ko", "en")

STRINGS: dict[str, dict[str, str]] = {
    "app_name": {"ko": "다산 상담센터", "en": "Dasan Contact Center"},
    "login": {"ko": "로그인", "en": "Log in"},
    "logout": {"ko": "로그아웃", "en": "Log out"},
    "username": {"ko": "아이디", "en": "Username"},
    "password": {"ko": "비밀번호", "en": "Password"},
    "login_failed": {"ko": "아이디 또는 비밀번호가 올바르지 않습니다.", "en": "Wrong username or password."},
    "agent_desktop": {"ko": "상담원 화면", "en": "Agent desktop"},
    "supervisor_view": {"ko": "감독자 화면", "en": "Supervisor view"},
    "presence": {"ko": "상태", "en": "State"},
    "available": {"ko": "상담 가능", "en": "Available"},
    "break": {"ko": "휴식", "en": "Break"},
    "acw": {"ko": "후처리", "en": "After-contact work"},
    "offline": {"ko": "오프라인", "en": "Offline"},
    "offers": {"ko": "연결 요청", "en": "Offered contacts"},
    "my_contacts": {"ko": "진행 중 상담", "en": "My contacts"},
    "accept": {"ko": "수락", "en": "Accept"},
    "decline": {"ko": "거절", "en": "Decline"},
    "no_contact": {"ko": "선택된 상담이 없습니다.", "en": "No contact selected."},
    "reply": {"ko": "답변 입력", "en": "Type a reply"},
    "send": {"ko": "보내기", "en": "Send"},
    "note": {"ko": "내부 메모", "en": "Internal note"},
    "end_chat": {"ko": "상담 종료", "en": "End chat"},
    "wrapup": {"ko": "상담 기록", "en": "Wrap-up"},
    "category": {"ko": "분류", "en": "Category"},
    "summary": {"ko": "요약", "en": "Summary"},
    "resolution": {"ko": "처리 결과", "en": "Resolution"},
    "solved": {"ko": "현장 해결", "en": "Solved on first contact"},
    "transferred": {"ko": "부서 이관", "en": "Transferred"},
    "callback": {"ko": "콜백", "en": "Callback"},
    "abandoned": {"ko": "포기", "en": "Abandoned"},
    "save_record": {"ko": "기록 저장", "en": "Save record"},
    "transfer": {"ko": "전환", "en": "Transfer"},
    "to_agent": {"ko": "상담원에게", "en": "To agent"},
    "to_queue": {"ko": "대기열로", "en": "To queue"},
    "history": {"ko": "이전 상담 이력", "en": "Past consultations"},
    "knowledge": {"ko": "상담 지식 검색", "en": "Knowledge search"},
    "search": {"ko": "검색", "en": "Search"},
    "queues": {"ko": "대기열", "en": "Queues"},
    "agents": {"ko": "상담원", "en": "Agents"},
    "waiting": {"ko": "대기", "en": "Waiting"},
    "offered": {"ko": "연결 중", "en": "Ringing"},
    "active": {"ko": "상담 중", "en": "Active"},
    "longest_wait": {"ko": "최장 대기", "en": "Longest wait"},
    "recent_records": {"ko": "최근 상담 기록", "en": "Recent records"},
    "records_today": {"ko": "오늘 완료 상담", "en": "Closed today"},
    "current_contacts": {"ko": "현재 상담", "en": "Current contacts"},
    "citizen": {"ko": "시민", "en": "Citizen"},
    "connected": {"ko": "실시간 연결됨", "en": "Live"},
    "disconnected": {"ko": "연결 끊김 — 재연결 중", "en": "Disconnected — reconnecting"},
    "language": {"ko": "English", "en": "한국어"},
    "kb_title": {"ko": "상담 지식 관리", "en": "Knowledge base"},
    "kb_review": {"ko": "검토 대기", "en": "Waiting for review"},
    "kb_flags": {"ko": "오류 신고", "en": "Reported as wrong"},
    "kb_expiring": {"ko": "만료 예정", "en": "Expiring soon"},
    "kb_articles": {"ko": "부서 문서", "en": "Department articles"},
    "kb_new": {"ko": "새 문서", "en": "New article"},
    "kb_field_title": {"ko": "제목", "en": "Title"},
    "kb_field_body": {"ko": "본문", "en": "Body"},
    "kb_field_questions": {"ko": "예상 질문 (한 줄에 하나)", "en": "Example questions (one a line)"},
    "kb_field_lang": {"ko": "언어", "en": "Language"},
    "kb_save": {"ko": "저장", "en": "Save"},
    "kb_submit": {"ko": "검토 요청", "en": "Submit for review"},
    "kb_approve": {"ko": "승인·게시", "en": "Approve and publish"},
    "kb_reject": {"ko": "반려", "en": "Return"},
    "kb_saved": {"ko": "저장되었습니다.", "en": "Saved."},
    "kb_submitted": {"ko": "검토를 요청했습니다.", "en": "Submitted for review."},
    "kb_published": {"ko": "게시되었습니다.", "en": "Published."},
    "kb_returned": {"ko": "반려했습니다.", "en": "Returned to draft."},
    "kb_live": {"ko": "게시", "en": "live"},
    "kb_versions": {"ko": "버전 기록", "en": "Versions"},
    "kb_status_draft": {"ko": "초안", "en": "draft"},
    "kb_status_review": {"ko": "검토 중", "en": "in review"},
    "kb_status_published": {"ko": "게시됨", "en": "published"},
    "kb_status_archived": {"ko": "보관", "en": "archived"},
    "bot": {"ko": "챗봇 상담", "en": "With the bot"},
    "flag": {"ko": "오류 신고", "en": "Report as wrong"},
    "today_offered": {"ko": "오늘 인입", "en": "Offered today"},
    "today_answered": {"ko": "응답", "en": "Answered"},
    "today_abandoned": {"ko": "포기", "en": "Abandoned"},
    "today_sl": {"ko": "서비스 레벨", "en": "Service level"},
    "district": {"ko": "시민 거주 자치구", "en": "Citizen's district"},
    "all_districts": {"ko": "전체 (서울시 공통)", "en": "All (city-wide)"},
    "flag_reason": {"ko": "무엇이 틀리거나 오래되었나요?", "en": "What is wrong or outdated?"},
    "flagged": {"ko": "신고됨", "en": "reported"},
    "reports": {"ko": "구간 보고서", "en": "Interval report"},
    "callback_requested": {"ko": "전화 회신 요청", "en": "Call back"},
    "reply_by": {"ko": "답장 기한", "en": "Reply by"},
    "delivery_queued": {"ko": "전송 대기", "en": "waiting to send"},
    "delivery_sending": {"ko": "전송 중", "en": "sending"},
    "delivery_sent": {"ko": "전송됨", "en": "sent"},
    "delivery_delivered": {"ko": "수신 확인", "en": "delivered"},
    "delivery_failed": {"ko": "전송 실패", "en": "not delivered"},
    "report_day": {"ko": "날짜", "en": "Day"},
    "interval": {"ko": "구간", "en": "Interval"},
    "all_queues": {"ko": "전체 대기열", "en": "All queues"},
    "show": {"ko": "보기", "en": "Show"},
    "csv_export": {"ko": "CSV 내려받기", "en": "Download CSV"},
    "kpi_answer_rate": {"ko": "응답률", "en": "Answer rate"},
    "kpi_sl": {"ko": "15초 응답률 (서비스 레벨)", "en": "15-second answer rate (service level)"},
    "kpi_asa": {"ko": "평균 응답 속도", "en": "Average speed of answer"},
    "kpi_aht": {"ko": "평균 처리 시간", "en": "Average handle time"},
    "kpi_abandon": {"ko": "포기율", "en": "Abandonment"},
    "kpi_occupancy": {"ko": "점유율", "en": "Occupancy"},
    "chart_title": {"ko": "구간별 인입·응답과 서비스 레벨", "en": "Offered, answered and service level per interval"},
    "staffed": {"ko": "근무 상담사 (평균)", "en": "Agents staffed (mean)"},
    "time": {"ko": "시각", "en": "Time"},
    "sl_short": {"ko": "15초 응답률", "en": "15-s answer rate"},
}


def ui_lang(request: Request, user_locale: str | None = None) -> str:
    """?lang= wins, then the cookie, then the user's own setting, then Korean."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("dasan_lang"), user_locale):
        if candidate in UI_LANGS:
            return candidate
    return "ko"


def translator(lang: str):
    """A `t(key)` function for templates."""

    def t(key: str) -> str:
        entry = STRINGS.get(key)
        return entry.get(lang, entry["ko"]) if entry else key

    return t


def strings_for(lang: str) -> dict[str, str]:
    """Every string in one language, for the page's JavaScript."""
    return {k: v.get(lang, v["ko"]) for k, v in STRINGS.items()}
