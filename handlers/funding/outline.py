"""The project outline of a finished check as a Word document (bot.rules.outline), sent when the
result's "Project outline" button is pressed (the check's result offers it, handlers.funding.check)."""
from __future__ import annotations

import logging

from telegram import Update

from bot.ptb.context import BotContext
from bot.rules import outline
from bot.rules.eligibility import Answers, check
from handlers.common.text import html
from storage.models import EligibilityCheck

log = logging.getLogger(__name__)


async def send_outline(update: Update, context: BotContext, stored: EligibilityCheck) -> None:
    """The outline as the result was given, on the day it was given: it must not contradict it."""
    t, zone = context.t, context.settings.timezone
    assert stored.finished_at is not None
    assessed = stored.finished_at.astimezone(zone).date()
    answers = Answers.stored(stored.answers)
    document = outline.outline(t, context.content, answers, check(answers, context.content, assessed), assessed, zone)
    await update.effective_chat.send_document(
        document, filename=t("project-outline.docx"),
        caption=html(t("Your project outline to fill in, with what the check knows filled in. It opens in Word or "
                       "LibreOffice.")))
    log.info("Project outline of check %s sent", stored.id)
