"""Handlers call rules and repositories and build no SQL: no module in handlers/ imports SQLAlchemy or
works a session itself (storage/ holds every query)."""
from __future__ import annotations

import ast
from pathlib import Path

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
# What a session does with SQL; handing a session on to storage/ is what handlers do instead.
SESSION_WORK = {"execute", "scalar", "scalars", "get", "add", "add_all", "delete", "flush", "refresh", "merge",
                "stream", "connection", "begin_nested"}


def sql_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            found.append(f"from {node.module} import …")
        elif (isinstance(node, ast.Attribute) and node.attr in SESSION_WORK and isinstance(node.value, ast.Name)
              and node.value.id == "session"):
            found.append(f"session.{node.attr}")
    return [f"{path.name}:{what}" for what in found]


def test_no_handler_imports_sqlalchemy_or_queries_a_session() -> None:
    modules = sorted(HANDLERS.rglob("*.py"))
    assert len(modules) > 20  # the scan sees the handlers
    assert [found for module in modules for found in sql_in(module)] == []


def test_the_scan_finds_sql(tmp_path: Path) -> None:
    module = tmp_path / "feature.py"
    module.write_text("from sqlalchemy import select\nimport sqlalchemy.orm\n\n"
                      "async def f(session):\n    await session.execute(select(1))\n    await session.delete(x)\n")
    assert sql_in(module) == ["feature.py:from sqlalchemy import …", "feature.py:import sqlalchemy.orm",
                              "feature.py:session.execute", "feature.py:session.delete"]
