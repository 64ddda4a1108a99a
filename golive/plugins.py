"""The plugin manager: golive's own areas and installed plugins, through the same hooks.

See :mod:`golive.hookspecs` for the hooks. Entry points (``[project.entry-points.golive]``) are
loaded except under the test suite, which registers the plugins it tests itself.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import pluggy

from golive.exceptions import PluginError
from golive.hookspecs import HookSpecs, hookimpl, hookspec

if TYPE_CHECKING:
    from golive.checks import Check
    from golive.config import ConfigTable
    from golive.plan.mapping import Recogniser

__all__ = ["DEFAULT_PLUGINS", "PluginInfo", "all_checks", "config_tables", "hookimpl",
           "hookspec", "plugin_manager", "plugins", "recognisers", "register", "unregister"]

#: modules that ship with golive and register like any plugin
DEFAULT_PLUGINS = ("golive.checks.http", "golive.checks.frontend", "golive.checks.security",
                   "golive.checks.database", "golive.checks.load", "golive.checks.drills",
                   "golive.server.commands")


def _under_tests() -> bool:
    return bool(getattr(sys, "_golive_called_from_test", False))


@cache
def plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("golive")
    pm.add_hookspecs(HookSpecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    if not _under_tests():
        pm.load_setuptools_entrypoints("golive")
    return pm


def _changed() -> None:
    for fn in (all_checks, config_tables, recognisers):
        fn.cache_clear()


def register(plugin: object, name: str | None = None) -> None:
    """Register a plugin object or module at run time (tests, embedding)."""
    plugin_manager().register(plugin, name=name)
    _changed()


def unregister(name: str) -> None:
    plugin_manager().unregister(name=name)
    _changed()


def _by_plugin(hook: str) -> list[tuple[str, list[object]]]:
    """(plugin name, what its implementation returned) in registration order."""
    pm = plugin_manager()
    out = []
    for impl in getattr(pm.hook, hook).get_hookimpls():  # in registration order
        out.append((impl.plugin_name, list(impl.function() or [])))
    return out


@cache
def all_checks() -> dict[str, type[Check]]:
    """Every registered check class by id, in registration order. A check id that two
    plugins register is an error naming both."""
    checks: dict[str, type[Check]] = {}
    owner: dict[str, str] = {}
    for plugin, batch in _by_plugin("golive_checks"):
        for cls in batch:
            check_id = cls.id  # type: ignore[attr-defined]
            if check_id in checks and checks[check_id] is not cls:
                raise PluginError(
                    f"check id {check_id!r} is registered by two plugins, {owner[check_id]} "
                    f"and {plugin}: uninstall one, or rename its check")
            checks[check_id] = cls  # type: ignore[assignment]
            owner[check_id] = plugin
    return checks


@cache
def recognisers() -> tuple[Recogniser, ...]:
    """Every plugin's plan recognisers, in plugin order."""
    return tuple(r for _, batch in _by_plugin("golive_recognisers") for r in batch)  # type: ignore[misc]


@cache
def config_tables() -> dict[str, type[ConfigTable]]:
    """golive.toml table name -> the model that validates it."""
    tables: dict[str, type[ConfigTable]] = {}
    for plugin, batch in _by_plugin("golive_config_tables"):
        for model in batch:
            name = model.table  # type: ignore[attr-defined]
            if name in tables:
                raise PluginError(f"config table [{name}] is claimed by two plugins "
                                  f"(the second is {plugin})")
            tables[name] = model  # type: ignore[assignment]
    return tables


@dataclass(frozen=True)
class PluginInfo:
    name: str
    hooks: tuple[str, ...]
    checks: tuple[str, ...]
    tables: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "hooks": list(self.hooks), "checks": list(self.checks),
                "tables": list(self.tables)}


def plugins() -> list[PluginInfo]:
    """Every registered plugin with the hooks it implements, its checks and config tables."""
    pm = plugin_manager()
    checks = dict(_by_plugin("golive_checks"))
    tables = dict(_by_plugin("golive_config_tables"))
    out = []
    for name, plugin in pm.list_name_plugin():
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or []))
        out.append(PluginInfo(
            name, hooks, tuple(c.id for c in checks.get(name, [])),  # type: ignore[attr-defined]
            tuple(t.table for t in tables.get(name, []))))  # type: ignore[attr-defined]
    return out
