"""Translation: gettext catalogs compiled from locales/*.po at start, one cached translator per language."""
from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import locales
from bot.settings import LANGUAGES

DOMAIN = "messages"
LOCALES_DIR = Path(locales.__file__).parent


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - as N_, for counted messages
    """Marks a singular/plural pair for extraction; shown with `t.plural(*pair, count)`."""
    return singular, plural


class Translator:
    """Translates and formats messages for one language; `t("Hello {name}", name=...)`."""

    def __init__(self, language: str, catalog: gettext.NullTranslations) -> None:
        self.language = language
        self._catalog = catalog

    def __call__(self, message: str, /, **values: object) -> str:
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def plural(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        return self._catalog.ngettext(singular, plural, count).format(count=count, **values)


def _compile(language: str) -> gettext.NullTranslations:
    # Compiling in memory at start means a fresh clone works without a build step.
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translator(language: str) -> Translator:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    return Translator(language, _compile(language))


def pick_language(chosen: str | None, telegram_code: str | None, default: str) -> str:
    """The user's choice wins; else Telegram's language if we speak it; else the default."""
    if chosen in LANGUAGES:
        return chosen
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default
