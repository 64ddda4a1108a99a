"""Documentation is part of the product: these fail when something is left undocumented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from golive.auth import AuthConfig
from golive.cli import build_cli
from golive.config import AuditConfig, DatabaseConfig, PlanConfig, StoreConfig, TargetConfig
from golive.demo.flaws import FLAWS
from golive.hookspecs import HookSpecs
from golive.plugins import all_checks, config_tables
from golive.verdict import ExitStatus

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, cmd in group.commands.items():
        names.append(f"{prefix}{name}")
        if isinstance(cmd, click.Group):
            names += _commands(cmd, f"{prefix}{name} ")
    return names


def test_readme_opens_with_the_two_commands() -> None:
    head = "\n".join(README.splitlines()[:12])
    assert "make demo" in head and "make test" in head


@pytest.mark.parametrize("command", _commands(build_cli()))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"golive {command}" in README


@pytest.mark.parametrize("check_id", list(all_checks()))
def test_every_check_has_a_page_with_its_thresholds(check_id: str) -> None:
    page = ROOT / "docs" / "checks" / f"{check_id}.md"
    assert page.exists(), f"write {page.relative_to(ROOT)}"
    text = page.read_text(encoding="utf-8")
    cls = all_checks()[check_id]
    for slo in cls.slo:
        assert slo in text, f"{page.name} does not state the default threshold {slo!r}"
    for option in cls.Options.model_fields:
        assert f"`{option}`" in text, f"{page.name} does not document option {option!r}"
    assert f"`{check_id}`" in README


@pytest.mark.parametrize(
    ("table", "model"),
    [("target", TargetConfig), ("audit", AuditConfig), ("plan", PlanConfig),
     ("store", StoreConfig), ("database", DatabaseConfig), ("auth", AuthConfig),
     *config_tables().items()],
)
def test_every_config_key_is_documented(table: str, model: type) -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = text.split(f"## `[{table}]`")[1].split("\n## ")[0]
    for key in model.model_fields:
        assert f"`{key}`" in section, f"[{table}] {key} is not in docs/configuration.md"
    init = (ROOT / "golive" / "data" / "golive.toml").read_text(encoding="utf-8")
    for key in model.model_fields:
        assert re.search(rf"^#?\s*{key}\s*=", init, re.M), f"golive init omits [{table}] {key}"


def test_every_flaw_and_exit_code_is_in_the_readme() -> None:
    for flaw in FLAWS:
        assert f"`{flaw}`" in README
    for code in ExitStatus:
        assert f"| {int(code)} |" in README


HOOKS = [name for name in vars(HookSpecs) if name.startswith("golive_")]


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook: str) -> None:
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert f"### `{hook}" in text, f"docs/plugins.md has no section for {hook}"
    assert getattr(HookSpecs, hook).__doc__, f"{hook} has no docstring"


def test_the_hooks_are_the_ones_the_plugin_manager_knows() -> None:
    assert set(HOOKS) == {"golive_checks", "golive_recognisers", "golive_report_sections",
                          "golive_config_tables", "golive_commands"}


def test_the_plugin_example_is_the_tested_file() -> None:
    page = (ROOT / "docs" / "writing-checks.md").read_text(encoding="utf-8")
    plugin = (ROOT / "tests" / "fixtures" / "plugin" / "golive_version_plugin.py").read_text(
        encoding="utf-8")
    assert f"```python\n{plugin}```" in page
