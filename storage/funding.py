"""Eligibility checks and questions to the council office, with their replies; counts for /stats."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import EligibilityCheck, Question, QuestionStatus, Reply, User


async def start_check(session: AsyncSession, user_id: int, now: datetime) -> int:
    check = EligibilityCheck(user_id=user_id, started_at=now, answers={})
    session.add(check)
    await session.flush()
    return check.id


async def get_check(session: AsyncSession, check_id: int) -> EligibilityCheck | None:
    return await session.get(EligibilityCheck, check_id)


async def finish_check(session: AsyncSession, check_id: int, answers: dict, topic: str | None, micro: str,
                       lfk: str, now: datetime) -> None:
    await session.execute(update(EligibilityCheck).where(EligibilityCheck.id == check_id).values(
        answers=answers, topic=topic, micro=micro, lfk=lfk, finished_at=now))


async def ask(session: AsyncSession, user_id: int, text: str, shared_check: dict | None, now: datetime) -> Question:
    """Files a question; `shared_check` only with the applicant's consent, stored with its time."""
    question = Question(user_id=user_id, text=text, status=QuestionStatus.OPEN, shared_check=shared_check,
                        consent_at=now if shared_check is not None else None, created_at=now, updated_at=now)
    session.add(question)
    await session.flush()
    return question


async def get(session: AsyncSession, question_id: int) -> Question | None:
    return await session.get(Question, question_id)


async def reply(session: AsyncSession, question_id: int, author_id: int, author_name: str, text: str,
                now: datetime) -> bool:
    """Adds a reply and marks the question answered; False if it was closed meanwhile."""
    changed = await session.execute(update(Question).where(
        Question.id == question_id, Question.status != QuestionStatus.DONE)
        .values(status=QuestionStatus.ANSWERED, updated_at=now).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        return False
    session.add(Reply(question_id=question_id, author_id=author_id, author_name=author_name[:200], text=text,
                      created_at=now))
    return True


async def close(session: AsyncSession, question_id: int, now: datetime) -> bool:
    """Marks a question done; False if it was done already."""
    changed = await session.execute(update(Question).where(
        Question.id == question_id, Question.status != QuestionStatus.DONE)
        .values(status=QuestionStatus.DONE, updated_at=now).execution_options(synchronize_session=False))
    return changed.rowcount == 1


async def not_done(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Question)
                                .where(Question.status != QuestionStatus.DONE)) or 0


async def asked_since(session: AsyncSession, user_id: int, since: datetime) -> int:
    return await session.scalar(select(func.count()).select_from(Question)
                                .where(Question.user_id == user_id, Question.created_at >= since)) or 0


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    """A question not done yet, for /inbox."""

    question: Question
    asker: str  # their name as Telegram gives it now
    language: str | None  # theirs, which a reply had best be written in
    replies: list[Reply]  # sent already, oldest first


async def inbox(session: AsyncSession, limit: int) -> list[OpenQuestion]:
    """Questions not done, oldest first, with the asker's name and language and the replies sent."""
    rows = list(await session.execute(
        select(Question, User.display_name, User.language).join(User, User.id == Question.user_id)
        .where(Question.status != QuestionStatus.DONE).order_by(Question.created_at, Question.id).limit(limit)))
    replies: dict[int, list[Reply]] = {row.Question.id: [] for row in rows}
    if replies:
        for reply in await session.scalars(select(Reply).where(Reply.question_id.in_(list(replies)))
                                           .order_by(Reply.id)):
            replies[reply.question_id].append(reply)
    return [OpenQuestion(row.Question, row.display_name, row.language, replies[row.Question.id]) for row in rows]


async def replies_to(session: AsyncSession, question_id: int) -> list[Reply]:
    return list(await session.scalars(select(Reply).where(Reply.question_id == question_id).order_by(Reply.id)))


async def stats(session: AsyncSession) -> dict[str, object]:
    """Counts only: no names, no ids, no answers."""
    started = await session.scalar(select(func.count()).select_from(EligibilityCheck)) or 0
    finished = await session.scalar(select(func.count()).select_from(EligibilityCheck)
                                    .where(EligibilityCheck.finished_at.is_not(None))) or 0
    outcomes = {name: dict((await session.execute(
        select(column, func.count()).where(column.is_not(None)).group_by(column))).all())
        for name, column in (("micro", EligibilityCheck.micro), ("lfk", EligibilityCheck.lfk))}
    topics = dict((await session.execute(select(EligibilityCheck.topic, func.count())
                                         .where(EligibilityCheck.topic.is_not(None))
                                         .group_by(EligibilityCheck.topic))).all())
    questions = dict((await session.execute(select(Question.status, func.count()).group_by(Question.status))).all())
    return {"started": started, "finished": finished, "outcomes": outcomes, "topics": topics,
            "questions": {status.value: questions.get(status, 0) for status in QuestionStatus}}
