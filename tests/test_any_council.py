"""Any council of Mecklenburg-Vorpommern runs the bot with its own content file: the example for the
Landkreis Vorpommern-Greifswald passes `kpr-bot content check`, and what applicants see on it
(/start, /funding with every item, /check to its result, /privacy) names that council and its area,
never the Landkreis Rostock. No council's name is written into the catalogues either."""
from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import content as packaged
from bot import cli
from bot.i18n import LOCALES_DIR
from bot.rules.money import format_money
from bot.settings import LANGUAGES
from storage.db import Database
from tests.conftest import open_database
from tests.harness import Harness, MakeHarness, buttons

EXAMPLE = Path(packaged.__file__).parent / "example-vorpommern-greifswald.toml"
APPLICANT = 3001
NAVIGATION = ("« ", "Abbrechen", "Cancel", "Behalten", "Keep")  # Back, Cancel, keep an earlier answer


@pytest.fixture(params=["sqlite"])
async def db(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """On SQLite, as handler tests run (tests/handlers/conftest.py): nothing here is about the database."""
    async with open_database(request) as database:
        yield database


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, content_file=EXAMPLE)


def test_the_example_passes_the_content_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["content", "check", str(EXAMPLE)]) == 0
    assert ": ok" in capsys.readouterr().out


def everything_shown(h: Harness, user_id: int) -> list[str]:
    """Every text, caption, alert and button label the user was shown."""
    shown = []
    for call in h.request.calls:
        params = call.params
        if call.method == "answerCallbackQuery":
            shown.append(params.get("text") or "")
        elif int(params.get("chat_id", 0)) == user_id:
            shown += [params.get("text") or "", params.get("caption") or "", *buttons(params)]
            document = params.get("document")
            if isinstance(document, dict) and isinstance(document.get("data"), bytes):
                shown.append(document["data"].decode("utf-8", errors="replace"))
    return shown


async def walk_the_check(h: Harness, language: str) -> None:
    """/check to its result: the first answer offered to each question (“No” to whether the project has
    begun), “don't know” where the question wants typed input."""
    dont_know = {"de": "Weiß nicht", "en": "Don't know"}[language]
    no = {"de": "Nein", "en": "No"}[language]
    await h.send(APPLICANT, "/check", language=language)
    for _ in range(20):
        shown = buttons(h.request.latest(APPLICANT))
        if dont_know not in shown:
            return  # the result
        options = [label for label in shown if label != dont_know and not label.startswith(NAVIGATION)]
        choice = no if no in options else (options[0] if options else dont_know)
        await h.press(APPLICANT, shown[choice], language=language)
    raise AssertionError("the check did not come to a result")


@pytest.mark.parametrize("language", ["de", "en"])
async def test_another_council_runs_on_its_content_file(h: Harness, language: str) -> None:
    await h.send(APPLICANT, "/start", language=language)
    greeting = h.request.latest(APPLICANT)["text"]
    assert {"de": "Ich bin der Bot des Kommunalen Präventionsrates des Landkreises Vorpommern-Greifswald",
            "en": "I am the bot of the crime prevention council of the Landkreis Vorpommern-Greifswald"}[language] \
        in greeting

    await h.send(APPLICANT, "/funding", language=language)
    items = {label: data for label, data in buttons(h.request.latest(APPLICANT)).items()
             if not label.startswith(NAVIGATION)}
    assert len(items) >= 6
    for data in items.values():
        await h.press(APPLICANT, data, language=language)
    await walk_the_check(h, language)
    await h.send(APPLICANT, "/privacy", language=language)

    shown = "\n".join(everything_shown(h, APPLICANT))
    assert "Landkreis Rostock" not in shown and "Landkreises Rostock" not in shown
    for own in ({"de": "Jugend und digitale Medien", "en": "Young people and digital media"}[language],  # topics
                {"de": "Kleinstprojekte {}", "en": "micro projects {}"}[language].format(  # the area, in a sentence
                    {"de": "im Landkreis Vorpommern-Greifswald", "en": "in the Landkreis Vorpommern-Greifswald"}[language]),
                {"de": "Im Landkreis Vorpommern-Greifswald", "en": "In the Landkreis Vorpommern-Greifswald"}[language],
                "Landkreis Vorpommern-Greifswald, ",  # the controller in /privacy
                format_money(Decimal(500), language)):  # its micro ceiling
        assert own in shown, own


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_council_is_named_in_the_catalogues(language: str) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    named = [message.id for message in catalog if message.id and any(
        council in text for council in ("Rostock", "KPR", "Greifswald")
        for text in [*(message.id if isinstance(message.id, tuple) else (message.id,)),
                     *(message.string if isinstance(message.string, tuple) else (message.string,))])]
    assert not named, named
