"""Procedures in the chat, pure: a citizen's request for a service the center offers (an Open311
service) becomes a short dialogue that opens a case.

The dialogue asks, one step at a time: where (an address naming the district, for services a
district handles; any address otherwise), a photo (only on channels that carry one; it can be
skipped), each required attribute of the service definition, then the confirmation. Every reply
comes from the citizen's catalogue (`bot.proc_*` keys) in their language. Two answers the bot
cannot use to the same step, or a citizen asking for a person, hand the contact to an agent with
what was collected. Nothing here touches the database: `dasan.bot.actions` stores the state in
the conversation's events and opens the case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

# Short answers, per language, matched on the whole normalised message.
YES = {
    "ko": ["네", "예", "응", "어", "좋아요", "맞아요", "접수", "접수해 주세요", "접수해주세요", "네 접수해 주세요",
           "그래요", "ㅇㅇ"],
    "en": ["yes", "y", "yeah", "yep", "ok", "okay", "sure", "confirm", "yes please"],
    "zh": ["是", "是的", "好", "好的", "确认", "对"],
    "ja": ["はい", "ええ", "お願いします", "確認"],
    "vi": ["có", "vâng", "dạ", "đồng ý", "ok"],
    "mn": ["тийм", "за", "зөв", "ok"],
}
NO = {
    "ko": ["아니요", "아니오", "아니", "취소", "취소할게요", "그만", "안 할게요", "ㄴㄴ"],
    "en": ["no", "n", "nope", "cancel", "stop", "never mind"],
    "zh": ["不", "不是", "取消", "不要"],
    "ja": ["いいえ", "キャンセル", "やめます"],
    "vi": ["không", "hủy", "thôi"],
    "mn": ["үгүй", "цуцлах", "болих"],
}
SKIP = {
    "ko": ["없어요", "없음", "사진 없어요", "건너뛰기", "넘어가기", "패스", "없습니다"],
    "en": ["skip", "no photo", "none", "no", "i don't have one", "no picture"],
    "zh": ["跳过", "没有", "没有照片"],
    "ja": ["スキップ", "ありません", "写真なし"],
    "vi": ["bỏ qua", "không có", "không có ảnh"],
    "mn": ["алгасах", "байхгүй", "зураггүй"],
}
MAX_MISSES = 2  # unusable answers to one step before an agent takes over


@dataclass(frozen=True)
class Service:
    """What the dialogue needs of a published service."""

    code: str
    names: dict[str, str]  # by language; the service's own name stands in for the others
    by_district: bool  # a district's department answers it: the place must name a district
    attributes: tuple[dict, ...] = ()  # Open311 attribute definitions
    # The attributes' questions and values in other languages, by language, then attribute code:
    # {"zh": {"ITEM": {"description": "...", "values": {"fridge": "冰箱"}}}}. The definition's own
    # text (Open311's, usually English) stands in for a language without one.
    attribute_texts: dict[str, dict[str, dict]] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or next(iter(self.names.values()), self.code)

    def question(self, attr: dict, lang: str) -> str:
        """The attribute's question in the language."""
        own = self.attribute_texts.get(lang, {}).get(attr["code"], {}).get("description")
        return own or attr.get("description") or attr["code"]

    def value_names(self, attr: dict, value: dict) -> set[str]:
        """Every name a listed value goes by (its key, its own name, its names in each language)."""
        names = {str(value["key"]), str(value.get("name", ""))}
        for texts in self.attribute_texts.values():
            names.add(str(texts.get(attr["code"], {}).get("values", {}).get(value["key"], "")))
        return {n for n in names if n}

    def value_name(self, attr: dict, value: dict, lang: str) -> str:
        own = self.attribute_texts.get(lang, {}).get(attr["code"], {}).get("values", {}).get(value["key"])
        return str(own or value.get("name") or value["key"])

    def asked(self) -> list[dict]:
        """The attributes the citizen is asked for: variable and required, in their order."""
        return sorted((a for a in self.attributes if a.get("variable", True) and a.get("required")),
                      key=lambda a: a.get("order", 0))


@dataclass
class State:
    """Where a procedure stands (kept as JSON in the conversation's events)."""

    service: str
    lang: str
    description: str  # the citizen's first message, the case's description
    step: str = "place"  # place | photo | attr:CODE | confirm
    place: str = ""
    district: str = ""
    photo: dict[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict)
    misses: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Reply:
    """What the bot does next: ask (a catalogue key and its parameters), open the case, cancel,
    or hand over to an agent."""

    action: str  # ask | open | cancel | handoff
    state: State
    key: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower()).strip(" .!?。！？~")


def _is(words: dict[str, list[str]], text: str, lang: str) -> bool:
    t = _norm(text)
    return t in {w.lower() for w in words.get(lang, []) + words["en"]}


def _steps(service: Service, photos: bool) -> list[str]:
    return ["place"] + (["photo"] if photos else []) + [f"attr:{a['code']}" for a in service.asked()] + ["confirm"]


