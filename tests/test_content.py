"""The content file the council office edits: the shipped one is complete in both languages; a faulty
one stops `kpr-bot run` and fails `kpr-bot content check`, naming the file and the line or key; and
every FAQ entry is found by the ways of asking it lists."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.content import DEFAULT_FILE, ContentError, load
from bot.rules.faq import Faq

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
            assert faq.match(phrasing) is entry, phrasing


@pytest.mark.parametrize(("question", "answer_starts"), [
    ("Bis wann muss ich den Antrag stellen?", "Für die Projektförderung des Landesrates: bis zum 31. Oktober"),
    ("wann ist die antragsfirst", "Für die Projektförderung des Landesrates: bis zum 31. Oktober"),
    ("how much can we get", "Kleinstprojekte über den KPR in der Regel bis 600 €"),
    ("Wieviel Förderung gibt es?", "Kleinstprojekte über den KPR in der Regel bis 600 €"),
    ("Welche Unterlagen brauchen wir", "Für den Landesrat: Projektbeschreibung"),
    ("unser projekt leuft schon, geht das noch?", "Ein Projekt, das vor der Bewilligung schon begonnen hat"),
    ("Who can apply for funding?", "Beim Landesrat: Landkreise"),
    ("Wo ist der Bahnhof?", None),
    ("Thank you very much!", None),
    ("Vielen Dank für die schnelle Antwort", None),
    ("Hallo, ich habe eine Frage: bis wann muss ich den Antrag für unseren Verein stellen?",
     "Für die Projektförderung des Landesrates: bis zum 31. Oktober"),
    ("hallo", None),
])
def test_typed_questions(question: str, answer_starts: str | None) -> None:
    found = Faq(load()).match(question)
    if answer_starts is None:
        assert found is None
    else:
        assert found is not None and found.answer.de.startswith(answer_starts)
