"""Plugin hooks. Built-in checks register through the same hook third parties use.

A plugin is a module or object with ``@hookimpl`` functions, installed under the ``golive``
entry-point group::

    [project.entry-points.golive]
    myplugin = "mypackage.golive_plugin"
"""

from __future__ import annotations

from functools import cache

import pluggy

from golive.checks import Check

hookspec = pluggy.HookspecMarker("golive")
hookimpl = pluggy.HookimplMarker("golive")

#: modules that ship with golive and register like any plugin
DEFAULT_PLUGINS = ("golive.checks.http", "golive.checks.frontend", "golive.checks.security",
                   "golive.checks.database", "golive.checks.load", "golive.checks.drills")


class HookSpecs:
    @hookspec
    def golive_checks(self) -> list[type[Check]]:  # type: ignore[empty-body]
        """Return the check classes this plugin provides."""


@cache
def plugin_manager() -> pluggy.PluginManager:
    import importlib

    pm = pluggy.PluginManager("golive")
    pm.add_hookspecs(HookSpecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints("golive")
    return pm


def all_checks() -> dict[str, type[Check]]:
    """Every registered check class by id, in registration order."""
    checks: dict[str, type[Check]] = {}
    for batch in reversed(plugin_manager().hook.golive_checks()):
        for cls in batch:
            checks.setdefault(cls.id, cls)
    return checks
