"""Abusive words per language and kind, pure: what a message says that an agent must not be made
to hear, and why.

Kinds: `profanity` (swearing), `insult` (words that demean the person), `threat` (harm to the
agent or the center), `sexual` (sexual harassment — one strike by the center's policy). Korean
is also read by the trained model (`model.py`); for the other five service languages these lists
are the detector. Korean forms are matched after `normalize`, which undoes the usual disguises
(digits or punctuation between letters, repeated letters; initial-consonant spellings such as
'ㅅㅂ' are listed as written; spaces are kept, so "서울시 발표" is not "시발").

Word lists written for Dasan from common usage; they are deliberately short and unambiguous —
a word that is also everyday speech ("개" dog, "미친" as "crazy good") is not on them alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

KINDS = ("sexual", "threat", "insult", "profanity")  # the order a message's kind is chosen in

WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "ko": {
        "profanity": (
            "씨발",
            "시발",
            "씨바",
            "ㅅㅂ",
            "ㅆㅂ",
            "쓰발",
            "씨빨",
            "좆",
            "좇",
            "존나",
            "졸라",
            "ㅈㄴ",
            "지랄",
            "ㅈㄹ",
            "염병",
            "엿먹",
            "썅",
            "니미",
            "느금",
            "니애미",
            "니애비",
            "애미",
            "애비",
            "개새",
            "ㄱㅅㄲ",
            "개색",
            "개쌍",
            "개소리",
            "ㅗ",
            "닥쳐",
        ),
        "insult": (
            "병신",
            "븅신",
            "ㅂㅅ",
            "등신",
            "멍청이", "멍청하",
            "머저리",
            "또라이",
            "돌아이",
            "찐따",
            "버러지",
            "벌레만도",
            "미친놈",
            "미친년",
            "미친새",
            "ㅁㅊ",
            "정신병자",
            "무식한",
            "김치녀",
            "틀딱",
            "급식충",
            "맘충",
            "짱깨",
            "쪽바리",
            "월급루팡",
            "세금도둑",
            "밥버러지",
            "돌대가리",
        ),
        "threat": (
            "죽여버",
            "죽일 거",
            "죽인다",
            "죽여줄",
            "찔러 죽",
            "칼로 찔",
            "패버",
            "패죽",
            "가만 안 둬",
            "가만 안 두",
            "가만안둬",
            "찾아간다",
            "찾아갈",
            "불질러",
            "불 질러",
            "폭파",
            "묻어버",
            "밤길 조심",
            "뒤지고 싶",
            "뒤질래",
            "뒤져라",
            "죽고 싶냐",
            "죽고싶냐",
        ),
        "sexual": (
            "보지",
            "자지",
            "섹스",
            "성관계",
            "꼴린",
            "꼴려",
            "야동",
            "따먹",
            "몸매 좋",
            "목소리 섹시",
            "목소리가 섹시",
            "한번 하자",
            "한 번 하자",
            "가슴 만",
            "엉덩이 만",
            "모텔 가",
            "같이 자자",
            "옷 벗",
            "발정",
        ),
    },
    "en": {
        "profanity": (
            "fuck",
            "fucking",
            "f*ck",
            "shit",
            "bullshit",
            "damn you",
            "goddamn",
            "wtf",
            "stfu",
            "piss off",
            "screw you",
            "motherfucker",
            "bastard",
        ),
        "insult": (
            "idiot",
            "stupid",
            "moron",
            "retard",
            "dumbass",
            "asshole",
            "bitch",
            "loser",
            "imbecile",
            "worthless",
            "scum",
            "cunt",
            "dickhead",
            "jerk",
        ),
        "threat": (
            "kill you",
            "i'll kill",
            "i will kill",
            "hurt you",
            "come for you",
            "burn down",
            "blow up",
            "you're dead",
            "you are dead",
            "watch your back",
            "shoot you",
            "beat you",
        ),
        "sexual": (
            "sexy",
            "nude",
            "naked",
            "sex with",
            "have sex",
            "rape",
            "blowjob",
            "boobs",
            "tits",
            "pussy",
            "dick",
            "horny",
            "sleep with me",
            "send me a photo of you",
        ),
    },
    "zh": {
        "profanity": ("他妈的", "妈的", "操你", "肏", "草你", "卧槽", "我靠", "狗屎", "滚蛋", "滚开"),
        "insult": ("傻逼", "傻b", "煞笔", "白痴", "蠢货", "混蛋", "王八蛋", "贱人", "废物", "脑残", "智障", "婊子"),
        "threat": ("杀了你", "弄死你", "打死你", "砍死", "去死", "烧了你", "找到你"),
        "sexual": ("做爱", "上床", "裸照", "约炮", "性感", "鸡巴", "骚货"),
    },
    "ja": {
        "profanity": ("くそ", "クソ", "糞", "ちくしょう", "畜生", "ふざけんな", "うるせえ", "黙れ"),
        "insult": (
            "バカ",
            "馬鹿",
            "ばか",
            "アホ",
            "あほ",
            "ブス",
            "キモい",
            "きもい",
            "うざい",
            "ウザい",
            "無能",
            "役立たず",
            "カス",
            "ゴミ",
            "クズ",
            "低能",
        ),
        "threat": ("殺す", "ころす", "死ね", "ぶっ殺", "殴る", "燃やす", "爆破", "覚えてろ", "家に行く"),
        "sexual": ("セックス", "エッチ", "ヤらせ", "やらせろ", "おっぱい", "胸を触", "裸", "下着", "パンツ見せ"),
    },
    "vi": {
        "profanity": ("địt", "đụ", "đéo", "đếch", "vãi lồn", "vcl", "vl", "đm", "đmm", "cmm", "mẹ kiếp"),
        "insult": (
            "ngu",
            "óc chó",
            "chó chết",
            "đồ chó",
            "thằng ngu",
            "con điên",
            "mất dạy",
            "vô dụng",
            "đồ khốn",
            "khốn nạn",
            "súc vật",
            "con đĩ",
            "đĩ",
        ),
        "threat": ("giết mày", "tao giết", "đánh chết", "chém", "đốt nhà", "mày chết", "tìm mày", "cho mày chết"),
        "sexual": ("lồn", "cặc", "buồi", "làm tình", "địt nhau", "khỏa thân", "chịch"),
    },
    "mn": {
        "profanity": ("пизда", "бляд", "хуй", "новш", "гөлөг", "ёстой новш"),
        "insult": ("тэнэг", "гичий", "муу амьтан", "мангуу", "солиот", "ёоз", "дэмий амьтан"),
        "threat": ("алана", "ална шүү", "алчихна", "зодно", "үхээрэй", "шатаана", "олж авна", "чамайг ална"),
        "sexual": ("секс", "бэлэг эрхтэн", "нүцгэн", "унтъя", "өгзөг"),
    },
}

_JOINERS = re.compile(r"(?<=\S)[0-9.,!?~*^_\-+=/\\|:;'\"`@#$%&()\[\]{}<>]+(?=\S)")
_SPACES = re.compile(r"\s+")
# Everyday words that contain a listed one ("시발점" a starting point): taken out before matching.
_INNOCENT = {"ko": ("시발점", "시발역", "시발택시", "개새끼손가락")}
_REPEATS = re.compile(r"(.)\1{2,}")


def normalize(text: str) -> str:
    """Lower case, NFC, disguises undone: '씨1발', '씨...발' → '씨발'; 'ㅋㅋㅋㅋ' → 'ㅋㅋ'. Digits and
    punctuation between letters are dropped (so '시1발' and '병.신' are read); runs of spaces are one."""
    t = unicodedata.normalize("NFC", text).lower()
    t = _JOINERS.sub("", t)
    return _SPACES.sub(" ", _REPEATS.sub(r"\1\1", t))


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    word: str


def _compiled(lang: str) -> list[tuple[str, str, re.Pattern[str]]]:
    out = []
    for kind, words in WORDS.get(lang, {}).items():
        for w in words:
            if lang in ("en", "vi", "mn"):  # alphabetic: whole words, spaces kept
                out.append((kind, w, re.compile(r"(?<!\w)" + re.escape(w) + r"(?!\w)", re.IGNORECASE)))
            else:
                out.append((kind, w, re.compile(re.escape(normalize(w)))))
    return out


_PATTERNS = {lang: _compiled(lang) for lang in WORDS}


def hits(text: str, lang: str) -> list[Hit]:
    """The listed words a message contains, in the kinds' order of severity."""
    if lang not in _PATTERNS or not text:
        return []
    spaced = unicodedata.normalize("NFC", text).lower()
    squeezed = normalize(text)
    for word in _INNOCENT.get(lang, ()):
        squeezed = squeezed.replace(word, " ")
    found = [
        Hit(kind, word)
        for kind, word, pat in _PATTERNS[lang]
        if pat.search(spaced if lang in ("en", "vi", "mn") else squeezed)
    ]
    found.sort(key=lambda h: KINDS.index(h.kind))
    return found