def _ask(state: State, service: Service, photos: bool) -> Reply:
    """The question for the state's step."""
    if state.step == "place":
        return Reply("ask", state, "bot.proc_place", {"service": service.name(state.lang)})
    if state.step == "photo":
        return Reply("ask", state, "bot.proc_photo")
    if state.step.startswith("attr:"):
        attr = next(a for a in service.asked() if a["code"] == state.step[5:])
        options = "\n".join(f"{i}. {service.value_name(attr, v, state.lang)}"
                             for i, v in enumerate(attr.get("values") or [], 1))
        return Reply("ask", state, "bot.proc_attribute",
                     {"question": service.question(attr, state.lang), "options": options})
    return Reply("ask", state, "bot.proc_confirm", {
        "service": service.name(state.lang), "place": state.place,
        "photo": "✓" if state.photo else "—",
        "details": ", ".join(_detail(service, code, value, state.lang) for code, value in state.values.items())})


def _detail(service: Service, code: str, value: Any, lang: str) -> str:
    """An answered attribute as the citizen reads it back: its question, then the value's name."""
    attr: dict[str, Any] = next((a for a in service.attributes if a.get("code") == code), {"code": code})
    by_key: dict[str, dict] = {v["key"]: v for v in attr.get("values") or []}
    shown = [service.value_name(attr, by_key[v], lang) if v in by_key else str(v)
             for v in (value if isinstance(value, list) else [value])]
    return f"{service.question(attr, lang).rstrip('?？ ')}: {', '.join(shown)}"


def _advance(state: State, service: Service, photos: bool) -> Reply:
    order = _steps(service, photos)
    state.step = order[order.index(state.step) + 1]
    state.misses = 0
    return _ask(state, service, photos)


def _miss(state: State, service: Service, photos: bool, key: str, **params: Any) -> Reply:
    state.misses += 1
    if state.misses >= MAX_MISSES:
        return Reply("handoff", state, "bot.proc_handoff")
    again = _ask(state, service, photos)
    return Reply("ask", state, key, {**again.params, **params})


def start(service: Service, *, lang: str, description: str, photos: bool) -> Reply:
    """A procedure begins: the first question (the place)."""
    state = State(service=service.code, lang=lang, description=description.strip())
    first = _ask(state, service, photos)
    return Reply("ask", state, "bot.proc_start", {**first.params, "service": service.name(lang)})


def answer(state: State, service: Service, *, text: str, attachments: list[dict], photos: bool,
           district_of: Callable[[str], str | None]) -> Reply:
    """The citizen's answer to the current step. `district_of` names the district an address is in
    (None when it names none)."""
    lang = state.lang
    if _is(NO, text, lang) and not (state.step == "photo" and _is(SKIP, text, lang)):
        return Reply("cancel", state, "bot.proc_cancelled")
    if state.step == "place":
        place = text.strip()
        district = district_of(place) if place else None
        if len(place) < 2 or (service.by_district and not district):
            return _miss(state, service, photos, "bot.proc_place_again")
        state.place, state.district = place[:300], district or ""
        return _advance(state, service, photos)
    if state.step == "photo":
        images = [a for a in attachments
                  if str(a.get("content_type", "")).startswith("image/") and not a.get("rejected")]
        if images:
            state.photo = images[0]
            return _advance(state, service, photos)
        if _is(SKIP, text, lang):
            return _advance(state, service, photos)
        return _miss(state, service, photos, "bot.proc_photo_again")
    if state.step.startswith("attr:"):
        attr = next(a for a in service.asked() if a["code"] == state.step[5:])
        value = _attribute_value(service, attr, text)
        if value is None:
            return _miss(state, service, photos, "bot.proc_attribute_again")
        state.values[attr["code"]] = value
        return _advance(state, service, photos)
    # confirm
    if _is(YES, text, lang):
        return Reply("open", state, "bot.proc_opened")
    return _miss(state, service, photos, "bot.proc_confirm_again")


def _attribute_value(service: Service, attr: dict, text: str) -> Any | None:
    """The citizen's answer as the attribute's datatype wants it (None when it cannot be)."""
    t = text.strip()
    values = attr.get("values") or []
    kind = attr.get("datatype", "string")
    if kind in ("singlevaluelist", "multivaluelist"):

        def pick(part: str) -> str | None:  # a value's number in the list, or one of its names
            p = _norm(part)
            if p.isdigit() and 1 <= int(p) <= len(values):
                return str(values[int(p) - 1]["key"])
            return next((str(v["key"]) for v in values if p in {_norm(n) for n in service.value_names(attr, v)}),
                        None)

        picked = []
        for part in re.split(r"[,，、;]+", t):  # "Fire hydrant" whole, else word by word ("1 3")
            whole = pick(part)
            found = [whole] if whole else [k for k in map(pick, part.split()) if k]
            picked.extend(found)
        if not picked or (kind == "singlevaluelist" and len(picked) != 1):
            return None
        return picked[0] if kind == "singlevaluelist" else sorted(set(picked))
    if kind == "number":
        m = re.fullmatch(r"\d+(?:\.\d+)?", t)
        return (float(t) if "." in t else int(t)) if m else None
    return t[:500] if t else None
