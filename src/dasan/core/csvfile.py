"""The one CSV writer of every export: UTF-8 with a byte-order mark (so spreadsheet programs
read Korean), CRLF line ends (RFC 4180), empty cells for missing values, and every personal
identifier in a text cell masked (`dasan.privacy.pii`: an export leaves the center)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from dasan.privacy.pii import mask


def _cell(value: object) -> object:
    if value is None:
        return ""
    return mask(value) if isinstance(value, str) else value


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> str:
    """A header of `columns`, then each row's values in that order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return "\ufeff" + buf.getvalue()
