"""Rules for working groups and local councils, free of Telegram: limits, places and the waitlist."""
from __future__ import annotations

import enum

from bot.i18n import N_

NAME_LIMITS = (3, 100)
DESCRIPTION_LIMITS = (0, 1000)
MAX_CAPACITY = 1000


class Joined(str, enum.Enum):
    """What pressing Join did."""

    MEMBER = "member"  # got a place
    WAITING = "waiting"  # the group is full: on the waitlist, in the order of sign-up
    ALREADY = "already"  # a member or waiting already: joining twice changes nothing
    CLOSED = "closed"  # archived or unknown: no sign-ups


def places_left(capacity: int | None, members: int) -> int | None:
    """Free places, or None when the group has no limit."""
    return None if capacity is None else max(capacity - members, 0)


def parse_capacity(text: str | None) -> int | None:
    """A typed capacity: a number from 1 to MAX_CAPACITY. Raises ValueError with a message id."""
    value = (text or "").strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_CAPACITY:
        raise ValueError(N_("Please give the number of places as a number from 1 to {max}."))
    return int(value)


def capacity_problem(capacity: int | None, members: int) -> str | None:
    """Why a group cannot get this capacity now: never below the people already in it."""
    if capacity is not None and capacity < members:
        return N_("The group has {count} members already; the capacity cannot be lower than that.")
    return None


def promotions(capacity: int | None, members: int, waiting: int) -> int:
    """How many from the waitlist get a place now (after someone left or the capacity was raised)."""
    free = places_left(capacity, members)
    return waiting if free is None else min(free, waiting)
