"""One audit session: how a run is opened and always closed (Ctrl-C, crashes, user mistakes
inside a check), destructive checks, and the exit code stored with the run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from golive import plugins
from golive.checks import Check, CheckContext
from golive.cli import build_cli
from golive.config import Config, TargetConfig
from golive.exceptions import ConfigError, SafetyError
from golive.hookspecs import hookimpl
from golive.results import Measurement, Status
from golive.runner import Events
from golive.session import AuditRequest, run_session
from golive.store import Store


class Fine(Check):
    id = "fake.fine"
    title = "measures something"
    slo = ("value_ms < 10ms",)
    needs_target = False
    profiles = frozenset()

    def run(self, ctx: CheckContext) -> Measurement:
        return Measurement(metrics={"value_ms": 1.0}, summary="fine")


class CtrlC(Check):
    id = "fake.ctrl_c"
    title = "the user presses Ctrl-C while it runs"
    needs_target = False
    profiles = frozenset()

    def run(self, ctx: CheckContext) -> Measurement:
        raise KeyboardInterrupt


class Mistake(Check):
    id = "fake.mistake"
    title = "finds a mistake in the user's configuration"
    needs_target = False
    profiles = frozenset()

    def run(self, ctx: CheckContext) -> Measurement:
        raise ConfigError("golive.toml: [fake] key 'x': must be a number")


class Bug(Check):
    id = "fake.bug"
    title = "has a bug"
    needs_target = False
    profiles = frozenset()

    def run(self, ctx: CheckContext) -> Measurement:
        return {}["missing"]  # type: ignore[no-any-return]


class Kill(Check):
    id = "fake.kill"
    title = "kills a process of the target"
    safety: ClassVar[Any] = "destructive"
    profiles = frozenset()

    def run(self, ctx: CheckContext) -> Measurement:
        return Measurement(metrics={"killed": 1.0})


class FakeArea:
    @hookimpl
    def golive_checks(self) -> list[type[Check]]:
        return [Fine, CtrlC, Mistake, Bug, Kill]


@pytest.fixture(autouse=True)
def fake_area() -> Iterator[None]:
    plugins.register(FakeArea(), name="fake")
    yield
    plugins.unregister("fake")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'h.db'}")


def _cli(tmp_path: Path, *args: str) -> Any:
    return CliRunner().invoke(build_cli(), [*args, "--store", f"sqlite:///{tmp_path / 'h.db'}"],
                              catch_exceptions=False)


def test_ctrl_c_keeps_the_partial_run_as_incomplete_with_exit_130(tmp_path: Path) -> None:
    r = _cli(tmp_path, "audit", "--target", "http://127.0.0.1:9", "--only",
             "fake.fine,fake.ctrl_c")
    assert r.exit_code == 130, r.output
    shown = json.loads(_cli(tmp_path, "show", "last", "--json").output)
    assert shown["run"]["status"] == "interrupted"
    assert shown["verdict"] == "incomplete" and shown["exit_code"] == 130
    assert [x["check"] for x in shown["results"]] == ["fake.fine"]  # what finished is kept
    assert "interrupted after 1 check(s)" in shown["reason"]


def test_an_exception_escaping_the_runner_closes_the_run_as_error(store: Store) -> None:
    class Broken(Events):
        def check_finished(self, result: Any) -> None:
            raise RuntimeError("the progress display broke")

    request = AuditRequest(target="http://127.0.0.1:9", config=Config(), store=store,
                           only=("fake.fine",), events=Broken())
    with pytest.raises(RuntimeError, match="progress display"):
        run_session(request)
    run = store.get_run("last")
    assert run.status == "error" and run.verdict == "incomplete" and run.exit_code == 4
    assert run.reason == "golive failed: RuntimeError: the progress display broke"
    assert [r.check for r in run.results] == ["fake.fine"]


def test_the_cli_exits_4_on_a_crash_and_stores_it(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from golive import runner

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner.Site, "get", explode)  # escapes _unreachable: a bug
    r = CliRunner().invoke(build_cli(), ["audit", "--target", "http://127.0.0.1:9", "--only",
                                         "http.health", "--store",
                                         f"sqlite:///{tmp_path / 'h.db'}"])
    assert r.exit_code == 4
    assert "RuntimeError: boom" in r.stderr and "internal error" in r.stderr
    shown = json.loads(_cli(tmp_path, "show", "last", "--json").output)
    assert (shown["run"]["status"], shown["exit_code"]) == ("error", 4)


def test_a_user_mistake_inside_a_check_is_one_line_without_traceback(store: Store) -> None:
    outcome = run_session(AuditRequest(target="", config=Config(), store=store,
                                       only=("fake.mistake", "fake.bug", "fake.fine")))
    by = {r.check: r for r in outcome.results}
    mistake = by["fake.mistake"]
    assert mistake.status is Status.ERROR
    assert mistake.reason == "golive.toml: [fake] key 'x': must be a number"
    assert "traceback" not in mistake.evidence
    bug = by["fake.bug"]  # a bug keeps its traceback
    assert bug.status is Status.ERROR and "KeyError" in bug.evidence["traceback"]
    assert by["fake.fine"].status is Status.PASS  # and the run went on
    assert outcome.exit_code == 0 and store.get_run(outcome.run_id).exit_code == 0


def test_the_stored_exit_code_is_the_process_exit_code(tmp_path: Path) -> None:
    r = _cli(tmp_path, "audit", "--target", "http://127.0.0.1:9", "--only", "fake.fine",
             "--strict")
    assert r.exit_code == 0
    assert json.loads(_cli(tmp_path, "show", "last", "--json").output)["exit_code"] == 0


def test_destructive_checks_need_the_flag_and_a_drill_target(store: Store) -> None:
    def request(allow: bool, drill: list[str]) -> AuditRequest:
        return AuditRequest(target="http://127.0.0.1:9",
                            config=Config(target=TargetConfig(drill_targets=drill)),
                            store=store, only=("fake.kill",), allow_destructive=allow)

    with pytest.raises(SafetyError, match="pass --allow-destructive"):
        run_session(request(False, ["127.0.0.1"]))
    with pytest.raises(SafetyError, match=r"add '127\.0\.0\.1' to \[target\] drill_targets"):
        run_session(request(True, []))
    assert store.list_runs() == []  # refused before a run was opened
    outcome = run_session(request(True, ["127.0.0.1"]))
    assert [r.check for r in outcome.results] == ["fake.kill"]


def test_the_cli_refuses_a_destructive_check_with_one_line(tmp_path: Path) -> None:
    r = _cli(tmp_path, "audit", "--target", "http://127.0.0.1:9", "--only", "fake.kill")
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "--allow-destructive" in r.stderr


def test_config_is_immutable_and_overrides_copy() -> None:
    config = Config()
    changed = config.with_database_url("postgresql://127.0.0.1/x")
    assert config.database.url == "" and changed.database.url.endswith("/x")
    with pytest.raises(Exception, match="frozen"):
        config.target = TargetConfig(url="http://127.0.0.1:1")  # type: ignore[misc]
