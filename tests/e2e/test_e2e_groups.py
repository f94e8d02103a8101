"""End to end: a group with one place, the waitlist and its promotion, and a lead's announcement that
reaches exactly the group, through the real bot process."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.tryout.fake_telegram import FakeTelegram
from tests.e2e import COORD, BotRunner


async def test_waitlist_promotion_and_a_leads_announcement(tg: FakeTelegram, bot: BotRunner) -> None:
    bot.add_people([7101, 7102, 7103, 7104])
    lead, first, second, outsider = (tg.user(7101, "Lena"), tg.user(7102, "Finn"), tg.user(7103, "Sara"),
                                     tg.user(7104, "Otto"))
    created = datetime(2026, 11, 1, 10, tzinfo=timezone.utc)
    group_id = bot.query("insert into groups (name, kind, description, capacity, members, created_at) "
                         "values ('AG Schule', 'working_group', '', 2, 1, ?) returning id", created)[0][0]
    bot.execute("insert into group_members (group_id, user_id, status, lead, joined_at) "
                "values (?, 7101, 'member', true, ?)", group_id, created)

    await first.send("/groups")
    overview = await first.expect_message(contains="Arbeitsgruppen")
    await first.press(overview, "AG Schule")
    await first.expect_callback_answer()
    card = await first.expect_edit(contains="1 Platz frei")
    await first.press(card, "Beitreten")
    assert "Willkommen" in (await first.expect_callback_answer()).text
    await first.expect_edit(contains="Sie sind Mitglied")

    await second.send("/groups")
    await second.press(await second.expect_message(contains="Arbeitsgruppen"), "AG Schule")
    await second.expect_callback_answer()
    await second.press(await second.expect_edit(contains="0 Plätze frei"), "Auf die Warteliste")
    assert "Nummer 1 auf der Warteliste" in (await second.expect_callback_answer()).text
    await second.expect_edit(contains="Nummer 1 auf der Warteliste")

    # The first leaves (asked to confirm); the second gets the place and is told at once.
    mine = first.history[-1]
    await first.press(mine, "Gruppe verlassen")
    await first.expect_callback_answer()
    await first.press(await first.expect_edit(contains="verlassen?"), "Ja, verlassen")
    await first.expect_callback_answer()
    told = await second.expect_message(contains="Platz frei geworden")
    assert "AG Schule" in told.text
    assert bot.query("select user_id, status from group_members order by id") == [(7101, "member"), (7103, "member")]

    # The lead writes to the group: it reaches the group (Sara), not who left or who was never in it.
    await lead.send("/groups")
    await lead.press(await lead.expect_message(contains="Arbeitsgruppen"), "AG Schule")
    await lead.expect_callback_answer()
    await lead.press(await lead.expect_edit(contains="Sie leiten diese Gruppe"), "Mitteilung an die Gruppe")
    await lead.expect_callback_answer()
    await lead.expect_message(contains="Neue Mitteilung")
    await lead.send("Treffen am Montag fällt aus.")
    await lead.expect_message()  # the preview
    review = await lead.expect_message(contains="die Mitglieder von „AG Schule“")
    assert "Derzeit etwa 1 Person" in review.text
    await lead.press(review, "Jetzt senden")
    await lead.expect_callback_answer()
    await lead.press(await lead.expect_edit(contains="Jetzt an 1"), "Ja, jetzt senden")
    await lead.expect_callback_answer()
    announcement = (await second.expect_message(contains="Treffen")).text
    assert announcement.startswith("AG Schule\nMitteilung vom ")  # the group is its sender
    assert announcement.endswith("\n\nTreffen am Montag fällt aus.")
    for other in (first, outsider):
        await other.expect_no_message(within=1)
    assert bot.query("select audience, group_id, recipients from broadcasts") == [("group", group_id, 1)]
    coordinator = tg.user(COORD, "Chris", language_code="en")
    await coordinator.expect_no_message(within=0.2)


async def test_a_new_lead_is_told_and_gets_the_member_list_as_a_spreadsheet(tg: FakeTelegram, bot: BotRunner) -> None:
    import io

    from openpyxl import load_workbook

    bot.add_people([7201, 7202])
    bot.execute("update users set organisation = 'Polizeirevier Güstrow' where id = 7201")
    coordinator, lena = tg.user(COORD, "Clara"), tg.user(7201, "Lena")
    created = datetime(2026, 11, 1, 10, tzinfo=timezone.utc)
    group_id = bot.query("insert into groups (name, kind, description, members, created_at) "
                         "values ('AG Schule', 'working_group', '', 2, ?) returning id", created)[0][0]
    for user_id in (7201, 7202):
        bot.execute("insert into group_members (group_id, user_id, status, lead, joined_at) "
                    "values (?, ?, 'member', false, ?)", group_id, user_id, created)

    await coordinator.send("/groups")
    await coordinator.press(await coordinator.expect_message(contains="Arbeitsgruppen"), "AG Schule")
    await coordinator.expect_callback_answer()
    await coordinator.press(await coordinator.expect_edit(contains="AG Schule"), "Leitung")
    await coordinator.expect_callback_answer()
    await coordinator.press(await coordinator.expect_edit(contains="Tippen Sie"), "Person 7201")
    told = await lena.expect_message(contains="Leitung von „AG Schule“ übertragen")
    # The notice opens the group's card, as it is when pressed.
    await lena.press(told, "Gruppe öffnen")
    await lena.expect_callback_answer()
    await lena.press(await lena.expect_edit(contains="Sie leiten diese Gruppe"), "Mitglieder")
    await lena.expect_callback_answer()
    await lena.expect_message(contains="AG Schule")
    await lena.press(await lena.expect_message(contains="Tabelle"), "Als Tabelle herunterladen")
    await lena.expect_callback_answer()
    document = (await lena.expect_message()).document
    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(document["data"])).active.iter_rows()]
    assert document["filename"] == "AG_Schule.xlsx"
    assert rows[0] == ["Name", "Organisation", "In der Gruppe als", "Seit"]  # no Telegram ids for a lead
    assert rows[1][:3] == ["Lena", "Polizeirevier Güstrow", "Leitung"] and isinstance(rows[1][3], datetime)
