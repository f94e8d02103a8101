"""Tests of storage/: repositories and migrations, on SQLite and PostgreSQL."""
