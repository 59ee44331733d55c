"""The bot's decision for one citizen message: pure, over search results (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dasan.center.core import Center
from dasan.i18n import catalogue
from dasan.knowledge.calibrate import Decision
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


def choose_reply(
    *, text: str, lang: str, found: list[Found], result: Result, decision: Decision,
    pending_choices: list[int], has_native_match: bool, center: Center,
) -> BotTurn:
    """Decide: answer with an article's own text, offer choices, hand off, or greet. The fixed
    replies come from the message catalogue in the citizen's language."""

    def t(key: str) -> str:
        return catalogue.text(f"bot.{key}", lang, center)

    if wants_human(text):
        return BotTurn(action="handoff", text=t("handoff"), reason="requested")
    number = _norm(text).rstrip(".번")
    if pending_choices and number.isdigit() and 1 <= int(number) <= len(pending_choices):
        chosen = pending_choices[int(number) - 1]
        return BotTurn(action="answer", article_ids=[chosen], reason="choice")
    if is_greeting(text, lang) and not (found and decision.answers(result)):
        return BotTurn(action="smalltalk", text=t("smalltalk"))
    if not has_native_match and lang != center.default_lang:
        # Nothing written in the citizen's language: an agent who speaks it takes over.
        return BotTurn(action="handoff", text=t("handoff"), reason="no_translation", candidates=found[:3])
    if found and decision.answers(result):
        return BotTurn(action="answer", article_ids=[found[0].article.id], reason="confident", candidates=found[:3])
    # Unsure but the best candidates are plausible: let the citizen pick.
    plausible = [f for f in found[:3] if result.top_cos >= decision.cos - 0.05]
    if len(plausible) >= 2 and not pending_choices:
        lines = [t("choices")] + [f"{i}. {f.article.title}" for i, f in enumerate(plausible, 1)]
        return BotTurn(action="choices", text="\n".join(lines), article_ids=[f.article.id for f in plausible],
                       reason="unsure", candidates=plausible)
    return BotTurn(action="handoff", text=t("handoff"), reason="low_confidence" if found else "no_match",
                   candidates=found[:3])


SMS_LIMIT = 600  # characters: up to 9 concatenated UCS-2 parts, well inside Kannel's 10


def fit_for_channel(title: str, body: str, footer: str, channel: str, more: str) -> str:
    """The answer as the channel can carry it: in full for chat; for SMS plain text cut at a
    sentence end so the whole message stays within `SMS_LIMIT` characters, ending with `more`
    (where the rest is)."""
    full = f"{title}\n\n{body}\n\n{footer}"
    if channel != "sms" or len(full) <= SMS_LIMIT:
        return full
    room = SMS_LIMIT - len(title) - len(footer) - len(more) - 4
    cut = body[:max(0, room)]
    end = max(cut.rfind(". "), cut.rfind("다."), cut.rfind("\n"))
    if end > room // 2:
        cut = cut[:end + 2].rstrip()
    return f"{title}\n\n{cut}{more}\n\n{footer}"[:SMS_LIMIT]
