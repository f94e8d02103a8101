"""The overview: members and requests, upcoming meetings with their answers, open questions, the last
announcements, and charts. A group lead sees their groups' part of it."""
from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.i18n import translator
from bot.rules.eligibility import Verdict
from bot.rules.explain import VERDICTS
from bot.web.charts import bars
from bot.web.pages import console_of, now, render, visit
from bot.web.views.members import ROLE_NAMES
from storage import funding, join_requests
from storage.console import overview
from storage.models import Attendance


async def dashboard(request: web.Request) -> web.Response:
    console, user = console_of(request), visit().user
    t = translator(visit().language)
    moment = now()
    mine = None if user.coordinator else user.groups
    async with console.db.begin() as session:
        roles = await overview.people_by_role(session) if user.coordinator else None
        requests = await join_requests.all_pending(session) if user.coordinator else []
        upcoming = await overview.meetings(session, since=moment, group_ids=mine, limit=8)
        past = await overview.meetings(session, until=moment, group_ids=mine, limit=8, latest_first=True)
        questions = await funding.inbox(session, 5) if user.coordinator else []
        open_questions = await funding.not_done(session) if user.coordinator else 0
        sent = await overview.announcements(session, 5, group_ids=mine)
        checks = await overview.checks_per_month(session, moment - timedelta(days=365)) if user.coordinator else []
        stats = await funding.stats(session) if user.coordinator else None
        people = await overview.people(session, mine) if mine is not None else []
    charts = []
    if user.coordinator:
        months = sorted({month for month, _, _ in checks})
        by_verdict = {t(VERDICTS[verdict]): [sum(c for m, v, c in checks if m == month and v == verdict.value)
                                             for month in months] for verdict in Verdict}
        charts.append((t("Funding checks per month, by the micro projects' verdict"),
                       bars(t("Funding checks per month"), months, by_verdict) if months else None))
        topics = stats["topics"] if stats else {}
        content = console.live.content
        charts.append((t("Topics asked about in checks"), bars(t("Topics"), [
            content.topics[key].in_(t.language) if key in content.topics else key for key in topics],
            {t("Checks"): list(topics.values())}) if topics else None))
    attended = list(reversed(past))
    charts.append((t("Answers to the last meetings"), bars(t("Attendance"), [m.title for m in attended], {
        t("Coming"): [m.answers[Attendance.YES] for m in attended],
        t("Maybe"): [m.answers[Attendance.MAYBE] for m in attended],
        t("Not coming"): [m.answers[Attendance.NO] for m in attended]}) if attended else None))
    return render(request, "dashboard.html", roles=roles, requests=requests, upcoming=upcoming,
                  questions=questions, open_questions=open_questions, sent=sent, charts=charts, people=people,
                  role_names=ROLE_NAMES)


ROUTES = [web.get("/", dashboard)]
