"""Meetings: /meetings with their cards and answers, series as a whole, deputies, planning
(/newmeeting), editing, minutes; reminders on the job queue, and how meeting messages look (view).

What the app wires, gathered from the modules (handlers.common.features)."""
from __future__ import annotations

from handlers.common.features import gather
from handlers.meetings import deputy, edit, minutes, overview, plan, series

HANDLERS, REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT = gather(plan, edit, minutes, deputy,
                                                                 overview, series)
