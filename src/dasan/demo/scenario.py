"""The default multi-skill scenario of `dasan sim scenario`: a day shaped like Seoul 120's (a large
general line, the 120+9 language lines, sign-language video)."""

from __future__ import annotations

SEOUL_120_DAY = {
    "hours": 8, "sl_seconds": 15,
    "queues": [
        {"code": "general", "skill": "ko", "per_day": 11000, "aht_s": 180, "patience_s": 120, "aging_per_s": 0.01,
         "bot_after_s": 60, "callback_after_s": 90},
        {"code": "lang-en", "skill": "en", "per_day": 120, "aht_s": 300, "patience_s": 180, "priority": 1,
         "overflow_after_s": 30, "callback_after_s": 120},
        {"code": "lang-zh", "skill": "zh", "per_day": 150, "aht_s": 300, "patience_s": 180, "priority": 1,
         "overflow_after_s": 30, "callback_after_s": 120},
        {"code": "lang-vi", "skill": "vi", "per_day": 80, "aht_s": 300, "patience_s": 180, "priority": 1,
         "overflow_after_s": 30, "callback_after_s": 120},
        {"code": "ksl-video", "skill": "ksl", "per_day": 30, "aht_s": 600, "patience_s": 300, "priority": 2},
    ],
    "agents": [
        {"count": 22, "skills": ["ko"]},
        {"count": 2, "skills": ["ko", "en"]},
        {"count": 2, "skills": ["ko", "zh"]},
        {"count": 1, "skills": ["ko", "vi"]},
        {"count": 1, "skills": ["ko", "ksl"]},
    ],
    "callback_accept": 0.5, "bot_accept": 0.3, "bot_settles": 0.6,
}
