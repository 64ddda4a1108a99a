"""The plugin hooks. golive's own areas register through them exactly as a third party does.

A plugin is a module (or object) with ``@hookimpl`` functions, installed under the ``golive``
entry-point group::

    [project.entry-points.golive]
    myplugin = "mypackage.golive_plugin"

Every hook is optional; an area implements the ones it needs. docs/plugins.md documents each
hook (a test fails when one is not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from golive.blocks import Section
    from golive.checks import Check
    from golive.config import ConfigTable
    from golive.plan.mapping import Recogniser
    from golive.store import RunRecord

hookspec = pluggy.HookspecMarker("golive")
hookimpl = pluggy.HookimplMarker("golive")


class HookSpecs:
    @hookspec
    def golive_checks(self) -> list[type[Check]]:  # type: ignore[empty-body]
        """The check classes this plugin provides. Check ids must be unique across plugins."""

    @hookspec
    def golive_recognisers(self) -> list[Recogniser]:  # type: ignore[empty-body]
        """Plan phrasing this plugin understands: (compiled pattern, builder) pairs; the builder
        turns the match into a :class:`~golive.plan.mapping.Mapping` (check id and thresholds
        read from the text). Tried in plugin order, first match wins; ``[[mapping]]`` rules
        in golive.toml win over every recogniser."""

    @hookspec
    def golive_report_sections(self, run: RunRecord) -> list[Section]:  # type: ignore[empty-body]
        """Run-level report sections drawn from a stored run (e.g. the OWASP Top 10 table).
        Return an empty list when the run holds nothing of this plugin's."""

    @hookspec
    def golive_config_tables(self) -> list[type[ConfigTable]]:  # type: ignore[empty-body]
        """The golive.toml tables this plugin owns (``[frontend]``-style): pydantic models
        subclassing :class:`~golive.config.ConfigTable` with a ``table`` name. They are
        validated when the config loads (an unknown key is an error that names it)."""

    @hookspec
    def golive_commands(self, cli: click.Group) -> None:
        """Add command-line commands: ``cli.add_command(...)``, or add to an existing group
        such as ``cli.commands["drill"]`` (e.g. ``golive drill backup``)."""
