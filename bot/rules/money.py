"""Amounts of money as people type them (`1500`, `ca. 1.500 €`, `1.500,50 EUR`, `1,500.50`) and as the bot
shows them in each language."""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency

from bot.i18n import N_, Translator

MAX_AMOUNT = Decimal(10_000_000)
# A number as people write amounts: "ca. 1.500 €", "1500 EUR", "€1,500.50", "1.500,- €". Digits with an
# optional decimal part of two digits, or thousands grouped by one separator (`1.500`, `1,500`,
# `1 500`, `1'500`) with an optional decimal part after the other one. Anything else ("1.2.3",
# "12.34.567", "0,001") is asked again; so is one decimal digit ("1,5": 1,50 € or 1.500 €?).
_ABOUT = r"(?:ca\.?|circa|etwa|ungefähr|rund|about|approx\.?|approximately|around|~)"
_CURRENCY = r"(?:€|eur|euro)"
_TYPED = re.compile(rf"^\s*{_ABOUT}?\s*{_CURRENCY}?\s*(?P<number>\d[\d.,' ]*?)\s*(?:,-|,--|\.-|\.--)?\s*"
                    rf"{_CURRENCY}?\s*$", re.IGNORECASE)
_PLAIN = re.compile(r"^(?P<whole>\d+)(?:[.,](?P<cents>\d{1,2}))?$")
_GROUPED = re.compile(r"^(?P<whole>[1-9]\d{0,2}(?P<sep>[.,' ])\d{3}(?:(?P=sep)\d{3})*)(?:[.,](?P<cents>\d{1,2}))?$")
AMOUNT_EXAMPLE = N_("Please give the amount in euros as a number, for example 1,500 or 1,500.50.")


class AmountProblem(ValueError):
    """Why a typed amount cannot be used: a translatable message id, and the amounts it names."""

    def __init__(self, message: str, **values: Decimal) -> None:
        super().__init__(message)
        self.values = values

    def text(self, t: Translator) -> str:
        return t(str(self), **{name: format_money(value, t.language) for name, value in self.values.items()})


def parse_amount(text: str | None) -> Decimal:
    """The amount in euros. Raises AmountProblem for anything that is not a positive amount of whole
    cents up to ten million, and for one that could be read two ways."""
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
        raise AmountProblem(AMOUNT_EXAMPLE)
    whole = Decimal(re.sub(r"\D", "", found["whole"]))
    if found["cents"] is not None and len(found["cents"]) == 1:
        tenths = Decimal(found["cents"]) / 10
        if plain and whole < 1000:  # "1,5": euros and cents, or thousands?
            raise AmountProblem(N_("This could mean {small} or {large}. Please write the amount in full."),
                                small=whole + tenths, large=(whole + tenths) * 1000)
        raise AmountProblem(N_("Please write the cents with two digits: {amount}."), amount=whole + tenths)
    amount = whole + Decimal(found["cents"] or 0) / 100
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
