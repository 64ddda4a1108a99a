"""One self-contained HTML file: no external URL, readable without JavaScript, inline charts.

The first screen of each run says the verdict and why, the failures most severe first and the
plan's progress per task; a comparison adds one headline figure per check. The areas, the
run-level sections and the plan items follow, each collapsed to its summary (``<details>``).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from golive import __version__
from golive.compare import Comparison
from golive.report.artifacts import Links
from golive.report.summary import (
    CATEGORIES,
    FirstScreen,
    headlines,
    plan_progress,
    result_anchor,
)
from golive.report.svg import time_series, waterfall
from golive.report.units import expression, human, metric_label
from golive.report.views import result_views, run_sections
from golive.results import SEVERITY_RANK, STATUS_ORDER, Status, format_number
from golive.store import RunRecord

_env = Environment(loader=PackageLoader("golive", "report/templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                   lstrip_blocks=True)
COLORS = {"pass": "#2e7d32", "fail": "#c62828", "warn": "#8d5400", "inconclusive": "#8e24aa",
          "skipped": "#616161", "error": "#6a1b9a", "manual": "#0277bd"}


def _num(value: object) -> str:
    return format_number(float(value)) if isinstance(value, (int, float)) else "-"


def _human(value: object, name: str) -> str:
    return human(name, float(value)) if isinstance(value, (int, float)) else "-"


def _evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    """Evidence as shown in the page: the encoded histograms are for machines, not people."""
    return {k: ("(encoded, in the JSON report)" if k == "histograms" else v)
            for k, v in evidence.items()}


def _filesize(size: object) -> str:
    value = float(size) if isinstance(size, (int, float)) else 0.0
    for unit in ("B", "KB", "MB"):
        if value < 1000 or unit == "MB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return ""  # pragma: no cover


_env.filters.update(num=_num, human=_human, label=metric_label, expr=expression,
                    filesize=_filesize, shown=_evidence, chart=time_series, waterfall=waterfall)


def _run_view(run: RunRecord, title: str, artifacts: Links) -> dict[str, Any]:
    # areas in the order of their most urgent result, results most urgent first
    results = sorted(run.results, key=lambda r: (STATUS_ORDER[r.status], r.check))
    areas: dict[str, list[Any]] = {}
    for r in sorted(results, key=lambda r: min(STATUS_ORDER[x.status] for x in run.results
                                               if x.area == r.area)):
        areas.setdefault(r.area, []).append(r)
    area_counts = {area: {str(s): n for s, n in sorted(
        Counter(r.status for r in rs).items(), key=lambda kv: STATUS_ORDER[kv[0]])}
        for area, rs in areas.items()}
    by_task: dict[str, list[dict[str, Any]]] = {}
    for c in sorted(run.criteria, key=lambda c: STATUS_ORDER.get(Status(c["status"]), 9)):
        by_task.setdefault(str(c["task"]), []).append(c)
    counts = Counter(str(r.status) for r in run.results)
    return {
        "run": run,
        "title": title,
        "screen": FirstScreen.of(run),
        "counts": {str(s): counts.get(str(s), 0) for s in sorted(Status,
                                                                  key=STATUS_ORDER.__getitem__)},
        "areas": areas,
        "area_counts": area_counts,
        "anchors": {r.check: result_anchor(run.id, r.check) for r in run.results},
        "findings": {r.check: sorted(r.findings, key=lambda f: -SEVERITY_RANK[f.severity])
                     for r in run.results},
        "views": {r.check: result_views(r) for r in run.results},
        "plan_tasks": [(p, by_task[p.task]) for p in plan_progress(run)],
        "sections": run_sections(run),
        "artifacts": {check: found for (run_id, check), found in artifacts.items()
                      if run_id == run.id},
    }


def _compare_view(comparison: Comparison, titles: dict[int, str]) -> dict[str, Any]:
    before, after = comparison.before, comparison.after
    still = [r.check for r in after.results if r.status is Status.FAIL]
    items = sum(1 for c in after.criteria if c["status"] == "fail")
    sentence = (f"{len(comparison.improved)} check(s) improved, "
                f"{len(comparison.regressed)} regressed; "
                + (f"{len(still)} check(s) still fail" if still
                   else "no check fails any more" if before.verdict == "not-ready"
                   else "no check fails")
                + (f"; {items} plan item(s) fail (their thresholds are the plan's own)."
                   if items else "."))
    return {
        "c": comparison,
        "sentence": sentence,
        "before_title": titles.get(before.id, f"run {before.id}"),
        "after_title": titles.get(after.id, f"run {after.id}"),
        "before_screen": FirstScreen.of(before),
        "after_screen": FirstScreen.of(after),
        "headlines": headlines(comparison),
        "status_verdicts": {s.check: s.verdict for s in comparison.statuses},
    }


def report_css() -> str:
    """The report's stylesheet (inline in a report file; a static file on the server)."""
    return _env.loader.get_source(_env, "report.css")[0]  # type: ignore[union-attr]


def render_html(runs: list[tuple[str, RunRecord]], comparison: Comparison | None = None,
                *, title: str = "golive readiness report", artifacts: Links | None = None,
                stylesheet: str = "", crumbs: list[tuple[str, str]] | None = None) -> str:
    """Render one or more runs (with titles) and an optional comparison of two of them;
    ``artifacts`` links the files the checks kept (see :mod:`golive.report.artifacts`).
    ``stylesheet``: a URL to link instead of the inline styles (the server's strict CSP);
    ``crumbs``: (label, href) links above the title (the server's navigation)."""
    titles = {r.id: t for t, r in runs}
    return _env.get_template("report.html.j2").render(
        stylesheet=stylesheet, crumbs=crumbs or [],
        title=title, views=[_run_view(r, t, artifacts or {}) for t, r in runs],
        compare=_compare_view(comparison, titles) if comparison is not None else None,
        categories=CATEGORIES,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), version=__version__,
        colors=COLORS,
    )
