"""Telegram-free rules: callback data, invites, membership answers and role changes."""
from __future__ import annotations

import pytest

from bot.ptb.callbacks import Callback
from bot.rules import invites
from bot.rules.answers import clean_text_answer
from bot.rules.membership import NAME_LIMITS


def test_callback_data_round_trip_and_limits() -> None:
    decide = Callback("jr", request=r"\d{1,12}", verdict="a|d")
    data = decide.data(request=42, verdict="a")
    assert data == "jr:42:a"
    match = decide.pattern.match(data)
    assert match["request"] == "42" and match["verdict"] == "a"
    for forged in ("jr:42:x", "jr:abc:a", "jr:42:a:extra", "jr:42", "xx:42:a", "jr:1234567890123:a"):
        assert decide.pattern.match(forged) is None, forged
    with pytest.raises(ValueError):
        decide.data(request="1; drop", verdict="a")
    with pytest.raises(ValueError):
        Callback("long", text=".*").data(text="x" * 70)


def test_invite_codes_and_payloads() -> None:
    code = invites.new_code()
    assert invites.code_from_payload(f"inv_{code}") == code
    assert invites.new_code() != code
    assert invites.code_from_payload("inv_") is None
    assert invites.code_from_payload("something") is None
    assert invites.code_from_payload("inv_bad code!") is None
    assert invites.deep_link("kpr_bot", code) == f"https://t.me/kpr_bot?start=inv_{code}"
    assert len(f"inv_{code}") <= 64  # Telegram's limit for a start parameter


@pytest.mark.parametrize(("text", "value", "problem"), [
    ("  Erika   Mustermann ", "Erika Mustermann", None),
    ("E", None, "short"),
    ("", None, "short"),
    (None, None, "short"),
    ("x" * 101, None, "long"),
])
def test_clean_text_answer(text, value, problem) -> None:
    cleaned, error = clean_text_answer(text, NAME_LIMITS)
    assert cleaned == value
    assert (error is None) if problem is None else (problem in error)


def test_spreadsheet_cells_never_run_as_formulas_and_dates_are_dates() -> None:
    import io
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from openpyxl import load_workbook

    from bot.rules.spreadsheet import xlsx_bytes

    data = xlsx_bytes("Teilnahme: 12.3.", ["Name", "Datum"],
                      [["=HYPERLINK(1)", datetime(2027, 3, 12, 17, 0, tzinfo=UTC)], ["Jürgen", None]],
                      ZoneInfo("Europe/Berlin"))
    sheet = load_workbook(io.BytesIO(data)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Name", "Datum"], ["=HYPERLINK(1)", datetime(2027, 3, 12, 18, 0)], ["Jürgen", None]]
    assert sheet["A2"].data_type == "s" and sheet["B2"].is_date  # text stays text, a date is a date


def test_spreadsheet_file_names_survive_the_upload() -> None:
    from bot.rules.spreadsheet import filename

    assert filename("Präventionsrat Güstrow / Süd") == "Praeventionsrat_Guestrow_Sued.xlsx"
    assert filename("???") == "Export.xlsx"
