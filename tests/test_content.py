"""The content file the council office edits: the shipped one is complete in both languages; a faulty
one stops `kpr-bot run` and fails `kpr-bot content check`, naming the file and the line or key; and
every FAQ entry is found by the ways of asking it lists."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.content import DEFAULT_FILE, ContentError, load
from bot.rules.faq import Faq, Kind, Reply

SHIPPED = DEFAULT_FILE.read_text(encoding="utf-8")


def test_the_shipped_file_is_complete() -> None:
    content = load()
    assert set(content.topics) == {"victims", "youth", "schools", "politics", "seniors"}
    assert content.micro.ceiling.value == 600 and content.lfk.minimum.value == 1000
    assert content.lfk.deadline.month == 10 and content.lfk.deadline.day == 31
    for entry in content.faq:
        assert entry.answer.de and entry.answer.en and entry.de and entry.en


@pytest.mark.parametrize(("change", "expected"), [
    # A text without its English version: the key is named.
    (('victims = { de = "Opferschutz, einschließlich Gewalt gegen Frauen", en = "Victim protection, including '
      'violence against women" }', 'victims = { de = "Opferschutz" }'), "topics.victims.en: Field required"),
    # A rule pointing at a source that is not listed.
    (('ceiling = { value = 600, source = "rostock_micro"', 'ceiling = { value = 600, source = "nowhere"'),
     "programmes.micro.ceiling: source 'nowhere' is not under [sources]"),
    # A deadline on a day that does not exist.
    (("deadline = { month = 10, day = 31,", "deadline = { month = 11, day = 31,"), "programmes.lfk.deadline"),
    # A share of the costs above 100 %.
    (("max_share = { value = 0.8,", "max_share = { value = 8,"), "programmes.lfk.max_share.value"),
    # Broken TOML: the line is named.
    (("[contact]", "[contact"), f"line {SHIPPED.splitlines().index('[contact]') + 1}"),
])
def test_a_faulty_file_names_the_place(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    assert change[0] in SHIPPED
    faulty = tmp_path / "kpr.toml"
    faulty.write_text(SHIPPED.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load(faulty)
    assert str(error.value).startswith(f"{faulty}: ") and expected in str(error.value)


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], env={"PATH": "/usr/bin:/bin", **env}, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.e2e
def test_content_check_on_the_command_line(tmp_path: Path) -> None:
    good = _cli("content", "check", env={}, cwd=tmp_path)
    assert good.returncode == 0 and ": ok" in good.stdout
    assert "micro.ceiling" in good.stdout  # the assumptions are listed for the office to confirm
    assert "{lfk.deadline}" in good.stdout and "warning" not in good.stdout  # the placeholders an editor can use
    written = tmp_path / "written.toml"
    written.write_text(SHIPPED.replace("bis {micro.ceiling} je Projekt", "bis 600 € je Projekt", 1), encoding="utf-8")
    warned = _cli("content", "check", str(written), env={}, cwd=tmp_path)
    assert warned.returncode == 0
    assert "warning: faq[1].answer.de: “600 €” is the value of {micro.ceiling}" in warned.stdout
    faulty = tmp_path / "kpr.toml"
    faulty.write_text(SHIPPED.replace('source = "county"\nchecked', 'source = "county"\nchecked = "gestern"\n#', 1),
                      encoding="utf-8")
    bad = _cli("content", "check", str(faulty), env={}, cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith(f"kpr-bot: content error: {faulty}: contact.checked: ")
    from_env = _cli("content", "check", env={"CONTENT_FILE": str(faulty)}, cwd=tmp_path)
    assert from_env.returncode == 2 and "contact.checked" in from_env.stderr


@pytest.mark.e2e
def test_a_faulty_file_stops_the_start(tmp_path: Path) -> None:
    faulty = tmp_path / "kpr.toml"
    faulty.write_text(SHIPPED.replace("[topics]", "[topics", 1), encoding="utf-8")
    result = _cli("run", env={"BOT_TOKEN": "123456:SECRETSECRETSECRET", "CONTENT_FILE": str(faulty),
                              "BOT_API_URL": "http://127.0.0.1:9"}, cwd=tmp_path)
    assert result.returncode == 2
    assert f"kpr-bot: content error: {faulty}: " in result.stderr and "line" in result.stderr
    assert "SECRET" not in result.stderr + result.stdout


def test_every_faq_entry_is_found_by_its_own_phrasings() -> None:
    content = load()
    faq = Faq(content)
    for entry in content.faq:
        for phrasing in (*entry.de, *entry.en):
            assert faq.match(phrasing) == Reply(Kind.ANSWER, (entry,)), phrasing


@pytest.mark.parametrize(("question", "expected"), [
    ("Bis wann muss ich den Antrag stellen?", "deadline"),
    ("wann ist die antragsfirst", "deadline"),  # a typo
    ("how much can we get", "amounts"),
    ("Wieviel Förderung gibt es?", "amounts"),
    ("Welche Unterlagen brauchen wir", "documents"),
    ("unser projekt leuft schon, geht das noch?", "begun"),
    ("Who can apply for funding?", "who"),
    ("Hallo, ich habe eine Frage: bis wann muss ich den Antrag für unseren Verein stellen?", "deadline"),
    # The one word that carries the meaning beats the words it shares with other entries.
    ("Wer darf einen Antrag stellen?", "who"),
    ("Wir sind eine Firma, können wir einen Antrag stellen?", "companies"),
    ("Müssen wir einen Teil selber zahlen?", "own_share"),
    ("Wann ist der Stichtag?", "deadline"),
    ("Gibt es ein Antragsformular?", "how_to_apply"),
    ("Wie ist Ihre Telefonnummer?", "contact"),
    ("Do you fund projects for safety in schools?", "topics"),
    ("Wo ist der Bahnhof?", Kind.NONE),
    ("asdf qwer", Kind.NONE),
    ("hallo", Kind.GREETING),
    ("Guten Morgen!", Kind.GREETING),
    ("Thank you very much!", Kind.THANKS),
    ("Vielen Dank für die schnelle Antwort", Kind.THANKS),
])
def test_typed_questions(question: str, expected: str | Kind) -> None:
    reply = Faq(load()).match(question)
    if isinstance(expected, Kind):
        assert reply == Reply(expected)
    else:
        assert reply.kind is Kind.ANSWER and [entry.key for entry in reply.entries] == [expected]


@pytest.mark.parametrize(("question", "offered"), [
    ("Wieviel Geld und bis wann?", {"amounts", "deadline"}),
    ("Fördersumme und Eigenanteil?", {"amounts", "own_share"}),
    ("Do you fund projects in schools?", {"topics", "who"}),  # schools' projects, or schools applying
])
def test_two_close_entries_are_both_offered(question: str, offered: set[str]) -> None:
    reply = Faq(load()).match(question)
    assert reply.kind is Kind.CHOICE and {entry.key for entry in reply.entries} == offered


def test_texts_name_rule_values_filled_in_the_readers_language(tmp_path: Path) -> None:
    shipped = load()
    amounts = next(entry for entry in shipped.faq if entry.key == "amounts")
    assert "{micro.ceiling}" in amounts.answer.de  # as written, for an editor
    assert "bis 600\xa0€" in amounts.answer.in_("de") and "up to €600" in amounts.answer.in_("en")
    assert "höchstens 80 %" in amounts.answer.in_("de") and "at least €1,000" in amounts.answer.in_("en")
    deadline = next(entry for entry in shipped.faq if entry.key == "deadline")
    assert "{lfk.deadline_rule}" in deadline.answer.de
    assert "bis zum 31. Oktober des Vorjahres" in deadline.answer.in_("de")
    assert "by 31 October of the year before" in deadline.answer.in_("en")
    assert "bis zum 30. September des Vorjahres" in deadline.answer.in_("de")  # a council's own, with its year too
    # The rules changed in one place: every text follows.
    changed = tmp_path / "kpr.toml"
    changed.write_text(SHIPPED.replace("ceiling = { value = 600,", "ceiling = { value = 800,", 1)
                       .replace("max_share = { value = 0.8,", "max_share = { value = 0.75,", 1)
                       .replace("deadline = { month = 10, day = 31,", "deadline = { month = 11, day = 15,", 1),
                       encoding="utf-8")
    content = load(changed)
    texts = " ".join(entry.answer.in_(language) for entry in content.faq for language in ("de", "en"))
    assert "bis 800\xa0€" in texts and "up to €800" in texts and "600" not in texts
    assert "höchstens 75 %" in texts and "Mindestens 25 % tragen Sie selbst" in texts
    assert "bis zum 15. November des Vorjahres" in texts and "by 15 November of the year before" in texts
    # The year the deadline lies in follows the rule too.
    for years_before, de, en in ((0, "bis zum 31. Oktober des Jahres, in dem das Projekt beginnt",
                                  "by 31 October of the year the project starts"),
                                 (2, "bis zum 31. Oktober zwei Jahre vor dem Jahr, in dem das Projekt beginnt",
                                  "by 31 October two years before the year the project starts")):
        changed.write_text(SHIPPED.replace("deadline = { month = 10, day = 31, years_before = 1,",
                                           f"deadline = {{ month = 10, day = 31, years_before = {years_before},", 1),
                           encoding="utf-8")
        texts = " ".join(entry.answer.in_(language) for entry in load(changed).faq for language in ("de", "en"))
        assert de in texts and en in texts and "Vorjahres" not in texts.replace("30. September des Vorjahres", "")


def test_no_rule_value_is_written_out_in_the_shipped_texts() -> None:
    assert load().written_figures() == []
    assert "change its answer here too" not in SHIPPED  # the editor no longer keeps two copies


def test_a_figure_written_out_is_warned_about(tmp_path: Path) -> None:
    copy = tmp_path / "kpr.toml"
    copy.write_text(SHIPPED.replace("in der Regel bis {micro.ceiling} je", "in der Regel bis 600 € je", 1)
                    .replace("höchstens {lfk.max_share} der", "höchstens 80 Prozent der", 1)
                    .replace("by {lfk.deadline_rule};", "by October 31 of the year before;", 1)
                    .replace("bis zum {lfk.deadline_rule} ein", "bis zum {lfk.deadline} des Vorjahres ein", 1),
                    encoding="utf-8")
    warnings = load(copy).written_figures()
    assert any(w.startswith("faq[1].answer.de: “600 €” is the value of {micro.ceiling}") for w in warnings), warnings
    assert any("“80 Prozent” is the value of {lfk.max_share}" in w for w in warnings), warnings
    assert any(w.startswith("faq[0].answer.en: “October 31” is the value of {lfk.deadline}") for w in warnings)
    assert any(w.startswith("faq[0].answer.de: “{lfk.deadline} des Vorjahres” writes out the year of {lfk.deadline}; "
                            "write {lfk.deadline_rule}") for w in warnings), warnings
    assert len(warnings) == 4  # "1600 €" or "600 Teilnehmende" would not be warned about


def test_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    faulty = tmp_path / "kpr.toml"
    faulty.write_text(SHIPPED.replace("in der Regel bis {micro.ceiling} je Projekt", "in der Regel bis {micro.cieling}",
                                      1), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load(faulty)
    assert "faq[1].answer.de: unknown placeholder {micro.cieling}; known are {micro.ceiling}," in str(error.value)


def test_faq_keys_are_unique(tmp_path: Path) -> None:
    faulty = tmp_path / "kpr.toml"
    faulty.write_text(SHIPPED.replace('key = "amounts"', 'key = "deadline"', 1), encoding="utf-8")
    with pytest.raises(ContentError, match="faq: the key 'deadline' is used twice"):
        load(faulty)


def test_another_councils_faq_says_its_own_figures() -> None:
    # The example council's file takes the Landkreis Rostock's entries as they are: its own rules fill them.
    example = load(DEFAULT_FILE.with_name("example-vorpommern-greifswald.toml"))
    faq = Faq(example)
    amounts = faq.match("Wie viel Geld gibt es für ein Kleinstprojekt?")
    assert amounts.kind is Kind.ANSWER and "bis 500\xa0€ je Projekt" in amounts.entries[0].answer.in_("de")
    deadline = faq.match("How long before the start must we apply for a micro project?")
    assert deadline.kind is Kind.ANSWER and "at least 6 weeks before" in deadline.entries[0].answer.in_("en")
    said = " ".join(entry.answer.in_(language) for entry in example.faq for language in ("de", "en"))
    assert "Rostock" not in said and "KPR" not in said
