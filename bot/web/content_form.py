"""The content file as forms: each part of it (funding rules, FAQ, topics, contact, privacy) shown as
fields that follow the file's own structure, and a form's answers put back into it. Whether the result
is valid is for bot.content to say, as for `kpr-bot content check`: whatever the content's model
becomes, the forms show what the file holds."""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.content import FIELD_NAMES, ContentError, Problem
from bot.i18n import N_

# Each part of the console's content editor: its title and the file's top-level keys it holds.
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "faq": (N_("Questions and answers (FAQ)"), ("faq",)),
    "rules": (N_("Funding rules"), ("programmes", "sources", "council")),
    "topics": (N_("Topics"), ("topics",)),
    "contact": (N_("Contact"), ("contact",)),
    "privacy": (N_("Privacy details"), ("privacy",)),
}
OTHER = "other"
OTHER_TITLE = N_("Further settings")
LANGUAGE_KEYS = ("de", "en")


class FormError(ContentError):
    """A field's value is not of its kind (a number, a date): said as the content's own problems are."""


# What a field of each kind must hold, said when it does not.
NOT_OF_KIND = {"int": N_("“{value}” is not a whole number"), "float": N_("“{value}” is not a number"),
               "date": N_("“{value}” is not a date (YYYY-MM-DD)")}


def sections(data: Mapping[str, object]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The parts, with one more for top-level keys none of them names (the content's model grew)."""
    known = {key for _, keys in SECTIONS.values() for key in keys}
    rest = tuple(key for key in data if key not in known)
    return {**SECTIONS, **({OTHER: (OTHER_TITLE, rest)} if rest else {})}


@dataclass
class Field:
    path: str  # dotted: faq.3.answer.de
    kind: str  # text, long, lines, int, float, bool, date
    value: str
    label: str  # for the translator: the field's name, or its key where it has none



@dataclass
class Group:
    path: str
    fields: list[Field] = field(default_factory=list)
    removable: bool = False  # an entry of a list (a FAQ entry, a document)
    depth: int = 0


def _kind(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, date):
        return "date"
    if isinstance(value, list):
        return "lines"
    # Texts people read in two languages are edited in multi-line fields.
    return "long" if key in LANGUAGE_KEYS or "\n" in str(value) or len(str(value)) > 70 else "text"


def _shown(kind: str, value: object) -> str:
    if kind == "lines":
        return "\n".join(str(item) for item in value)  # type: ignore[union-attr]
    if kind == "bool":
        return "1" if value else ""
    if kind == "date":
        return value.isoformat()  # type: ignore[union-attr]
    return str(value)


def groups(data: Mapping[str, object], keys: tuple[str, ...]) -> list[Group]:
    """The fields of these top-level keys, grouped by the table each belongs to, in the file's order."""
    found: list[Group] = []

    def walk(value: object, path: list[str], in_list: bool) -> None:
        if isinstance(value, dict):
            group = Group(".".join(path), removable=in_list, depth=len(path) - 1)
            found.append(group)
            for key, item in value.items():
                if _is_table(item):
                    continue
                kind = _kind(key, item)
                group.fields.append(Field(".".join([*path, key]), kind, _shown(kind, item),
                                          FIELD_NAMES.get(key, key)))
            for key, item in value.items():
                if _is_table(item):
                    walk(item, [*path, key], False)
        elif isinstance(value, list):
            for n, item in enumerate(value):
                walk(item, [*path, str(n)], True)

    for key in keys:
        if key in data:
            item = data[key]
            if _is_table(item):
                walk(item, [key], False)
            else:
                kind = _kind(key, item)
                found.append(Group(key, [Field(key, kind, _shown(kind, item), FIELD_NAMES.get(key, key))]))
    return [group for group in found if group.fields or group.removable]


def lists(data: Mapping[str, object], keys: tuple[str, ...]) -> list[str]:
    """The lists of tables among these keys (the FAQ, a programme's documents): where an entry can be added."""
    found: list[str] = []

    def walk(value: object, path: list[str]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, [*path, key])
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            found.append(".".join(path))
            for n, item in enumerate(value):
                walk(item, [*path, str(n)])

    for key in keys:
        if key in data:
            walk(data[key], [key])
    return found


def _is_table(value: object) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and bool(value) and isinstance(value[0], dict))


def blank(value: object) -> object:
    """An empty entry shaped like `value`: what "Add an entry" offers to fill in."""
    if isinstance(value, dict):
        return {key: blank(item) for key, item in value.items()}
    if isinstance(value, list):
        return [] if not value or not isinstance(value[0], dict) else [blank(value[0])]
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return type(value)(0)
    if isinstance(value, date):
        return value
    return ""


def add_entry(data: dict, path: str) -> dict:
    """A copy with an empty entry appended to the list of tables at `path`."""
    new = copy.deepcopy(data)
    entries = _at(new, path)
    if isinstance(entries, list) and entries and isinstance(entries[0], dict):
        entries.append(blank(entries[-1]))
    return new


def apply(data: dict, keys: tuple[str, ...], form: Mapping[str, str]) -> dict:
    """A copy of `data` with the form's values for these keys: each field read as the kind it was
    shown as. Entries marked for removal go; `added` lists tables given an empty entry first."""
    new = copy.deepcopy(data)
    for path in [p for p in str(form.get("added", "")).split() if p.split(".")[0] in keys]:
        new = add_entry(new, path)
    for group in groups(new, keys):
        for item in group.fields:
            *parents, last = item.path.split(".")
            container = _at(new, ".".join(parents)) if parents else new
            key: int | str = int(last) if isinstance(container, list) else last
            container[key] = _read(item, form)  # type: ignore[index]
    removed = sorted((p.removeprefix("remove:") for p in form if p.startswith("remove:")),
                     key=lambda p: [int(part) if part.isdigit() else 0 for part in p.split(".")], reverse=True)
    for path in removed:
        *parents, last = path.split(".")
        container = _at(new, ".".join(parents))
        if parents and parents[0] in keys and isinstance(container, list) and last.isdigit() \
                and int(last) < len(container):
            del container[int(last)]
    return new


def _read(item: Field, form: Mapping[str, str]) -> object:
    raw = str(form.get(item.path, "")).replace("\r\n", "\n")
    try:
        if item.kind == "bool":
            return bool(form.get(item.path))
        if item.kind == "int":
            return int(raw.strip())
        if item.kind == "float":
            return float(raw.strip().replace(",", "."))
        if item.kind == "date":
            return date.fromisoformat(raw.strip())
    except ValueError:
        raise FormError("", item.path, Problem(NOT_OF_KIND[item.kind], value=raw.strip())) from None
    if item.kind == "lines":
        return [line.strip() for line in raw.split("\n") if line.strip()]
    return raw.strip() if item.kind == "text" else raw.strip("\n").rstrip()


def _at(data: object, path: str) -> object:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]  # type: ignore[index]
    return data
