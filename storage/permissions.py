"""The one permission rule in the database: who may act as a coordinator, or on a group as its lead."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import run
from storage.models import GroupMember, GroupStatus, Role, User

_users, _members = User.__table__, GroupMember.__table__

# A lead acts for the group only while in the council and in the group (not on its waitlist).
_MAY_ACT = select(or_(
    _users.c.role == Role.COORDINATOR,
    and_(_users.c.role == Role.MEMBER, exists().where(
        _members.c.group_id == bindparam("group"), _members.c.user_id == _users.c.id,
        _members.c.lead.is_(True), _members.c.status == GroupStatus.MEMBER)),
)).where(_users.c.id == bindparam("user"))


async def may_act(session: AsyncSession, user_id: int, group_id: int | None = None) -> bool:
    """Whether the person is a coordinator or, given a group, a lead of that group, as stored now. One
    statement, cheap enough to ask at every action and in the transaction of the write it allows."""
    return bool((await run(session, _MAY_ACT, user=user_id, group=group_id)).scalar())
