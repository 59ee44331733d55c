"""What a prompt says, as pieces to join: pure. A catalogue message with placeholders
("You are number {n} in line.") becomes text pieces and number pieces, so a sentence with any
number is spoken by joining recordings made once (numbers and durations by concatenation)."""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter

NUMERIC = frozenset({"n", "digit"})
MAX_SPOKEN = 99  # numbers above are said as "99" (a queue that long is announced as such)


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Number:
    value: int


Piece = Text | Number


def pieces(template: str, params: dict[str, object]) -> list[Piece]:
    """Split a message at its numeric placeholders; other placeholders are filled in as text."""
    out: list[Piece] = []
    buf = ""
    for literal, name, spec, _conv in Formatter().parse(template):
        buf += literal
        if name is None:
            continue
        if name in NUMERIC:
            if buf.strip():
                out.append(Text(buf.strip()))
            buf = ""
            out.append(Number(max(0, min(MAX_SPOKEN, int(str(params[name]))))))
        else:
            buf += format(params[name], spec or "")
    if buf.strip():
        out.append(Text(buf.strip()))
    return out


_MN_UNITS = ["тэг", "нэг", "хоёр", "гурав", "дөрөв", "тав", "зургаа", "долоо", "найм", "ес"]
_MN_UNITS_ATTR = ["", "нэгэн", "хоёр", "гурван", "дөрвөн", "таван", "зургаан", "долоон", "найман", "есөн"]
_MN_TENS = ["", "арав", "хорь", "гуч", "дөч", "тавь", "жар", "дал", "ная", "ер"]
_MN_TENS_ATTR = ["", "арван", "хорин", "гучин", "дөчин", "тавин", "жаран", "далан", "наян", "ерэн"]


def number_text(value: int, lang: str) -> str:
    """The words a speech engine should read for `value` in `lang`. The engines read digits in
    their own language, except Mongolian, which no offline engine here has: it is written out in
    Cyrillic words (read by the nearest voice until the center uploads recordings)."""
    value = max(0, min(MAX_SPOKEN, value))
    if lang != "mn":
        return str(value)
    tens, unit = divmod(value, 10)
    if tens == 0:
        return _MN_UNITS[unit]
    if unit == 0:
        return _MN_TENS[tens]
    return f"{_MN_TENS_ATTR[tens]} {_MN_UNITS[unit]}"


def minutes_to_say(wait_s: float | None) -> int | None:
    """The whole minutes to announce for an expected wait: rounded up (a promise kept is better
    than one broken), None when under a minute."""
    if wait_s is None or wait_s < 60:
        return None
    return min(MAX_SPOKEN, int(-(-wait_s // 60)))
