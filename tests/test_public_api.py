"""Public APIs only: the product code (bot/, handlers/, storage/, the try-out tooling included) uses
no library's internals, so that a minor release of python-telegram-bot, SQLAlchemy, aiosqlite or
aiohttp cannot break it, and the dependency pins can allow every compatible release.

A list of patterns, not a proof: what the scan flags is
- an import of a module whose dotted path has a part starting with `_` from a package that is not
  the project's (`telegram.ext._utils.types`), or of a `_name` from one (`from x import _helper`);
- `something._name` on anything but `self`, `cls`, a class of the same module or a project module
  (`site._server`, `super()._post`), also through getattr/setattr/hasattr with a literal name;
- `self._name` in a class derived from a library's class that does not give itself that attribute
  (an inherited internal, like `self._update_state` in a ConversationHandler subclass);
- names of internals met in this project, on any object (a stand-in's `self._connection` that a
  library reads by name), and calls that work around a library instead of using it.
Dunder and enum's sunder names (`__future__`, `_value_`) are public; so are the few documented names in PUBLIC.
"""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("bot", "handlers", "storage")
PROJECT = {"bot", "handlers", "storage", "locales", "content", "tests"}

# Internals of the libraries this project has used, flagged on any object (`self` too): their names
# are read by the libraries, so even an attribute of one's own by that name stands in for them.
INTERNAL_ATTRIBUTES = {
    "_post": "ExtBot._post, python-telegram-bot's internal request path",
    "_do_post": "ExtBot._do_post, python-telegram-bot's internal request path",
    "_update_state": "ConversationHandler._update_state",
    "_conversations": "ConversationHandler._conversations",
    "_connection": "aiosqlite's Connection._connection, which SQLAlchemy's aiosqlite adapter reads",
    "_server": "aiohttp's BaseSite._server",
    # Public attributes, but only of use for driving the DBAPI connection behind SQLAlchemy's back.
    "driver_connection": "SQLAlchemy's driver_connection: use the dialect and its events instead",
    "await_only": "sqlalchemy.util.await_only, SQLAlchemy's internal async bridge",
    "greenlet_spawn": "sqlalchemy.util.greenlet_spawn, SQLAlchemy's internal async bridge",
}
# Names whose import is the internal use (from sqlalchemy.util import await_only).
INTERNAL_IMPORTS = {"await_only", "greenlet_spawn"}
# module.function calls that tune or bypass a library or the runtime instead of using it.
INTERNAL_CALLS = {
    ("gc", "set_threshold"): "garbage-collector tuning",
    ("gc", "freeze"): "garbage-collector tuning",
    ("gc", "disable"): "garbage-collector tuning",
}
# Documented public names that start with an underscore.
PUBLIC = {"_exit",  # os._exit
          "_replace", "_asdict", "_fields", "_make", "_field_defaults"}  # namedtuple's API


def private(name: str) -> bool:
    """`_name`; not `__dunder__`, nor enum's documented `_sunder_` names (`_value_`, `_missing_`)."""
    return name.startswith("_") and not name.endswith("_")


def dependency(module: str | None, level: int = 0) -> bool:
    return level == 0 and module is not None and module.split(".")[0] not in PROJECT


