"""Storage: models, the database handle, repositories and migrations.

How a repository (a module here named after what it stores) talks to the database, one way:

- A function takes the caller's `AsyncSession` (one per unit of work, `async with db.begin() as
  session:` in the caller) and runs SQLAlchemy 2.0 statements through it: `session.get`,
  `session.scalar(s)` and `session.execute` with `select()`, `update()` and `delete()`.
- Whole rows are ORM entities (`select(Meeting)`, `session.get(Group, id)`); a row that is a
  projection or a join comes back as a small frozen dataclass with slots (`GroupPerson`,
  `Attendee`, `NotReached`), read from the result by column name, never by position.
- Counters and "only if still ..." changes are one `update()` with the condition in its WHERE
  (`rowcount` says whether it happened), never a read and then a write.
- Upserts are built for the session's database by `storage.upsert.insert` (`per_database` for one
  built once), with `on_conflict_do_nothing` / `on_conflict_do_update`.
- Statements are built where they run, unless a comment names why one is built once with
  `bindparam()` and kept in a module constant: building a statement with subqueries costs about
  what running it does, which counts only where someone waits on it many times a second (the
  permission rule, an RSVP, the delivery engine). Such a statement runs through the session too.
- Raw SQL text only where SQLAlchemy has no statement for it (SQLite's PRAGMAs, data moved by a
  migration).
- Handlers never build SQL: they call these functions (a test in tests/ scans handlers/ for it).
"""
