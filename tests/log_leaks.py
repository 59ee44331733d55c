"""What must never be in a log (issue 18): a password, a session id, a token. `leaks` finds what
looks like one in a log's text: a credential parameter or cookie whose value is not redacted, a
bearer token, the demo password. `tests/conftest.py` runs it on every server log of the run."""

from __future__ import annotations

import re

_PARAM = re.compile(r"(?i)(?:[?&]|%3F|%26|\b)(token|api_key|apikey|password|secret|dasan_session|dasan_login_csrf)"
                    r"(?:=|%3D|\"?\s*:\s*\")(?!\*\*\*)([A-Za-z0-9_\-.~%]{8,})")
_BEARER = re.compile(r"(?i)\bbearer\s+(?!\*\*\*)([A-Za-z0-9_\-.~]{16,})")
KNOWN = ("dasan-demo-120",)


def leaks(text: str, also: tuple[str, ...] = ()) -> list[str]:
    """Each line of `text` that holds a secret, shortened (the secret itself is not repeated)."""
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        if (_PARAM.search(line) or _BEARER.search(line)
                or any(s and s in line for s in (*KNOWN, *also))):
            found.append(f"line {n}: {line[:80]}…")
    return found
