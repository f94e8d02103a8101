"""What a feature package declares for the app to wire, gathered from its modules' own declarations."""
from __future__ import annotations

from types import ModuleType
from typing import Any


def gather(*modules: ModuleType) -> tuple[list[Any], dict[str, Any], list[Any], frozenset[str]]:
    """HANDLERS, REQUIRED_ROLES, MENU_ENTRIES and WITHOUT_ACCOUNT of the modules, in their order."""
    return ([handler for module in modules for handler in module.HANDLERS],
            {key: role for module in modules for key, role in module.REQUIRED_ROLES.items()},
            [entry for module in modules for entry in getattr(module, "MENU_ENTRIES", ())],
            frozenset().union(*(getattr(module, "WITHOUT_ACCOUNT", ()) for module in modules)))
