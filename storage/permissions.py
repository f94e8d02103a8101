"""The one permission rule in the database: who may act as a coordinator, or on a group as its lead."""
from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GroupMember, GroupStatus, Role, User


async def may_act(session: AsyncSession, user_id: int, group_id: int | None = None) -> bool:
    """Whether the person is a coordinator or, given a group, a lead of that group, as stored now. One
    statement, cheap enough to ask at every action and in the transaction of the write it allows."""
    # A lead acts for the group only while in the council and in the group (not on its waitlist).
    leads_it = exists().where(GroupMember.group_id == group_id, GroupMember.user_id == User.id,
                              GroupMember.lead.is_(True), GroupMember.status == GroupStatus.MEMBER)
    allowed = or_(User.role == Role.COORDINATOR, and_(User.role == Role.MEMBER, leads_it))
    return bool(await session.scalar(select(allowed).where(User.id == user_id)))
