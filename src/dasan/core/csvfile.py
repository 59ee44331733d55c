"""The one CSV writer of every export: UTF-8 with a byte-order mark (so spreadsheet programs
read Korean), CRLF line ends (RFC 4180), empty cells for missing values."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> str:
    """A header of `columns`, then each row's values in that order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r[c] for c in columns])
    return "\ufeff" + buf.getvalue()
