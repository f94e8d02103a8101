"""/settings: whom one speaks for in the council, whether to get meeting reminders at all, and at
which of the offsets; the way to one's deadline reminders (/reminders) for whoever has one."""
from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import MEMBERS, MenuEntry
from bot.i18n import N_
from bot.ptb.callbacks import Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.dates import spoken_duration
from handlers.common.buttons import MEMBER_MENU, MENU, ORGANISATION
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from storage import deadlines, reminders, users
from storage.models import Role

SWITCH = Callback("rem", on="0|1")
OFFSET = Callback("remo", seconds=r"\d{1,8}", on="0|1")


async def show(update: Update, context: BotContext, *, edit: bool = False) -> None:
    t = context.t
    async with context.db.begin() as session:
        user = await users.get(session, update.effective_user.id)
        off = await reminders.opted_out(session, update.effective_user.id)
        today = context.now().astimezone(context.settings.timezone).date()
        deadline_reminders = len(await deadlines.of_user(session, update.effective_user.id, today))
    enabled = user is None or user.reminders is not False
    organisation = user.organisation if user is not None else None
    lines = [bold(t("Settings")), "",
             html(t("Organisation: {organisation}", organisation=organisation or t("not known"))),
             html(t("Meeting reminders: on") if enabled else t("Meeting reminders: off"))]
    rows = [[(t("Change organisation"), ORGANISATION.data(user=update.effective_user.id))],
            [(t("Turn reminders off") if enabled else t("Turn reminders on"), SWITCH.data(on=0 if enabled else 1))]]
    if enabled:
        lines.append(html(t("Tap a reminder to switch it:")))
        for offset in context.settings.reminder_offsets:
            wanted = offset not in off
            label = ("✅ " if wanted else "⬜ ") + t("{time} before", time=spoken_duration(t, offset))
            rows.append([(label, OFFSET.data(seconds=int(offset.total_seconds()), on=0 if wanted else 1))])
    if deadline_reminders:
        # Set from a /check result, they are otherwise found only by typing /reminders.
        lines += ["", html(t.plural("{count} deadline reminder set", "{count} deadline reminders set",
                                    deadline_reminders))]
        rows.append([(t("Deadline reminders"), MENU.data(item="reminders"))])
    await respond(update, "\n".join(lines), keyboard(rows), edit=edit)


async def settings_command(update: Update, context: BotContext) -> None:
    await show(update, context)


async def settings_from_menu(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await show(update, context)


async def switch_pressed(update: Update, context: BotContext) -> None:
    async with context.db.begin() as session:
        await reminders.set_enabled(session, update.effective_user.id, context.match["on"] == "1")
    await acknowledge(update, context.t("Saved."))
    await show(update, context, edit=True)


async def offset_pressed(update: Update, context: BotContext) -> None:
    offset = timedelta(seconds=int(context.match["seconds"]))
    if offset not in context.settings.reminder_offsets:
        # An old button from before REMINDER_OFFSETS changed.
        await acknowledge(update, context.t("This button is no longer valid."), alert=True)
        await show(update, context, edit=True)
        return
    async with context.db.begin() as session:
        await reminders.set_offset(session, update.effective_user.id, offset, context.match["on"] == "1")
    await acknowledge(update, context.t("Saved."))
    await show(update, context, edit=True)


HANDLERS = [
    CommandHandler("settings", settings_command),
    CallbackQueryHandler(switch_pressed, pattern=SWITCH.pattern),
    CallbackQueryHandler(offset_pressed, pattern=OFFSET.pattern),
    CallbackQueryHandler(settings_from_menu, pattern=MEMBER_MENU.matching(item="settings")),
]
REQUIRED_ROLES = {"/settings": Role.MEMBER, SWITCH.prefix: Role.MEMBER, OFFSET.prefix: Role.MEMBER}
MENU_ENTRIES = [MenuEntry(N_("Settings"), MEMBER_MENU.data(item="settings"), MEMBERS, (1, 2))]
