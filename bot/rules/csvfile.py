"""CSV files for coordinators: UTF-8 with a byte order mark, so that spreadsheet programs read the
umlauts, and no cell that a spreadsheet would run as a formula (a name may start with "=")."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
