"""A plugin written outside golive (tests/fixtures/plugin) adds a check, a recogniser, a report
view, a config table and a command without any change to golive; and the plugin manager's
rules: duplicate ids, no entry points under the test suite, `golive plugins`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from golive import plugins
from golive.checks import Check
from golive.cli import build_cli
from golive.exceptions import PluginError
from golive.hookspecs import hookimpl
from tests.targets import serve_handler

PLUGIN_DIR = Path(__file__).parent / "fixtures" / "plugin"
PLAN = """# Plan

### REL-001: Release hygiene
- **Status**: Pending
- **Acceptance Criteria**:
  - Deployed version is visible
"""


@pytest.fixture
def version_plugin() -> Iterator[ModuleType]:
    sys.path.insert(0, str(PLUGIN_DIR))
    try:
        import golive_version_plugin as module

        plugins.register(module, name="version")
        yield module
    finally:
        plugins.unregister("version")
        sys.path.remove(str(PLUGIN_DIR))
        sys.modules.pop("golive_version_plugin", None)


class _Version(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"commit": "abc123", "built_at": "2026-12-01"}' if self.path == "/version" \
            else b'{"commit": "abc123"}' if self.path == "/v2" else b"ok"
        self.send_response(200 if self.path in ("/version", "/v2", "/") else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[str]:
    with serve_handler(_Version) as url:
        yield url


def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_plugin_adds_check_recogniser_view_table_and_command(
        version_plugin: ModuleType, service: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.md").write_text(PLAN, encoding="utf-8")
    store = ["--store", f"sqlite:///{tmp_path / 'h.db'}"]
    code, out, err = _run(tmp_path, "audit", "--target", service, "--only", "version",
                          "--plan", "plan.md", "--json", "r.json", *store)
    assert code == 0, out + err
    report = json.loads((tmp_path / "r.json").read_text())
    (result,) = report["results"]
    assert result["check"] == "version.endpoint" and result["status"] == "pass"
    assert result["views"][0]["title"] == "version document"
    assert ["commit", "abc123"] in result["views"][0]["rows"]
    assert result["better"] == {"fields_present": "higher"}
    (item,) = report["criteria"]
    assert (item["check"], item["status"]) == ("version.endpoint", "pass")
    # its config table is validated like golive's own
    (tmp_path / "golive.toml").write_text('[version]\npath = "/v2"\n', encoding="utf-8")
    code, out, err = _run(tmp_path, "audit", "--target", service, "--only", "version", *store)
    assert code == 1 and "Version field 'built_at' missing" in out
    (tmp_path / "golive.toml").write_text('[version]\npaht = "/v2"\n', encoding="utf-8")
    code, out, err = _run(tmp_path, "audit", "--target", service, "--only", "version", *store)
    assert code == 2 and "[version] unknown key 'paht'" in err
    # its command
    code, out, _ = _run(tmp_path, "version-of", service)
    assert code == 0 and '"built_at"' in out
    # and `golive plugins` names it with what it brings
    code, out, _ = _run(tmp_path, "plugins", "--json")
    listed = {p["name"]: p for p in json.loads(out)}
    assert listed["version"]["checks"] == ["version.endpoint"]
    assert listed["version"]["tables"] == ["version"]
    assert set(listed["version"]["hooks"]) == {
        "golive_checks", "golive_recognisers", "golive_config_tables", "golive_commands"}


def test_a_table_nobody_owns_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "golive.toml").write_text('[monitoring]\nurl = "x"\n', encoding="utf-8")
    code, _, err = _run(tmp_path, "audit", "--target", "http://127.0.0.1:9")
    assert code == 2 and "unknown table [monitoring]" in err and "frontend" in err


def test_a_duplicate_check_id_names_both_plugins() -> None:
    class Copy(Check):
        id = "http.health"
        title = "a second http.health"

    class Impostor:
        @hookimpl
        def golive_checks(self) -> list[type[Check]]:
            return [Copy]

    plugins.register(Impostor(), name="impostor")
    try:
        with pytest.raises(PluginError, match=r"'http\.health' is registered by two plugins, "
                                              r"golive\.checks\.http and impostor"):
            plugins.all_checks()
    finally:
        plugins.unregister("impostor")
    assert plugins.all_checks()["http.health"].title != "a second http.health"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin installed (pip, no network) into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--target", str(target), str(PLUGIN_DIR)],
        capture_output=True, text=True, timeout=180, cwd=build, check=False)
    if proc.returncode != 0:
        pytest.fail(f"pip could not install the example plugin: {proc.stderr[-800:]}")
    return target


def test_an_installed_plugin_is_found_by_its_entry_point(installed: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    proc = subprocess.run([sys.executable, "-c", "from golive.cli import main; main()",
                           "plugins", "--json"], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    listed = {p["name"]: p for p in json.loads(proc.stdout)}
    assert listed["version"]["checks"] == ["version.endpoint"]
    proc = subprocess.run([sys.executable, "-c", "from golive.cli import main; main()",
                           "--help"], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert "version-of" in proc.stdout


def test_entry_points_are_not_loaded_under_the_test_suite(
        installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(installed))
    plugins.plugin_manager.cache_clear()
    try:
        names = {name for name, _ in plugins.plugin_manager().list_name_plugin()}
        assert "version" not in names
        assert set(plugins.DEFAULT_PLUGINS) <= names
    finally:
        plugins.plugin_manager.cache_clear()
        plugins.all_checks.cache_clear()
