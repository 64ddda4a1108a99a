from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from rich.console import Console

from golive.report import (
    compare_runs,
    print_comparison,
    print_run,
    render_html,
    render_junit,
    report_dict,
)
from golive.results import Artifact, Finding, Result, Severity, SLOOutcome, Status
from golive.store import RunRecord


def _run(run_id: int, compressed: float, status: Status) -> RunRecord:
    return RunRecord(
        id=run_id, started_at=datetime(2026, 11, 28, tzinfo=UTC), target="http://127.0.0.1:1",
        profile="quick", golive_version="0.1.0", status="complete",
        verdict="ready" if status is Status.PASS else "not-ready", reason="r",
        criteria=[{"task": "T-1", "key": "T-1:criteria:1", "kind": "criterion",
                   "text": "Compression <on>", "check": "http.compression", "slo": [],
                   "status": str(status), "note": "n"}],
        results=[
            Result(check="http.compression", area="http", title="Compression", status=status,
                   summary="s", metrics={"compressed_pct": compressed, "bytes": 1000.0},
                   findings=[Finding("Uncompressed <b>", Severity.HIGH, "/", "d", "f")]
                   if status is Status.FAIL else [],
                   thresholds=[SLOOutcome("compressed_pct >= 100%", "compressed_pct",
                                          compressed, compressed >= 100)], fix="gzip it"),
            Result(check="http.tls", area="http", title="TLS", status=Status.SKIPPED,
                   reason="needs a TLS endpoint"),
            Result(check="http.health", area="http", title="Health", status=Status.ERROR,
                   reason="boom", evidence={"traceback": "Traceback ..."}),
        ])


def test_json_report_schema() -> None:
    d = report_dict(_run(1, 0, Status.FAIL))
    assert d["schema"] == "golive.report/2"
    assert d["verdict"] == "not-ready" and d["exit_code"] == 1
    assert set(d["results"][0]) >= {"check", "area", "status", "summary", "metrics",
                                    "findings", "evidence"}
    assert set(d["results"][0]["findings"][0]) == {"title", "severity", "location", "detail",
                                                   "fix"}
    assert set(d["criteria"][0]) >= {"task", "text", "check", "status"}
    assert d["counts"]["fail"] == 1 and d["counts"]["skipped"] == 1


def test_junit() -> None:
    root = ET.fromstring(render_junit(_run(1, 0, Status.FAIL)))
    assert (root.get("tests"), root.get("failures"), root.get("errors"),
            root.get("skipped")) == ("3", "1", "1", "1")
    case = root.find("testsuite/testcase[@name='http.compression']")
    assert case is not None and case.find("failure") is not None


def test_html_is_self_contained_and_escaped() -> None:
    before, after = _run(1, 0, Status.FAIL), _run(2, 100, Status.PASS)
    html = render_html([("Before", before), ("After", after)], compare_runs(before, after))
    assert "<script" not in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert "Uncompressed &lt;b&gt;" in html and "Compression &lt;on&gt;" in html
    assert "What changed: Before → After" in html


def _first_screen(html: str, run_id: int | str) -> str:
    """The part of the page a run's first screen shows: its verdict to its plan progress."""
    start = html.index(f'id="verdict-{run_id}"' if run_id != "compare" else 'id="compare-verdict"')
    return html[start:html.index("</div>\n</div>", html.index(f'id="plan-{run_id}"'))]


def test_the_first_screen_says_the_verdict_the_failures_and_the_plan() -> None:
    before, after = _run(1, 0, Status.FAIL), _run(2, 100, Status.PASS)
    html = render_html([("Before", before), ("After", after)], compare_runs(before, after))
    screen = _first_screen(html, 1)
    assert "Not ready: 1 of 3 checks fail (1 in http); 1 error, 1 skipped." in screen
    # the failure: its figure against its threshold, where, and the finding's own fix
    assert "compressed 0 %, needs compressed_pct &gt;= 100 %" in screen
    assert "where: <code>/</code>" in screen and "fix: f" in screen
    assert 'href="#r-1-http-compression"' in screen and 'id="r-1-http-compression"' in html
    # the plan: a bar per task, every segment labelled, linked to the task's items
    assert 'href="#plan-1-t-1"' in screen and '<title>1 failing</title>' in screen
    assert 'style=' not in html  # a strict CSP (no inline styles) can serve it
    assert 'id="plan-1-t-1"' in html
    for category in ("passing", "failing", "warning", "inconclusive", "manual",
                     "not measured"):
        assert f"</i>{category}</span>" in screen
    # the comparison: one row per check with its headline figure, coloured by its verdict
    compare = _first_screen(html, "compare")
    assert "1 check(s) improved, 0 regressed; no check fails any more." in compare
    row = html[html.index('<a href="#r-2-http-compression"'):]
    row = row[:row.index("</tr>")]
    assert "fail → pass" in row and "0 %" in row and "100 %" in row
    assert '<td class="improvement">improvement</td>' in row
    assert '<abbr title="compressed_pct">compressed</abbr>' in row


