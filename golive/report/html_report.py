"""One self-contained HTML file: no external URL, readable without JavaScript, inline charts."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from golive import __version__
from golive.compare import NOT_JUDGED, Comparison
from golive.report.artifacts import Links
from golive.report.svg import before_after_bars, stacked_bar, time_series
from golive.report.views import result_views, run_sections
from golive.results import STATUS_ORDER, Status, format_number
from golive.store import RunRecord

_env = Environment(loader=PackageLoader("golive", "report/templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                   lstrip_blocks=True)
def _num(value: object) -> str:
    return format_number(float(value)) if isinstance(value, (int, float)) else "-"


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


_env.filters["num"] = _num
_env.filters["filesize"] = _filesize
_env.filters["shown"] = _evidence


def _counts(statuses: list[str]) -> dict[str, int]:
    c = Counter(statuses)
    return {str(s): c.get(str(s), 0) for s in Status}


_env.filters["chart"] = time_series


def _run_view(run: RunRecord, title: str, artifacts: Links) -> dict[str, Any]:
    results = sorted(run.results, key=lambda r: (r.area, STATUS_ORDER[r.status]))
    areas: dict[str, list[Any]] = {}
    for r in results:
        areas.setdefault(r.area, []).append(r)
    criteria = sorted(run.criteria, key=lambda c: (
        STATUS_ORDER.get(Status(c["status"]), 9), c["key"]))
    return {
        "run": run,
        "title": title,
        "areas": areas,
        "chart": stacked_bar(_counts([str(r.status) for r in run.results])),
        "criteria": criteria,
        "views": {r.check: result_views(r) for r in run.results},
        "criteria_chart": stacked_bar(_counts([c["status"] for c in run.criteria]))
        if run.criteria else None,
        "sections": run_sections(run),
        "artifacts": {check: found for (run_id, check), found in artifacts.items()
                      if run_id == run.id},
    }


def render_html(runs: list[tuple[str, RunRecord]], comparison: Comparison | None = None,
                *, title: str = "golive readiness report", artifacts: Links | None = None) -> str:
    """Render one or more runs (with titles) and an optional comparison of two of them;
    ``artifacts`` links the files the checks kept (see :mod:`golive.report.artifacts`)."""
    compare_view = None
    if comparison is not None:
        rows = [(f"{m.check.split('.', 1)[-1]} · {m.metric}", m.before, m.after, m.verdict)
                for m in comparison.changes
                if m.scope == "overall" and m.before is not None and m.after is not None
                and m.verdict != NOT_JUDGED and m.before != m.after]
        compare_view = {
            "c": comparison,
            "chart": before_after_bars(rows) if rows else None,
        }
    return _env.get_template("report.html.j2").render(
        title=title, views=[_run_view(r, t, artifacts or {}) for t, r in runs],
        compare=compare_view,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), version=__version__,
        colors={"pass": "#2e7d32", "fail": "#c62828", "warn": "#b26a00",
                "inconclusive": "#8e24aa", "skipped": "#757575", "error": "#6a1b9a",
                "manual": "#0277bd"},
    )
