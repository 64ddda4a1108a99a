"""The shape of the core: report/ and plan/ import no area and name no check; every check
declares the direction of the metrics the reports compare; the terminal uses the full width
of a CI log."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest

from golive.command import console
from golive.compare import compare_runs
from golive.plugins import all_checks
from golive.results import Result, Status
from golive.store import RunRecord

GOLIVE = Path(__file__).resolve().parents[1] / "golive"
CORE = [p for folder in ("report", "plan") for p in (GOLIVE / folder).rglob("*")
        if p.suffix in (".py", ".j2")]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


@pytest.mark.parametrize("path", [p for p in CORE if p.suffix == ".py"],
                         ids=lambda p: str(p.relative_to(GOLIVE)))
def test_report_and_plan_import_no_area(path: Path) -> None:
    areas = [m for m in _imports(path) if m.startswith("golive.checks.")]
    assert areas == [], f"{path.name} imports {areas}: an area brings it through a hook"


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(GOLIVE)))
def test_report_and_plan_name_no_check(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    named = [c for c in all_checks() if re.search(rf"['\"]{re.escape(c)}['\"]", text)]
    assert named == [], f"{path.name} names {named}"


# the metrics the issue found drawn the wrong way or not at all
@pytest.mark.parametrize(("check", "metric", "better"), [
    ("frontend.bundle", "unused_js_pct", "lower"), ("frontend.vitals", "cls", "lower"),
    ("frontend.lighthouse", "cls", "lower"), ("database.indexes", "missing_indexes", "lower"),
    ("database.n_plus_one", "n_plus_one_endpoints", "lower"),
    ("security.dependencies", "vulnerable_packages", "lower"),
    ("drills.backup", "differing_tables", "lower"), ("load.latency", "rps", "higher"),
    ("http.compression", "compressed_pct", "higher"),
])
def test_checks_declare_metric_directions(check: str, metric: str, better: str) -> None:
    assert all_checks()[check].better[metric] == better


def _run(run_id: int, **metrics: float) -> RunRecord:
    return RunRecord(id=run_id, started_at=__import__("datetime").datetime(2026, 12, 1),
                     target="t", profile="quick", golive_version="0", status="complete",
                     results=[Result(check="frontend.bundle", area="frontend", title="b",
                                     status=Status.PASS, metrics=dict(metrics))])


def test_a_drop_in_unused_js_is_an_improvement() -> None:
    comp = compare_runs(_run(1, unused_js_pct=99.0, cls=0.3), _run(2, unused_js_pct=4.0,
                                                                   cls=0.0))
    verdicts = {c.metric: c.verdict for c in comp.changes}
    assert verdicts == {"unused_js_pct": "improvement", "cls": "not judged"}  # bundle: no cls


def test_a_stored_direction_is_used_where_the_plugin_is_not_installed() -> None:
    before, after = _run(1, score=10.0), _run(2, score=20.0)
    for run in (before, after):
        run.results[0].check = "elsewhere.thing"
        run.results[0].better = {"score": "higher"}
    (change,) = compare_runs(before, after).changes
    assert change.verdict == "improvement"


def test_ci_logs_use_the_full_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from golive.report import print_run
    from golive.results import SLOOutcome

    monkeypatch.delenv("COLUMNS", raising=False)
    out = io.StringIO()  # not a terminal, as in CI
    monkeypatch.setattr("sys.stdout", out)
    assert console().width == 120  # never rich's 80 columns
    run = _run(1)
    run.results[0].status = Status.FAIL
    run.results[0].thresholds = [
        SLOOutcome("p(95) < 500ms", "p95_ms", 1234.5, False),
        SLOOutcome("p(99) < 1000ms", "p99_ms", 2345.6, False),
        SLOOutcome("error_rate < 1%", "error_rate_pct", 0.25, True)]
    print_run(console(), run)
    lines = out.getvalue().splitlines()
    for figure in ("✗ p95_ms=1234 (p(95) < 500ms)", "✗ p99_ms=2346 (p(99) < 1000ms)",
                   "error_rate_pct=0.25 (error_rate < 1%)"):
        assert any(figure in line for line in lines), "\n".join(lines)  # never cut in two
    assert all(len(line) <= 120 for line in lines)
    monkeypatch.setenv("COLUMNS", "200")
    assert console().width == 200


def test_a_result_whose_plugin_is_not_installed_renders_generically() -> None:
    from golive.report import render_html, report_dict

    run = _run(1, score=3.0)
    run.results[0].check = "elsewhere.thing"
    run.results[0].evidence = {"endpoints": {"GET /x": {"p95_ms": 1.0}}, "series": [{"t": 1}]}
    assert report_dict(run)["results"][0]["views"] == []
    html = render_html([("t", run)])
    assert "elsewhere.thing" in html and "score" in html and "per endpoint" not in html


def test_a_views_crash_is_a_note_not_a_broken_report() -> None:
    from golive.report import report_dict

    run = _run(1)
    run.results[0].check = "load.latency"
    run.results[0].evidence = {"endpoints": {"GET /x": "not a mapping"}}
    (view,) = report_dict(run)["results"][0]["views"]
    assert view["kind"] == "note" and "failed" in view["text"]
