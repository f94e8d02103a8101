"""The layout holds: no import cycle between the project's modules (imports inside functions count),
no folder crowded with modules, `kpr-bot run` never imports the try-out tooling, and no module beside
one whose name differs only by a plural "s". Each checker is also tried on small made-up trees, so
that a rule that can no longer fail is noticed."""
from __future__ import annotations

import ast
import itertools
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")
CROWDED = 18  # Python modules side by side in one folder, at most
TRYOUT = "bot.tryout"  # the try-out tooling: `kpr-bot try`, the console, the demo, the fake Telegram
# Alembic's history of schema changes grows by one file per change; it is a log, not a layout.
NOT_LAYOUT = {Path("storage/migrations/versions")}

Graph = Mapping[str, Iterable[str]]
# What bot/rules may not import: Telegram, SQL, and the project's layers built on them.
NOT_IN_RULES = ("telegram", "sqlalchemy", "aiosqlite", "asyncpg", "alembic", "storage", "handlers", "bot.ptb")


def modules(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every Python file of the packages (a package by its __init__)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_names(path: Path) -> set[str]:
    """Every module an absolute import statement of the file names, the project's or a library's."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module)
    return names


def import_graph(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, dict[str, int]]:
    """Module -> {module it imports: line of the first such import}, between the packages' modules.

    Every import statement counts: at the top, inside functions, under TYPE_CHECKING. Importing a
    module also runs the __init__ of each package above it, unless the importer lies in that package
    itself (its package is being imported already)."""
    found = modules(root, packages)
    graph: dict[str, dict[str, int]] = {name: {} for name in found}
    for name, path in found.items():
        is_package = path.name == "__init__.py"
        own_packages = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1 + is_package)}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _targets(node, name, is_package, found):
                parts = target.split(".")
                for i in range(1, len(parts) + 1):
                    imported = ".".join(parts[:i])
                    if imported in found and imported != name and (i == len(parts) or imported not in own_packages):
                        graph[name].setdefault(imported, node.lineno)
    return graph


def _targets(node: ast.AST, name: str, is_package: bool, found: Mapping[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            here = name.split(".") if is_package else name.split(".")[:-1]
            here = here[: len(here) - (node.level - 1)]
            base = ".".join(here + ([base] if base else []))
        # `from package import module` imports the module; `from module import name` the module.
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in found else base for alias in node.names]
    else:
        return []
    targets = []
    for target in names:
        while target and target not in found:
            target = target.rpartition(".")[0]
        if target:
            targets.append(target)
    return targets


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle (its modules in order, the first repeated at the end) for each group of modules
    that reach each other (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so that a long chain of imports cannot exhaust the recursion limit.
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in graph.get(node, ()):
                        groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(group, graph) for group in groups]


def _cycle_in(group: list[str], graph: Graph) -> list[str]:
    """The shortest way from the group's first module back to itself, within the group."""
    start, members = group[0], set(group)
    paths = {nxt: [start, nxt] for nxt in sorted(graph.get(start, ())) if nxt in members}
    frontier = list(paths)
    while start not in paths:
        following = []
        for node in frontier:
            for nxt in sorted(graph.get(node, ())):
                if nxt in members and nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    following.append(nxt)
        frontier = following
    return paths[start]


def crowded_folders(root: Path, folders: Iterable[str], limit: int = CROWDED) -> dict[str, int]:
    """Folders holding more than `limit` Python modules side by side (a package's __init__ not counted)."""
    crowded = {}
    for folder in folders:
        for directory in [root / folder, *(p for p in sorted((root / folder).rglob("*")) if p.is_dir())]:
            if directory.relative_to(root) in NOT_LAYOUT or "__pycache__" in directory.parts:
                continue
            count = sum(1 for p in directory.glob("*.py") if p.name != "__init__.py")
            if count > limit:
                crowded[str(directory.relative_to(root))] = count
    return crowded


def plural_twins(root: Path, folders: Iterable[str]) -> list[tuple[str, str]]:
    """Modules or packages side by side whose names differ only by a plural "s" (broadcast, broadcasts)."""
    twins = []
    for folder in folders:
        for directory in [root / folder, *(p for p in sorted((root / folder).rglob("*")) if p.is_dir())]:
            names = {p.stem for p in directory.glob("*.py")} | {
                p.name for p in directory.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
            base = directory.relative_to(root)
            twins += [(str(base / name), str(base / f"{name}s")) for name in sorted(names) if f"{name}s" in names]
    return twins


def reachable(graph: Graph, starts: Iterable[str]) -> set[str]:
    seen, todo = set(), list(starts)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += graph.get(node, ())
    return seen


def imported_by(statement: str) -> list[str]:
    """The project's modules in sys.modules after running `statement` in a fresh interpreter."""
    probe = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return [name for name in json.loads(result.stdout) if name.split(".")[0] in PACKAGES]


def in_tryout(name: str) -> bool:
    return name == TRYOUT or name.startswith(TRYOUT + ".")


def _describe(cycle: list[str], graph: Mapping[str, Mapping[str, int]]) -> str:
    return " -> ".join(cycle) + "\n    " + "\n    ".join(
        f"{a} imports {b} (line {graph[a][b]})" for a, b in itertools.pairwise(cycle))


# ---- The project ----

def test_no_import_cycle_between_the_projects_modules() -> None:
    graph = import_graph(ROOT)
    assert {"bot.app", "handlers", "storage.db"} <= set(graph), "the graph misses the project's modules"
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(_describe(cycle, graph) for cycle in found)


def test_no_folder_holds_more_than_18_modules() -> None:
    assert crowded_folders(ROOT, [*PACKAGES, "tests"]) == {}


def test_no_module_beside_its_plural() -> None:
    assert plural_twins(ROOT, [*PACKAGES, "tests"]) == []


def test_the_rules_are_free_of_telegram_and_sql() -> None:
    """bot/rules holds what the bot decides, tested without Telegram or a database."""
    found = {name: sorted(imported for imported in imported_names(path) if imported.startswith(NOT_IN_RULES))
             for name, path in modules(ROOT, ["bot/rules"]).items()}
    assert {name: names for name, names in found.items() if names} == {}


@pytest.mark.e2e  # starts an interpreter
def test_kpr_bot_run_never_imports_the_tryout_tooling() -> None:
    # What `kpr-bot run` imports: the CLI, then the runner, which builds the app.
    loaded = imported_by("import bot.cli, bot.runner, bot.app")
    assert {"bot.runner", "handlers", "storage.db"} <= set(loaded), loaded
    assert [name for name in loaded if in_tryout(name)] == []
    # Nor could it by a path not taken at start: from the runner no import leads there.
    assert sorted(filter(in_tryout, reachable(import_graph(ROOT), ["bot.runner", "bot.app"]))) == []


# ---- The checkers, on made-up trees ----

def test_cycles_are_found_with_their_path() -> None:
    assert cycles({"a": ["b"], "b": ["c"], "c": []}) == []
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c", "a"]]
    assert cycles({"a": ["a"]}) == [["a", "a"]]
    assert cycles({"a": ["b"], "b": ["a"], "x": ["y"], "y": ["x"]}) == [["a", "b", "a"], ["x", "y", "x"]]
    chain = {str(i): [str(i + 1)] for i in range(5000)} | {"5000": ["0"]}
    assert len(cycles(chain)[0]) == 5002


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_imports_inside_functions_and_relative_imports_count(tmp_path: Path) -> None:
    # Made-up package names, so that nothing here looks like one of the project's modules.
    root = _tree(tmp_path, {
        "shop/__init__.py": "",
        "shop/menu.py": "from shop import language\n",
        "shop/language.py": "def choose():\n    from .menu import main_menu\n",
        "shop/free.py": "import shop.menu\n",
    })
    graph = import_graph(root, ["shop"])
    assert graph["shop.language"] == {"shop.menu": 2}
    assert graph["shop.free"] == {"shop.menu": 1}  # its own package's __init__ runs before it anyway
    assert cycles(graph) == [["shop.language", "shop.menu", "shop.language"]]


def test_a_package_init_that_imports_its_modules_closes_cycles(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "shop/__init__.py": "",
        "shop/orders/__init__.py": "from shop.orders import plan\n",
        "shop/orders/plan.py": "from shop.stock import card\n",
        "shop/orders/view.py": "",
        "shop/stock/__init__.py": "",
        "shop/stock/card.py": "from shop.orders.view import View\n",
    })
    graph = import_graph(root, ["shop"])
    # card needs only the view, but importing it runs shop/orders/__init__ first.
    assert "shop.orders" in graph["shop.stock.card"]
    # A module of the package itself does not run its package's __init__ again.
    assert "shop.orders" not in graph["shop.orders.plan"]
    assert cycles(graph) == [["shop.orders", "shop.orders.plan", "shop.stock.card", "shop.orders"]]


def test_imports_of_telegram_or_sql_are_found(tmp_path: Path) -> None:
    rule = tmp_path / "rule.py"
    rule.write_text("import enum\nfrom storage.models import Role\n\ndef f():\n    import telegram.ext\n")
    assert {name for name in imported_names(rule) if name.startswith(NOT_IN_RULES)} == {"storage.models", "telegram.ext"}


def test_crowded_folders_and_plural_twins_are_found(tmp_path: Path) -> None:
    root = _tree(tmp_path, {f"shop/m{i}.py": "" for i in range(CROWDED)} | {
        "shop/__init__.py": "", "till/order.py": "", "till/orders.py": "",
        "till/receipt.py": "", "till/receipts/__init__.py": "", "till/coin.py": "",
        "storage/migrations/versions/__init__.py": "",
        **{f"storage/migrations/versions/{i:04}_change.py": "" for i in range(CROWDED + 1)},
    })
    assert crowded_folders(root, ["shop", "storage"]) == {}
    (root / "shop/one_more.py").write_text("")
    assert crowded_folders(root, ["shop", "storage"]) == {"shop": CROWDED + 1}
    assert plural_twins(root, ["till"]) == [("till/order", "till/orders"), ("till/receipt", "till/receipts")]


@pytest.mark.e2e  # starts an interpreter
def test_the_tryout_check_sees_what_an_import_loads() -> None:
    loaded = imported_by(f"import {TRYOUT}")
    assert TRYOUT in loaded and in_tryout(TRYOUT + ".x") and not in_tryout(TRYOUT + "x")
    assert reachable({"a": ["b"], "b": ["c"], "d": ["a"]}, ["a"]) == {"a", "b", "c"}
