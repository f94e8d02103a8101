"""Every message in the code exists, translated, in German and English, with the same placeholders."""
from __future__ import annotations

import re
import string

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, pick_language, translator
from bot.settings import LANGUAGES
from bot.tryout.catalog import extract


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _catalog(language: str):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    catalog = _catalog(language)
    problems = []
    for message in extract():
        if not message.id:
            continue
        entry = catalog.get(message.id)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            (entry.string,) if entry is not None else ())
        if entry is None or not strings or not all(strings) or entry.fuzzy:
            problems.append(f"missing: {ids[0]!r}")
            continue
        expected = set().union(*(_fields(i) for i in ids)) - {"count"}
        for translated in strings:
            if _fields(translated) - {"count"} != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {translated!r}")
    assert not problems, f"{language}: " + "\n".join(problems)


def test_german_is_really_german() -> None:
    # Guards against a catalog that merely copies the English source.
    assert translator("de")("Cancel") == "Abbrechen"
    assert translator("en")("Cancel") == "Cancel"
    assert translator("de").plural("{count} open join request", "{count} open join requests", 2) == "2 offene Aufnahmeanträge"


def test_no_catalog_keeps_messages_the_code_no_longer_has() -> None:
    in_code = {m.id for m in extract() if m.id}
    for language in LANGUAGES:
        stale = {m.id for m in _catalog(language) if m.id and m.id not in in_code}
        assert not stale, f"{language} has messages no code uses: {stale}"


@pytest.mark.parametrize(("chosen", "telegram", "default", "expected"), [
    (None, "de", "en", "de"), (None, "en-GB", "de", "en"), (None, "pl", "de", "de"),
    (None, None, "en", "en"), ("en", "de", "de", "en"),
])
def test_language_choice(chosen, telegram, default, expected) -> None:
    assert pick_language(chosen, telegram, default) == expected


def test_html_safe_messages_have_no_markup() -> None:
    # Messages are escaped before they are shown; markup in a catalog would show as text.
    for language in LANGUAGES:
        for message in _catalog(language):
            for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
                assert not re.search(r"<[a-z/]", text or ""), f"{language}: markup in {message.id!r}"


def test_no_message_hides_in_an_f_string() -> None:
    # The extractor does not look inside f-strings: t("...") there would never be translated.
    from bot.tryout.catalog import ROOT

    hidden = [f"{path.relative_to(ROOT)}:{n}" for folder in ("bot", "handlers") for path in (ROOT / folder).glob("*.py")
              for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if re.search(r"""\{t(\.plural)?\(\s*['"]""", line)]
    assert not hidden, hidden
