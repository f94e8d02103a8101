"""Extracting the bot's messages from its code: for `kpr-bot` maintainers and the translation test."""
from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

KEYWORDS = {"t": None, "N_": None, "plural": (1, 2), "NP_": (1, 2)}
ROOT = Path(__file__).resolve().parents[2]
SOURCE_LANGUAGE = "en"
METHOD_MAP = [("bot/**.py", "python"), ("handlers/**.py", "python"), ("bot/web/templates/**.html", "jinja2")]


def extract() -> Catalog:
    catalog = Catalog(project="kpr-bot", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context,
                    flags=("python-brace-format",) if "{" in str(message) else ())
    return catalog


def update_catalogs() -> None:
    """Writes locales/messages.pot and merges it into each language's .po, keeping translations."""
    from babel.messages.pofile import read_po, write_po

    from bot.i18n import DOMAIN, LOCALES_DIR
    from bot.settings import LANGUAGES

    template = extract()
    with (LOCALES_DIR / f"{DOMAIN}.pot").open("wb") as pot:
        write_po(pot, template, omit_header=False, sort_output=False, width=100, include_lineno=False)
    for language in LANGUAGES:
        path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        with path.open("rb") as po:
            catalog = read_po(po, locale=language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if language == SOURCE_LANGUAGE:
            # The code's own texts are the English ones; only a differing English text is written by hand.
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id if isinstance(message.id, tuple) else message.id
        with path.open("wb") as po:
            write_po(po, catalog, width=100, include_lineno=False)
        untranslated = [m.id for m in catalog if m.id and not _translated(m)]
        print(f"{path.relative_to(ROOT)}: {len(untranslated)} untranslated")


def _translated(message) -> bool:  # type: ignore[no-untyped-def]
    return all(message.string if isinstance(message.string, tuple) else [message.string])


if __name__ == "__main__":
    update_catalogs()