class Scan(ast.NodeVisitor):
    def __init__(self, label: str) -> None:
        self.label = label
        self.hits: list[str] = []
        self.own: set[str] = set()  # names that are the project's: its modules and this module's classes
        self.imported_from_dependency: set[str] = set()
        self.classes: list[tuple[set[str], bool]] = []  # enclosing classes: their methods, derived from a library's

    def hit(self, node: ast.AST, what: str) -> None:
        self.hits.append(f"{self.label}:{node.lineno}: {what}")

    def run(self, tree: ast.Module) -> list[str]:
        for node in ast.walk(tree):  # first, which names are the project's
            if isinstance(node, ast.ClassDef):
                self.own.add(node.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    target = self.own if not dependency(alias.name) else self.imported_from_dependency
                    target.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                target = self.imported_from_dependency if dependency(node.module, node.level) else self.own
                target.update(alias.asname or alias.name for alias in node.names)
        self.visit(tree)
        return self.hits

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if dependency(alias.name) and any(map(private, alias.name.split("."))):
                self.hit(node, f"import {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if not dependency(node.module, node.level):
            return
        if any(map(private, node.module.split("."))):
            self.hit(node, f"from {node.module} import …")
        for alias in node.names:
            if private(alias.name) or alias.name in INTERNAL_IMPORTS:
                self.hit(node, f"from {node.module} import {alias.name}")
            elif (node.module.split(".")[0], alias.name) in INTERNAL_CALLS:
                self.hit(node, f"from {node.module} import {alias.name}: "
                               f"{INTERNAL_CALLS[node.module.split('.')[0], alias.name]}")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [ast.unparse(base).split(".")[0] for base in node.bases]
        derived = any(base in self.imported_from_dependency for base in bases)
        methods = {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        if derived:
            self.inherited_internals(node)
            for item in node.body:
                if getattr(item, "name", None) in INTERNAL_ATTRIBUTES and item.name in methods:
                    self.hit(item, f"def {item.name}: overrides {INTERNAL_ATTRIBUTES[item.name]}")
        self.classes.append((methods, derived))
        self.generic_visit(node)
        self.classes.pop()

    def inherited_internals(self, node: ast.ClassDef) -> None:
        """`self._x` in a subclass of a library's class, where the class never gives itself `_x`."""
        defined = {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        used: list[ast.Attribute] = []
        for inner in ast.walk(node):
            if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) and inner.value.id == "self":
                if isinstance(inner.ctx, ast.Store):
                    defined.add(inner.attr)
                elif private(inner.attr) and inner.attr not in INTERNAL_ATTRIBUTES and inner.attr not in PUBLIC:
                    used.append(inner)
            elif isinstance(inner, (ast.Assign, ast.AnnAssign)) and inner in node.body:
                targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
                defined.update(t.id for t in targets if isinstance(t, ast.Name))
        for attribute in used:
            if attribute.attr not in defined:
                self.hit(attribute, f"self.{attribute.attr}, inherited from a library's class")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.attribute(node, node.value, node.attr)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        if (isinstance(function, ast.Name) and function.id in ("getattr", "setattr", "hasattr", "delattr")
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)):
            self.attribute(node, node.args[0], node.args[1].value)
        if (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name)
                and (function.value.id, function.attr) in INTERNAL_CALLS):
            self.hit(node, f"{function.value.id}.{function.attr}: {INTERNAL_CALLS[function.value.id, function.attr]}")
        self.generic_visit(node)

    def attribute(self, node: ast.AST, owner: ast.expr, name: str) -> None:
        shown = f"{ast.unparse(owner)}.{name}"
        if name in INTERNAL_ATTRIBUTES and not self.own_method(node, owner, name):
            self.hit(node, f"{shown}: {INTERNAL_ATTRIBUTES[name]}")
        elif private(name) and name not in PUBLIC and not self.project_object(owner):
            self.hit(node, shown)

    def own_method(self, node: ast.AST, owner: ast.expr, name: str) -> bool:
        """`self._post(...)` calling a method of the project's own class by that name (not setting an
        attribute a library reads, nor in a subclass of a library's class)."""
        if not (self.classes and isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
            return False
        methods, derived = self.classes[-1]
        return name in methods and not derived and not isinstance(getattr(node, "ctx", None), ast.Store)

    def project_object(self, owner: ast.expr) -> bool:
        while isinstance(owner, ast.Attribute):  # bot.ptb.keyboards._x: where the chain starts
            owner = owner.value
        return isinstance(owner, ast.Name) and (owner.id in ("self", "cls") or owner.id in self.own)


def scan(source: str, label: str = "module.py") -> list[str]:
    return Scan(label).run(ast.parse(source))


def product_modules() -> list[Path]:
    return sorted(path for package in PRODUCT for path in (ROOT / package).rglob("*.py"))


def test_the_product_code_uses_no_library_internals() -> None:
    modules = product_modules()
    assert len(modules) > 50  # the scan sees the code, try-out tooling included
    hits = [hit for module in modules
            for hit in scan(module.read_text(encoding="utf-8"), str(module.relative_to(ROOT)))]
    assert not hits, "library internals used:\n" + "\n".join(hits)


def test_the_pins_allow_the_libraries_compatible_releases() -> None:
    """SQLAlchemy up to its next major, aiosqlite up to its first major (it is at 0.x): a pin below
    that is only needed by code that leans on their internals."""
    requirements = {Requirement(spec).name.lower(): Requirement(spec)
                    for spec in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    assert bad_pins(requirements) == []


def bad_pins(requirements: dict[str, Requirement]) -> list[str]:
    # A release that must stay allowed: the last minor before the next major.
    future = {"sqlalchemy": "2.99", "aiosqlite": "0.99"}
    return [f"{name}{requirements[name].specifier}" for name, version in future.items()
            if not requirements[name].specifier.contains(version)]


EXTBOT_SUBCLASS = """
from telegram.ext import ExtBot
class Bot(ExtBot):
    async def call(self):
        return await self._post("getMe")
"""
FLOW = """
from telegram.ext import ConversationHandler
class Flow(ConversationHandler):
    def end(self, key):
        self._update_state(self.END, key)
        return key in self._conversations
"""
INHERITED = """
from telegram import ext
class Flow(ext.ConversationHandler):
    def f(self):
        return self._timeout_jobs
"""
OVERRIDE = """
from telegram.ext import ExtBot
class Bot(ExtBot):
    async def _post(self, *args):
        return 1
"""
STAND_IN = """
class Stand:
    def __init__(self, connection):
        self._connection = connection
"""
# Its own attributes and methods, in a subclass of a library's class and in one of its own.
OWN_ATTRIBUTES = """
from enum import Enum
from typing import NamedTuple
from telegram.request import BaseRequest
from telegram.ext import BasePersistence
class Transport(BaseRequest):
    def __init__(self):
        self._session = None
    def _encode(self):
        return 1
    async def do_request(self):
        return self._session, self._encode()
class Persistence(BasePersistence):
    _written: dict = {}
    def f(self):
        return self._written
class A:
    _cache = {}
    def __init__(self):
        self._x = 1
    @classmethod
    def make(cls):
        return cls._y, A._cache
class Row(NamedTuple):
    def changed(self):
        return self._replace(x=1)
class Colour(Enum):
    @classmethod
    def _missing_(cls, value):
        return cls._value2member_map_.get(value)
"""
# A method of its own that happens to share a library internal's name, in a class of its own.
OWN_POST = """
class Server:
    async def _post(self, params):
        return params
    async def send(self, params):
        return await self._post(params)
"""


@pytest.mark.parametrize(("source", "expected"), [
    ("from telegram.ext._utils.types import ConversationDict", ["from telegram.ext._utils.types import …"]),
    ("from telegram._utils.defaultvalue import DefaultValue", ["from telegram._utils.defaultvalue import …"]),
    ("import telegram._bot", ["import telegram._bot"]),
    ("import telegram._bot as b", ["import telegram._bot"]),
    ("from sqlalchemy.util import await_only", ["from sqlalchemy.util import await_only"]),
    ("from telegram.ext import _helper", ["from telegram.ext import _helper"]),
    ("from gc import set_threshold", ["from gc import set_threshold: garbage-collector tuning"]),
    ("import gc\ngc.set_threshold(20000, 10, 10)", ["gc.set_threshold: garbage-collector tuning"]),
    ("port = site._server.sockets[0]", ["site._server: aiohttp's BaseSite._server"]),
    ("x = site._runner", ["site._runner"]),
    ("x = getattr(site, '_runner')", ["site._runner"]),
    ("async def f():\n    return await super()._post('getMe')",
     ["super()._post: ExtBot._post, python-telegram-bot's internal request path"]),
    (EXTBOT_SUBCLASS, ["self._post: ExtBot._post, python-telegram-bot's internal request path"]),
    (FLOW, ["self._update_state: ConversationHandler._update_state",
            "self._conversations: ConversationHandler._conversations"]),
    (INHERITED, ["self._timeout_jobs, inherited from a library's class"]),
    (OVERRIDE, ["def _post: overrides ExtBot._post, python-telegram-bot's internal request path"]),
    (STAND_IN, ["self._connection: aiosqlite's Connection._connection, which SQLAlchemy's aiosqlite adapter reads"]),
    ("await_only(c.connection.driver_connection.execute('BEGIN'))",
     ["c.connection.driver_connection: SQLAlchemy's driver_connection: use the dialect and its events instead"]),
])
def test_the_scan_flags_internals(source: str, expected: list[str]) -> None:
    assert [hit.split(": ", 1)[1] for hit in scan(source)] == expected
    assert all(hit.startswith("module.py:") for hit in scan(source))


@pytest.mark.parametrize("source", [
    "from __future__ import annotations",
    "from telegram.request import BaseRequest, RequestData",
    "from telegram.ext import BasePersistence, PersistenceInput",
    "from . import _private_helper",
    "from bot.ptb.keyboards import _rows\nfrom storage import sqlite\nsqlite._patiently(f, 1)",
    "import os\nos._exit(3)",
    "point = point._replace(x=1)",
    "import html as _html\nfrom babel.dates import format_date as _format_date",
    "getattr(self, f'_api_{method}', None)",
    OWN_ATTRIBUTES,
    OWN_POST,
])
def test_the_scan_passes_public_use(source: str) -> None:
    assert scan(source) == []


def test_the_pin_check_flags_pins_below_the_next_major() -> None:
    def pins(sqlalchemy: str, aiosqlite: str) -> list[str]:
        return bad_pins({"sqlalchemy": Requirement(sqlalchemy), "aiosqlite": Requirement(aiosqlite)})

    assert pins("SQLAlchemy[asyncio]>=2.1,<2.2", "aiosqlite>=0.20,<0.23") == ["sqlalchemy<2.2,>=2.1",
                                                                             "aiosqlite<0.23,>=0.20"]
    assert pins("SQLAlchemy==2.0.36", "aiosqlite~=0.20.0") == ["sqlalchemy==2.0.36", "aiosqlite~=0.20.0"]
    assert pins("SQLAlchemy[asyncio]>=2.0,<3", "aiosqlite>=0.20") == []
