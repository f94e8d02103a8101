"""Storage rules that the database itself enforces: invite uses, one pending request, roles."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import event, text

from storage import invites, join_requests, users
from storage.db import Database
from storage.lock import AlreadyRunning, single_sender
from storage.migrate import alembic_config, head_revision, is_current
from storage.models import RequestStatus, Role

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


async def test_migrations_bring_a_fresh_database_to_head(db: Database) -> None:
    assert await is_current(db.engine)


async def test_migrations_match_the_models_and_go_down_and_up_again(db: Database) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import Base

    def differences(connection) -> list:  # type: ignore[no-untyped-def]
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    def down_and_up(connection) -> None:  # type: ignore[no-untyped-def]
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        command.upgrade(config, "head")

    async with db.engine.begin() as connection:
        # A model changed without its migration shows here (types are compared loosely by alembic).
        assert await connection.run_sync(differences) == []
        await connection.run_sync(down_and_up)
    assert await is_current(db.engine)


def test_the_newest_migration_is_read_from_the_files_as_alembic_reads_it() -> None:
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_database_behind_the_newest_migration_is_not_current(db: Database, tmp_path: Path) -> None:
    new = Database(f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    try:
        assert not await is_current(new.engine)
    finally:
        await new.dispose()
    await _alembic(db, "downgrade", "-1")
    try:
        assert not await is_current(db.engine)
    finally:
        await _alembic(db, "upgrade", "head")
    assert await is_current(db.engine)


async def _alembic(db: Database, action: str, revision: str) -> None:
    from alembic import command

    def run(connection) -> None:  # type: ignore[no-untyped-def]
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


async def test_new_user_is_applicant_with_language_and_aware_times(db: Database) -> None:
    async with db.begin() as session:
        await users.ensure(session, 5, "Erika Muster", "de", NOW)
    async with db.begin() as session:
        user = await users.get(session, 5)
    assert user.role is Role.APPLICANT and user.language == "de"
    assert user.first_seen == NOW and user.first_seen.tzinfo is not None


async def test_invite_uses_are_counted_atomically_under_concurrency(db: Database) -> None:
    async with db.begin() as session:
        await users.ensure(session, 1, "Coord", "de", NOW)
        await invites.create(session, "code-abcdefgh", 1, 3, NOW, NOW + timedelta(days=14))

    async def take() -> bool:
        async with db.begin() as session:
            return await invites.take_use(session, "code-abcdefgh", NOW)

    results = await asyncio.gather(*(take() for _ in range(10)))
    assert sum(results) == 3


async def test_expired_invite_is_refused(db: Database) -> None:
    async with db.begin() as session:
        await users.ensure(session, 1, "Coord", "de", NOW)
        await invites.create(session, "code-expired1", 1, 5, NOW, NOW + timedelta(days=14))
    async with db.begin() as session:
        assert not await invites.take_use(session, "code-expired1", NOW + timedelta(days=14, seconds=1))
        assert not await invites.take_use(session, "unknown-code", NOW)
        assert await invites.take_use(session, "code-expired1", NOW + timedelta(days=13))


async def test_only_one_pending_join_request_per_user(db: Database) -> None:
    async with db.begin() as session:
        await users.ensure(session, 7, "Max", "de", NOW)
        first = await join_requests.open_request(session, 7, "Max", "Polizei", NOW)
        second = await join_requests.open_request(session, 7, "Max", "Polizei", NOW)
    assert first is not None and second is None
    async with db.begin() as session:
        assert await join_requests.decide(session, first.id, RequestStatus.DECLINED, 7, NOW)
        # Decided once; a second decision (a stale button) changes nothing.
        assert not await join_requests.decide(session, first.id, RequestStatus.APPROVED, 7, NOW)
        assert await join_requests.open_request(session, 7, "Max", "Polizei", NOW) is not None


async def test_members_page_lists_coordinators_first(db: Database) -> None:
    async with db.begin() as session:
        for uid, name, role in [(1, "Zora", Role.COORDINATOR), (2, "Anna", Role.MEMBER), (3, "Bob", Role.APPLICANT)]:
            await users.ensure(session, uid, name, "de", NOW)
            await users.set_role(session, uid, role)
    async with db.begin() as session:
        people, total = await users.page_of_members(session, 0, 10)
    assert total == 2 and [p.display_name for p in people] == ["Zora", "Anna"]


async def test_a_seeded_coordinator_gets_their_language_on_first_contact(db: Database) -> None:
    async with db.begin() as session:
        await users.ensure_coordinator(session, 77, NOW)
        assert (await users.get(session, 77)).language is None
        await users.ensure(session, 77, "Chris", "en", NOW)
        await users.ensure(session, 77, "Chris", "de", NOW)  # a later Telegram setting does not override it
        user = await users.get(session, 77)
    assert user.language == "en" and user.role is Role.COORDINATOR and user.display_name == "Chris"


async def test_one_sender_per_database_and_the_lock_is_given_back(db: Database) -> None:

    other = Database(db.engine.url.render_as_string(hide_password=False))
    try:
        async with single_sender(db):
            with pytest.raises(AlreadyRunning, match="already running against this database"):
                async with single_sender(other, wait=0.5):
                    pass
        async with single_sender(other):  # released at the end: the next start may send
            pass
    finally:
        await other.dispose()


async def test_the_account_read_on_every_update_sees_a_role_changed_beside_the_bot(db: Database) -> None:
    async with db.begin() as session:
        await users.ensure(session, 31, "Kim", "de", NOW)
    assert (await users.current_account(db, 31, "Kim", "de", NOW)).role is Role.APPLICANT
    # The CLI (`kpr-bot coordinators add`) is another process with a database handle of its own.
    other = Database(db.engine.url.render_as_string(hide_password=False))
    try:
        async with other.begin() as session:
            await users.set_role(session, 31, Role.COORDINATOR)
    finally:
        await other.dispose()
    account = await users.current_account(db, 31, "Kim", "de", NOW)
    assert (account.role, account.display_name, account.language) == (Role.COORDINATOR, "Kim", "de")


async def test_the_account_read_creates_or_updates_the_account_only_when_needed(db: Database) -> None:
    commits: list[object] = []
    event.listen(db.engine.sync_engine, "commit", commits.append)
    assert await users.account(db, 32) is None
    created = await users.current_account(db, 32, "Jo", "en", NOW)
    assert (created.role, created.display_name, created.language) == (Role.APPLICANT, "Jo", "en")
    assert len(commits) == 1

    assert (await users.current_account(db, 32, "Jo", "de", NOW)).language == "en"  # the language first seen stays
    assert len(commits) == 1, "nothing changed: nothing written"

    renamed = await users.current_account(db, 32, "Jo Miller", "de", NOW)
    assert renamed.display_name == "Jo Miller" and len(commits) == 2

    async with db.begin() as session:
        await users.mark_unreachable(session, [32], NOW)
        await users.ensure_coordinator(session, 33, NOW)  # seeded by COORDINATOR_IDS: no language yet
    await users.current_account(db, 32, "Jo Miller", "de", NOW)
    seeded = await users.current_account(db, 33, "33", "de", NOW)
    assert seeded.language == "de" and seeded.role is Role.COORDINATOR
    async with db.begin() as session:
        assert (await users.get(session, 32)).unreachable_since is None  # they wrote: reachable again
        assert (await users.get(session, 33)).language == "de"


async def test_organisations_come_from_approved_join_requests_when_migrating(db: Database) -> None:
    from sqlalchemy import text

    await _alembic(db, "downgrade", "0010")
    try:
        async with db.engine.begin() as connection:
            for user_id, name in ((21, "Alice"), (22, "Bob")):
                await connection.execute(text(
                    "INSERT INTO users (id, display_name, role, first_seen) VALUES (:id, :name, 'member', :now)"),
                    {"id": user_id, "name": name, "now": NOW})
            await connection.execute(text(
                "INSERT INTO join_requests (user_id, name, organisation, status, created_at, decided_at) VALUES "
                "(21, 'Alice', 'Polizeirevier Güstrow', 'approved', :now, :now), "
                "(22, 'Bob', 'Stadt Teterow', 'declined', :now, :now)"), {"now": NOW})
    finally:
        await _alembic(db, "upgrade", "head")
    async with db.begin() as session:
        assert (await users.get(session, 21)).organisation == "Polizeirevier Güstrow"
        assert (await users.get(session, 22)).organisation is None  # declined: not what the council knows


async def test_invite_links_listed_revoked_and_why_refused(db: Database) -> None:
    from storage.invites import Refusal

    async with db.begin() as session:
        await users.ensure(session, 1, "Clara", "de", NOW)
        await invites.create(session, "activecode1", 1, 5, NOW, NOW + timedelta(days=14))
        await invites.create(session, "usedupcode1", 1, 1, NOW, NOW + timedelta(days=14))
        await invites.create(session, "oldcode0001", 1, 5, NOW - timedelta(days=20), NOW - timedelta(days=6))
        assert await invites.take_use(session, "usedupcode1", NOW)
        assert await invites.take_use(session, "activecode1", NOW)
    async with db.begin() as session:
        [link] = await invites.active(session, NOW)
        assert (link.code, link.max_uses, link.uses_left, link.made_by) == ("activecode1", 5, 4, "Clara")
        assert await invites.revoke(session, "activecode1", NOW)
        assert not await invites.revoke(session, "activecode1", NOW)  # once
        assert not await invites.take_use(session, "activecode1", NOW)
        assert await invites.active(session, NOW) == []
        assert await invites.why_refused(session, "activecode1", NOW) == (Refusal.REVOKED, "Clara")
        assert await invites.why_refused(session, "usedupcode1", NOW) == (Refusal.USED_UP, "Clara")
        assert await invites.why_refused(session, "oldcode0001", NOW) == (Refusal.EXPIRED, "Clara")
        assert await invites.why_refused(session, "nosuchcode1", NOW) == (Refusal.UNKNOWN, None)


async def test_a_group_left_without_a_lead_is_told_to_the_coordinators_once_it_has_none(db: Database) -> None:
    from sqlalchemy import select

    from storage import groups
    from storage.models import Delivery, GroupKind

    async with db.begin() as session:
        for user_id, role in ((1, Role.COORDINATOR), (2, Role.COORDINATOR), (3, Role.MEMBER), (4, Role.MEMBER)):
            await users.ensure(session, user_id, f"P{user_id}", "de", NOW)
            await users.set_role(session, user_id, role)
        await users.set_organisation(session, 3, "Stadt Teterow")
        group = await groups.create(session, name="AG", kind=GroupKind.WORKING_GROUP, description="", capacity=None,
                                    leads=[3, 4], created_by=1, now=NOW)
    async with db.begin() as session:
        assert [(p.name, p.organisation) for p in await groups.people(session, group.id)] == [
            ("P3", "Stadt Teterow"), ("P4", None)]
        await groups.set_lead(session, group.id, 3, False)
        assert await groups.tell_if_leaderless(session, group.id, NOW, but=1) == 0  # P4 still leads
        await groups.set_lead(session, group.id, 4, False)
        assert await groups.tell_if_leaderless(session, group.id, NOW, but=1) == 1
        told = list(await session.scalars(select(Delivery.chat_id)))
    assert told == [2]


async def test_the_inbox_gives_the_askers_language_and_the_replies_sent(db: Database) -> None:
    from storage import funding

    async with db.begin() as session:
        await users.ensure(session, 8, "Erika", "en", NOW)
        answered = await funding.ask(session, 8, "Gibt es Geld?", None, NOW)
        await funding.ask(session, 8, "Noch eine Frage", None, NOW + timedelta(minutes=1))
        assert await funding.reply(session, answered.id, 8, "Clara", "Ja.", NOW + timedelta(hours=1))
    async with db.begin() as session:
        first, second = await funding.inbox(session, 10)
    assert (first.language, [(r.author_name, r.text) for r in first.replies]) == ("en", [("Clara", "Ja.")])
    assert second.replies == []


async def test_an_announcement_scheduled_before_0011_chooses_its_recipients_when_sent(db: Database) -> None:
    # Before revision 0011 the rows were written at scheduling; they go, and the audience is chosen when due.
    await _alembic(db, "downgrade", "0010")
    try:
        async with db.engine.begin() as connection:
            for status, broadcast_id in (("scheduled", 1), ("sending", 2)):
                await connection.execute(text(
                    "INSERT INTO broadcasts (id, author_name, audience, text, with_ack, status, recipients, "
                    "created_at, send_at, late) VALUES (:id, 'C', 'members', 'Hallo', false, :status, 1, :at, :at, false)"),
                    {"id": broadcast_id, "status": status, "at": NOW})
                await connection.execute(text(
                    "INSERT INTO deliveries (kind, broadcast_id, chat_id, status, attempts, not_before, created_at) "
                    "VALUES ('broadcast', :id, 7, 'pending', 0, :at, :at)"), {"id": broadcast_id, "at": NOW})
    finally:
        await _alembic(db, "upgrade", "head")
    async with db.engine.begin() as connection:
        rows = (await connection.execute(text("SELECT broadcast_id FROM deliveries"))).all()
    assert [row.broadcast_id for row in rows] == [2]  # the one already going out keeps its rows
