"""Rows of a table file an administrator uploads or names: JSONL, CSV (UTF-8, with or without a BOM)
or XLSX (the first sheet, its first row the header). Each row comes with its number as the person
who made the file sees it (the line, or the sheet row), so a report of rejected rows points at them."""

from __future__ import annotations

import csv
import json
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

SUFFIXES = (".jsonl", ".json", ".csv", ".xlsx")


def read_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(row number, row) pairs; the row number is the line (JSONL, CSV with header = 1) or sheet row."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    yield n, {"_error": f"not JSON ({e.msg})"}
                    continue
                yield n, row if isinstance(row, dict) else {"_error": "not a JSON object"}
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            for n, row in enumerate(csv.DictReader(f), 2):
                yield n, row
    elif suffix == ".xlsx":
        from openpyxl import load_workbook  # heavy: only XLSX imports

        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        for n, values in enumerate(rows, 2):
            if any(v is not None and str(v).strip() for v in values):
                yield n, {h: ("" if v is None else v) for h, v in zip(header, values, strict=False) if h}
    else:
        raise ValueError(f"{path.name}: use a .jsonl, .csv or .xlsx file")


def read_upload(filename: str, data: bytes) -> list[tuple[int, dict]]:
    """`read_rows` for an uploaded file's bytes (its name says the format)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{filename}: use a .csv, .xlsx or .jsonl file")
    try:
        with tempfile.NamedTemporaryFile(suffix=suffix) as f:
            f.write(data)
            f.flush()
            return list(read_rows(Path(f.name)))
    except UnicodeDecodeError:
        raise ValueError(f"{filename}: not UTF-8 text (save the CSV as UTF-8)") from None
    except (csv.Error, zipfile.BadZipFile, KeyError, OSError) as e:
        raise ValueError(f"{filename}: cannot be read as {suffix[1:].upper()} ({e})") from None
