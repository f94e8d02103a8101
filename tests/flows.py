"""Flows that tests and benchmarks play through the fake Bot API, as a user would with the real bot."""
from __future__ import annotations

from bot.tryout.fake_telegram import FakeUser


async def compose_and_send(coordinator: FakeUser, text: str, audience: str = "All members",
                           entities: list | None = None, ack: bool = False) -> None:
    """/broadcast from start to "Sending…": the text, the audience, the preview, send now, yes."""
    await coordinator.send("/broadcast")
    await coordinator.expect_message(contains="New announcement")
    await coordinator.send(text, entities=entities)
    choice = await coordinator.expect_message(contains="Who should get it?")
    await coordinator.press(choice, audience)
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()  # the preview
    review = await coordinator.expect_message(contains="Above is the preview.")
    if ack:
        await coordinator.press(review, "Add “Acknowledged” button")
        await coordinator.expect_callback_answer()
        await coordinator.expect_message()  # new preview, with the button
        review = await coordinator.expect_message(contains="with an “Acknowledged” button")
    await coordinator.press(review, "Send now")
    await coordinator.expect_callback_answer()
    question = await coordinator.expect_edit(contains="now?")
    await coordinator.press(question, "Yes, send it now")
    await coordinator.expect_callback_answer()
    await coordinator.expect_edit(contains="Sending…")


async def final_report(coordinator: FakeUser, timeout: float = 60) -> str:
    """Waits through the progress edits for the final report and returns its text."""
    while True:
        edit = await coordinator.expect_edit(timeout=timeout)
        if "Announcement sent." in (edit.text or ""):
            return edit.text


async def plan_meeting(coordinator: FakeUser, when: str, *, title: str = "KPR-Sitzung",
                       place: str = "Kreishaus Güstrow", weekly: int | None = None) -> None:
    """/newmeeting from start to "Created" (the coordinator speaks English), for the whole council: once,
    or `weekly` times, a week apart. A step answered with a button turns its question into the next
    one; a typed answer gets a new one."""
    await coordinator.send("/newmeeting")
    await coordinator.expect_message(contains="What is the meeting called?")
    await coordinator.send(title)
    await coordinator.expect_message(contains="When is it?")
    await coordinator.send(when)
    question = await coordinator.expect_message(contains="is that right?")
    repeat = [("Only once", "This is how members")] if weekly is None else [
        ("Every week", "When does the series end?"), ("After a number of meetings", "How many meetings"),
        (str(weekly), "This is how members")]
    for label, next_question in (("Yes", "Where?"), (place, "The agenda"), ("No agenda yet", "Who is it for?"),
                                 ("The whole council", "Does it repeat?"), *repeat):
        if label in (place, str(weekly)):  # typed
            await coordinator.send(label)
            question = await coordinator.expect_message(contains=next_question)
            continue
        await coordinator.press(question, label)
        await coordinator.expect_callback_answer()
        question = await coordinator.expect_edit(contains=next_question)
    await coordinator.press(question, "Create and invite")
    await coordinator.expect_callback_answer()
    await coordinator.expect_edit(contains="Created.")
