"""German an office can sign (docs/style-de.md): no text of the German catalogue, and no German text
the content files make the bot say, uses a form the style guide rules out: gender forms with "/",
"*", ":", "_", "(in)" or a capital I, "bzw." and pairs, the generic masculine, the short genitive
"des Präventionsrats", "du", or "Förderbescheid" for the official "Zuwendungsbescheid"."""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import content as packaged
from bot.i18n import LOCALES_DIR

_AGENT = r"\w+(?:er|or|ent|ant|eur|ist|at)"  # the stems that have a feminine form in -in
_ARTICLES = r"(?:\w+\s+){0,2}?"  # "der letzte", "die"
# What the style guide's table "Geprüft wird" lists, by name.
RULED_OUT = {
    "slash form": r"\w/(?:in|innen|r|e)\b",
    "gender star, colon or gap": r"\w[*:_](?:in|innen)\b",
    "(in) in brackets": r"\w\((?:in|innen)\)",
    "capital I": r"[a-zäöüß]Innen\b",
    "pair, feminine first": rf"\b({_AGENT})(?:in|innen)\s+(?:und|oder|bzw\.)\s+{_ARTICLES}\1(?:en|e|n|s)?\b",
    "pair, masculine first": rf"\b({_AGENT})(?:en|e|n|s)?\s+(?:und|oder|bzw\.)\s+{_ARTICLES}\1(?:in|innen)\b",
    "bzw.": r"\bbzw\.",
    "generic masculine": r"\b(?:Antragsteller|Empfänger|Teilnehmer|Mitarbeiter|Koordinator|Ansprechpartner|Abonnent|"
                         r"Nutzer|Benutzer|Bewerber|Vertreter)(?:s|n|en|in|innen)?\b",
    "Antragstellende Person": r"\bAntragstellende Person",
    "genitive without -es": r"\b(?:\w*(?:Präventions|Landes|Bei|Kreis|Stadt|Gemeinde|Senioren|Jugend)rats|Rats)\b",
    "du": r"\b(?:[Dd]u|[Dd]ich|[Dd]ir|[Dd]ein(?:e[mnrs]?)?|[Ee]uch|[Ee]uer|[Ee]ure[mnrs]?)\b",
    "Förderbescheid": r"\bFörderbescheid\w*",
}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def problems(text: str) -> list[str]:
    """The ruled-out forms in a text, as "name: the words"; placeholders ({in_area}) are not words."""
    text = _PLACEHOLDER.sub("…", text)
    return [f"{name}: {match.group(0)!r}" for name, pattern in RULED_OUT.items()
            for match in re.finditer(pattern, text)]


@pytest.mark.parametrize(("text", "ruled_out"), [
    ("{count} Empfänger/innen", "slash form"), ("Antragsteller/in", "slash form"),
    ("Datenschutzbeauftragte/r des Landkreises", "slash form"), ("Antragsteller*innen", "gender star, colon or gap"),
    ("Koordinator:innen", "gender star, colon or gap"), ("Teilnehmer(innen)", "(in) in brackets"),
    ("KoordinatorInnen", "capital I"),
    ("Das dürfen nur die Koordinatorinnen und Koordinatoren des Rates.", "pair, feminine first"),
    ("Sie sind die letzte Koordinatorin bzw. der letzte Koordinator.", "pair, feminine first"),
    ("Bürger und Bürgerinnen", "pair, masculine first"), ("Datum bzw. Uhrzeit", "bzw."),
    ("Abonnenten der Neuigkeiten", "generic masculine"), ("{count} Empfänger", "generic masculine"),
    ("Antrag und Ansprechpartner", "generic masculine"), ("Antragstellende Person", "Antragstellende Person"),
    ("Neuigkeiten des Präventionsrats", "genitive without -es"), ("des Landesrats", "genitive without -es"),
    ("Hast du Fragen?", "du"), ("Deine Daten", "du"),
    ("vor dem Förderbescheid begonnen", "Förderbescheid"), ("Förderbescheide", "Förderbescheid"),
])
def test_each_ruled_out_form_is_found(text: str, ruled_out: str) -> None:
    assert any(problem.startswith(ruled_out + ":") for problem in problems(text)), problems(text)


@pytest.mark.parametrize("text", [
    "Wer die Neuigkeiten abonniert hat", "Empfängerkreis: {audience}", "Antragstellende", "die Koordination des Rates",
    "Mitglieder des Präventionsrates", "des Landesrates", "Termin und Termine", "Neuigkeiten an/aus", "/news on",
    "Findet das Projekt nicht {in_area} statt", "Ich bin der Bot {of_council}.", "Fragen Sie die Geschäftsstelle.",
    "Welche Organisation vertreten Sie?", "Nutzung der Förderhilfe", "Ihr Eigenanteil", "Koordination",
    "vor dem Zuwendungsbescheid begonnen",
])
def test_what_the_guide_allows_passes(text: str) -> None:
    assert problems(text) == []


def test_the_german_catalogue_keeps_to_the_style_guide() -> None:
    with (LOCALES_DIR / "de" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="de")
    found = [f"{message.id!r}: {problem}" for message in catalog if message.id
             for text in (message.string if isinstance(message.string, tuple) else (message.string,))
             for problem in problems(text)]
    assert not found, "\n".join(found)


def _said_in_german(data: object, where: str = "") -> Iterator[tuple[str, str]]:
    """Every German text the bot says from a content file: each `de` that is a text. (A list under `de`
    holds how people ask, in their words; source titles quote publications.)"""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "de" and isinstance(value, str):
                yield where, value
            elif key != "sources":
                yield from _said_in_german(value, f"{where}.{key}" if where else key)
    elif isinstance(data, list):
        for n, value in enumerate(data):
            yield from _said_in_german(value, f"{where}[{n}]")


@pytest.mark.parametrize("path", sorted(Path(packaged.__file__).parent.glob("*.toml")), ids=lambda path: path.name)
def test_the_content_files_german_keeps_to_the_style_guide(path: Path) -> None:
    texts = list(_said_in_german(tomllib.loads(path.read_text(encoding="utf-8"))))
    assert any(where == "council" for where, _ in texts)  # the walk reaches the texts
    found = [f"{where}: {problem}" for where, text in texts for problem in problems(text)]
    assert not found, "\n".join(found)
