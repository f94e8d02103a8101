"""Spreadsheets for the office: .xlsx files that a spreadsheet program opens with a double click,
with headers and values in the reader's language and dates as dates. No cell runs as a formula
(a name may start with "=")."""
from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DATE_FORMAT = "DD.MM.YYYY HH:MM"
_UTC = ZoneInfo("UTC")
_SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def filename(title: str) -> str:
    """A file name that reaches the office as written: the multipart upload percent-encodes spaces
    and umlauts, which would show in the name ("AG%20Schule.xlsx")."""
    name = re.sub(r"[^A-Za-z0-9.-]+", "_", title.translate(_UMLAUTS)).strip("_.")[:60]
    return (name or "Export") + ".xlsx"


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    # A spreadsheet knows no time zones: a time as the council's clock shows it.
    return value.astimezone(zone).replace(tzinfo=None) if value.tzinfo else value


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[object]],
               zone: ZoneInfo = _UTC) -> bytes:
    """One sheet called `title`: the header in bold, frozen above the rows; None is an empty cell;
    times as `zone` shows them."""
    # Imported on the first export: a bot that makes none keeps openpyxl out of its memory.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title.translate(_SHEET_NAME_FORBIDDEN)[:31] or "Export"
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(name) for name in header]
    for row in rows:
        values = [_local(value, zone) if isinstance(value, datetime) else value for value in row]
        sheet.append(values)
        for column, (cell, value) in enumerate(zip(sheet[sheet.max_row], values)):
            if isinstance(value, str) and cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula stays text
            elif isinstance(value, datetime):
                cell.number_format = _DATE_FORMAT
            shown = len(_DATE_FORMAT) if isinstance(value, datetime) else len(str(value or ""))
            if column < len(widths):
                widths[column] = max(widths[column], shown)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
