"""The bot's decision for one citizen message: pure, over search results (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dasan.knowledge.evaluation import Decision
from dasan.knowledge.search import Result
from dasan.knowledge.service import Found

# "Connect me to a person", in each service language. Matching is on normalised text.
HUMAN_REQUEST = {
    "ko": ["상담원", "상담사", "사람이랑", "사람과", "직원 연결", "연결해 주세요", "연결해주세요"],
    "en": ["agent", "human", "real person", "operator", "representative", "talk to someone"],
    "zh": ["人工", "客服", "转接"],
    "ja": ["オペレーター", "担当者", "人と話"],
    "vi": ["nhân viên", "tư vấn viên", "gặp người"],
    "mn": ["ажилтан", "оператор", "хүнтэй ярих"],
}
GREETINGS = {
    "ko": ["안녕", "감사", "고마워", "고맙", "수고"],
    "en": ["hello", "hi", "thanks", "thank you", "good morning"],
    "zh": ["你好", "谢谢"],
    "ja": ["こんにちは", "ありがとう"],
    "vi": ["xin chào", "cảm ơn", "chào"],
    "mn": ["сайн байна уу", "баярлалаа"],
}
TEXT = {
    "answer_footer": {
        "ko": "더 궁금하신 점은 말씀해 주세요. 상담원과 이야기하시려면 '상담원 연결'이라고 입력해 주세요.",
        "en": "Anything else? To talk to an agent, type 'agent'.",
        "zh": "还有其他问题吗？需要人工服务请输入“人工”。",
        "ja": "他にご質問はありますか。オペレーターと話すには「オペレーター」と入力してください。",
        "vi": "Bạn còn câu hỏi nào khác không? Để nói chuyện với nhân viên, hãy nhập 'nhân viên'.",
        "mn": "Өөр асуулт байна уу? Ажилтантай ярих бол 'ажилтан' гэж бичнэ үү.",
    },
    "choices": {
        "ko": "다음 중 궁금하신 내용이 있나요? 번호를 입력해 주세요. 없으면 '상담원 연결'을 입력해 주세요.",
        "en": "Is it one of these? Type its number, or 'agent' to talk to a person.",
        "zh": "是以下哪一项？请输入编号，或输入“人工”。",
        "ja": "次のどれですか。番号を入力するか、「オペレーター」と入力してください。",
        "vi": "Có phải một trong các mục sau? Hãy nhập số, hoặc 'nhân viên' để gặp người tư vấn.",
        "mn": "Эдгээрийн аль нэг үү? Дугаарыг бичнэ үү, эсвэл 'ажилтан' гэж бичнэ үү.",
    },
    "handoff": {
        "ko": "상담원에게 연결해 드리겠습니다. 잠시만 기다려 주세요.",
        "en": "Connecting you to an agent. Please wait a moment.",
        "zh": "正在为您转接人工客服，请稍候。",
        "ja": "オペレーターにおつなぎします。少々お待ちください。",
        "vi": "Đang kết nối bạn với nhân viên tư vấn. Vui lòng chờ trong giây lát.",
        "mn": "Таныг ажилтантай холбож байна. Түр хүлээнэ үү.",
    },
    "smalltalk": {
        "ko": "안녕하세요, 120 다산콜센터입니다. 서울시 생활 민원에 관해 무엇이든 물어봐 주세요.",
        "en": "Hello, this is Seoul's 120 Dasan Call Center. Ask me anything about city services.",
        "zh": "您好，这里是首尔120茶山呼叫中心。请咨询有关市政服务的问题。",
        "ja": "こんにちは、ソウル120タサンコールセンターです。市のサービスについて何でもお尋ねください。",
        "vi": "Xin chào, đây là Trung tâm 120 Dasan của Seoul. Hãy hỏi về các dịch vụ của thành phố.",
        "mn": "Сайн байна уу, Сөүлийн 120 Дасан төв байна. Хотын үйлчилгээний талаар асуугаарай.",
    },
}


@dataclass
class BotTurn:
    """What the bot does with one message."""

    action: str  # answer | choices | handoff | smalltalk
    text: str = ""
    article_ids: list[int] = field(default_factory=list)
    reason: str = ""  # why it handed off: requested | low_confidence | no_translation | no_match
    candidates: list[Found] = field(default_factory=list)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def wants_human(text: str) -> bool:
    t = _norm(text)
    return any(p in t for phrases in HUMAN_REQUEST.values() for p in phrases)


def is_greeting(text: str, lang: str) -> bool:
    t = _norm(text).strip("!.?~ ")
    return len(t) <= 20 and any(t.startswith(g) for g in GREETINGS.get(lang, []) + GREETINGS["en"])


def t(key: str, lang: str) -> str:
    return TEXT[key].get(lang, TEXT[key]["ko"])


def choose_reply(
    *, text: str, lang: str, found: list[Found], result: Result, decision: Decision,
    pending_choices: list[int], has_native_match: bool,
) -> BotTurn:
    """Decide: answer with an article's own text, offer choices, hand off, or greet."""
    if wants_human(text):
        return BotTurn(action="handoff", text=t("handoff", lang), reason="requested")
    number = _norm(text).rstrip(".번")
    if pending_choices and number.isdigit() and 1 <= int(number) <= len(pending_choices):
        chosen = pending_choices[int(number) - 1]
        return BotTurn(action="answer", article_ids=[chosen], reason="choice")
    if is_greeting(text, lang) and not (found and decision.answers(result)):
        return BotTurn(action="smalltalk", text=t("smalltalk", lang))
    if not has_native_match and lang != "ko":
        # Nothing written in the citizen's language: an agent who speaks it takes over.
        return BotTurn(action="handoff", text=t("handoff", lang), reason="no_translation", candidates=found[:3])
    if found and decision.answers(result):
        return BotTurn(action="answer", article_ids=[found[0].article.id], reason="confident", candidates=found[:3])
    # Unsure but the best candidates are plausible: let the citizen pick.
    plausible = [f for f in found[:3] if result.top_cos >= decision.cos - 0.05]
    if len(plausible) >= 2 and not pending_choices:
        lines = [t("choices", lang)] + [f"{i}. {f.article.title}" for i, f in enumerate(plausible, 1)]
        return BotTurn(action="choices", text="\n".join(lines), article_ids=[f.article.id for f in plausible],
                       reason="unsure", candidates=plausible)
    return BotTurn(action="handoff", text=t("handoff", lang), reason="low_confidence" if found else "no_match",
                   candidates=found[:3])


SMS_LIMIT = 600  # characters: up to 9 concatenated UCS-2 parts, well inside Kannel's 10


def fit_for_channel(title: str, body: str, footer: str, channel: str) -> str:
    """The answer as the channel can carry it: in full for chat; for SMS plain text cut at a
    sentence end so the whole message stays within `SMS_LIMIT` characters, saying where the rest is."""
    full = f"{title}\n\n{body}\n\n{footer}"
    if channel != "sms" or len(full) <= SMS_LIMIT:
        return full
    more = "… (자세한 안내: 120 / more: call 120)"
    room = SMS_LIMIT - len(title) - len(footer) - len(more) - 4
    cut = body[:max(0, room)]
    end = max(cut.rfind(". "), cut.rfind("다."), cut.rfind("\n"))
    if end > room // 2:
        cut = cut[:end + 2].rstrip()
    return f"{title}\n\n{cut}{more}\n\n{footer}"[:SMS_LIMIT]