def test_terminal_output() -> None:
    console = Console(file=__import__("io").StringIO(), width=100, color_system=None)
    print_run(console, _run(1, 0, Status.FAIL))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert text.index("http.compression") < text.index("http.tls")  # failures first
    assert "fix: gzip it" in text and "needs a TLS endpoint" in text
    assert "Verdict: NOT-READY" in text
    console = Console(file=__import__("io").StringIO(), width=100, color_system=None)
    print_comparison(console, compare_runs(_run(1, 0, Status.FAIL), _run(2, 100, Status.PASS)))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "1 check(s) improved, 0 regressed" in out


def test_compare_directions() -> None:
    comp = compare_runs(_run(1, 0, Status.FAIL), _run(2, 100, Status.PASS))
    m = {x.metric: x for x in comp.changes}
    assert m["compressed_pct"].verdict == "improvement"
    assert m["bytes"].verdict == "same"
    assert [s.check for s in comp.improved] == ["http.compression"]


def test_small_latency_changes_are_same() -> None:
    from golive.compare import judge

    assert judge("latency_ms", 3.3, 3.9, "lower") == "same"
    assert judge("latency_ms", 100, 104, "lower") == "same"
    assert judge("latency_ms", 100, 110, "lower") == "regression"
    assert judge("latency_ms", 10, 5, "lower") == "improvement"
    assert judge("users", 10, 20, None) == "not judged"  # no direction declared: never guessed


def test_html_links_kept_artifacts_and_shows_lighthouse_scores() -> None:
    run = _run(4, 100, Status.PASS)
    scores = {"performance_score": 71.0, "accessibility_score": 100.0,
              "best_practices_score": 96.0, "seo_score": 100.0}
    run.results.append(Result(
        check="frontend.lighthouse", area="frontend", title="Lighthouse", status=Status.FAIL,
        metrics={"min_score": 71.0},
        evidence={"pages": {"/": {"scores": scores, "timings": {"lcp_ms": 2600.0},
                                  "runs": [{}, {}, {}], "median_run": 2}}},
        artifacts=[Artifact("lighthouse-home.report.html", "text/html", size=650_000)]))
    html = render_html([("t", run)], artifacts={(4, "frontend.lighthouse"): [
        ("lighthouse-home.report.html", "r-files/run-4/frontend.lighthouse/x.html", 650_000)]})
    assert '<a href="r-files/run-4/frontend.lighthouse/x.html">lighthouse-home.report.html</a>' \
        in html and "650.0 KB" in html
    assert "<th class=\"num\">best practices</th>" in html and "3 (#2)" in html
    # without exported files, the report says where the artifacts are
    assert "golive artifacts 4 --out DIR" in render_html([("t", run)])
    assert report_dict(run)["results"][-1]["artifacts"] == [
        {"name": "lighthouse-home.report.html", "media_type": "text/html", "bytes": 650_000}]


def test_a_met_threshold_of_an_untrustworthy_result_gets_no_tick() -> None:
    """Issue 12, item 11: 'vulnerable_packages = 0' of an audit that could check no package
    must not look like a pass."""
    run = _run(5, 100, Status.PASS)
    run.results = [Result(
        check="security.dependencies", area="security", title="deps",
        status=Status.INCONCLUSIVE, reason="0 of 34 packages could be checked",
        metrics={"vulnerable_packages": 0.0},
        thresholds=[SLOOutcome("vulnerable_packages == 0", "vulnerable_packages", 0.0, True)])]
    html = render_html([("t", run)])
    assert '? <abbr title="vulnerable_packages = 0">vulnerable packages</abbr> 0' in html
    assert "✓ <abbr" not in html
    console = Console(file=__import__("io").StringIO(), width=140, color_system=None)
    print_run(console, run)
    assert "? vulnerable_packages=0" in console.file.getvalue()  # type: ignore[attr-defined]


def test_findings_read_as_text_not_markup() -> None:
    """Issue 12, item 11: a debug page's excerpt was raw HTML cut mid-tag; a 422 to a forged
    token read like a bypass; three N+1 findings had the same title."""
    from golive.checks.database.nplusone import gist
    from golive.checks.security.probes import auth_finding
    from golive.excerpt import excerpt

    page = ("<!doctype html><html><head><style>body{color:red}</style><title>Err</title></head>"
            "<body><h1>TypeError at /api/orders</h1><table><tr><th>Django Version:</th>"
            "<td>4.2.1</td></tr><tr><th>Exception &amp; Value:</th><td>'NoneType' object"
            "</td></tr></table><script>var x = '<b>';</script></body></html>")
    at = page.index("Django Version:")
    text = excerpt(page, at)
    assert "<" not in text and "color:red" not in text and "var x" not in text
    assert "Django Version: 4.2.1 Exception & Value: 'NoneType' object" in text
    assert excerpt("x " * 400, 0, width=50).endswith("…")
    (refused,) = auth_finding("/api/me", "with a forged token", 422)
    assert refused.title == "Refused the forged token (422), not with 401"
    assert refused.severity is Severity.LOW and "not a bypass" in refused.detail
    (served,) = auth_finding("/api/me", "with a forged token", 200)
    assert served.severity is Severity.CRITICAL and "served" in served.title
    assert auth_finding("/api/me", "without credentials", 401) == []
    assert auth_finding("/account", "without credentials", 302) == []  # to the login page
    assert gist("SELECT a.id, a.name, a.x FROM authors a WHERE a.id = $1") == (
        "SELECT … FROM authors a WHERE a.id = $1")
