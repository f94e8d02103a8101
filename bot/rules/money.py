"""Amounts of money as people type them (`1500`, `1.500`, `1.500,50 €`, `1,500.50`) and as the bot
shows them in each language."""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency

from bot.i18n import N_

MAX_AMOUNT = Decimal(10_000_000)
# A number as people write amounts: digits with an optional decimal part of one or two digits, or
# thousands grouped by one separator (`1.500`, `1,500`, `1 500`, `1'500`) with an optional decimal
# part after the other one. Anything else ("1.2.3", "12.34.567", "0,001") is asked again.
_TYPED = re.compile(r"^\s*(?:€|eur|euro)?\s*(?P<number>\d[\d.,' ]*?)\s*(?:€|eur|euro)?\s*$", re.IGNORECASE)
_PLAIN = re.compile(r"^(?P<whole>\d+)(?:[.,](?P<cents>\d{1,2}))?$")
_GROUPED = re.compile(r"^(?P<whole>[1-9]\d{0,2}(?P<sep>[.,' ])\d{3}(?:(?P=sep)\d{3})*)(?:[.,](?P<cents>\d{1,2}))?$")


class AmountProblem(ValueError):
    """Why a typed amount cannot be used; the message is a translatable message id."""


def parse_amount(text: str | None) -> Decimal:
    """The amount in euros. Raises AmountProblem for anything that is not a positive amount of whole
    cents up to ten million."""
    match = _TYPED.match(text or "")
    if not match and re.match(r"^\s*-\s*\d", text or ""):
        raise AmountProblem(N_("The amount must be more than 0 €."))
    number = match["number"] if match else ""
    plain, grouped = _PLAIN.match(number), _GROUPED.match(number)
    if grouped and grouped["cents"] is not None and grouped["sep"] in ".," and \
            number[-len(grouped["cents"]) - 1] == grouped["sep"]:
        grouped = None  # "1.500.50": the decimal mark must differ from the grouping one
    found = plain or grouped
    if found is None:
        raise AmountProblem(N_("Please give the amount in euros as a number, for example 1500 or 1.500,50."))
    whole = re.sub(r"\D", "", found["whole"])
    amount = Decimal(f"{whole}.{found['cents'] or 0}")
    if amount <= 0:
        raise AmountProblem(N_("The amount must be more than 0 €."))
    if amount > MAX_AMOUNT:
        raise AmountProblem(N_("That is more than 10 million euros. Please check the amount."))
    return amount.quantize(Decimal("0.01"))


@lru_cache(maxsize=4096)  # Babel parses its pattern anew on every call
def format_money(amount: Decimal, language: str) -> str:
    """1500 -> "1.500 €" / "€1,500"; cents only where there are any."""
    whole = amount == amount.to_integral_value()
    pattern = None if not whole else ("#,##0\xa0¤" if language == "de" else "¤#,##0")
    return format_currency(amount, "EUR", format=pattern, locale=language, currency_digits=not whole)


def percent(share: Decimal) -> int:
    """A share of the costs as the messages show it: 0.8 -> 80."""
    return int(share * 100)


def format_percent(share: Decimal) -> str:
    """0.8 -> "80 %", in either language: as /funding and /check write a share ("{percent} %")."""
    return f"{percent(share)} %"
