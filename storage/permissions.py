"""The one permission rule in the database: who may act as a coordinator, or on a group as its lead."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GroupMember, GroupStatus, Role, User

# A lead acts for the group only while in the council and in the group (not on its waitlist).
# Built once: it is asked at every RSVP and every action of a coordinator or lead, and building a
# statement with a subquery costs about what running it does (see storage/__init__.py).
_MAY_ACT = select(or_(
    User.role == Role.COORDINATOR,
    and_(User.role == Role.MEMBER, exists().where(
        GroupMember.group_id == bindparam("group"), GroupMember.user_id == User.id,
        GroupMember.lead.is_(True), GroupMember.status == GroupStatus.MEMBER)),
)).where(User.id == bindparam("user"))


async def may_act(session: AsyncSession, user_id: int, group_id: int | None = None) -> bool:
    """Whether the person is a coordinator or, given a group, a lead of that group, as stored now. One
    statement, cheap enough to ask at every action and in the transaction of the write it allows."""
    return bool(await session.scalar(_MAY_ACT, {"user": user_id, "group": group_id}))
