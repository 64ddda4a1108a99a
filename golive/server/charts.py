"""The dashboard's small charts: a verdict sparkline per project and a trend per figure, each
point a link to the run behind it (inline SVG, no script)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from markupsafe import Markup

from golive.report.units import human
from golive.store.browse import Point

VERDICT_COLORS = {"ready": "#2e7d32", "not-ready": "#c62828", "incomplete": "#8e24aa"}


def sparkline(verdicts: Sequence[Mapping[str, Any]]) -> Markup:
    """A dot per run (``{"run": id, "verdict": ...}``, oldest first), coloured by verdict,
    each linked to its run."""
    step, r = 10, 3.5
    width = max(step, step * len(verdicts))
    dots = "".join(
        f'<a href="/runs/{run_id}"><circle cx="{i * step + 5}" cy="6" r="{r}" '
        f'fill="{VERDICT_COLORS.get(v or "", "#9e9e9e")}"><title>run {run_id}: '
        f'{escape(v or "no verdict")}</title></circle></a>'
        for i, (run_id, v) in enumerate((d["run"], d["verdict"]) for d in verdicts))
    return Markup(  # noqa: S704 - every text above went through escape
        f'<svg class="spark" role="img" aria-label="verdicts of the last runs" width="{width}" '
        f'height="12" viewBox="0 0 {width} 12" xmlns="http://www.w3.org/2000/svg">{dots}</svg>')


def trend(points: Sequence[Point], metric: str, *, width: int = 340, height: int = 90
          ) -> Markup:
    """A figure over runs: a line, a dot per run linked to it, the first and last values."""
    if not points:
        return Markup("")
    left, right, top, bottom = 6, 6, 8, 18
    w, h = width - left - right, height - top - bottom
    lo, hi = min(p.value for p in points), max(p.value for p in points)
    span = (hi - lo) or 1.0

    def xy(i: int, value: float) -> tuple[float, float]:
        x = left + (w * i / (len(points) - 1) if len(points) > 1 else w / 2)
        return x, top + h - h * (value - lo) / span

    coords = [xy(i, p.value) for i, p in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(
        f'<a href="/runs/{p.run_id}"><circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="#1565c0">'
        f'<title>run {p.run_id} ({escape(p.branch or "no branch")}, '
        f'{p.started_at:%Y-%m-%d %H:%M}): {escape(human(metric, p.value))}</title></circle></a>'
        for p, (x, y) in zip(points, coords, strict=True))
    first, last = human(metric, points[0].value), human(metric, points[-1].value)
    return Markup(  # noqa: S704 - every text above went through escape
        f'<svg class="trend" role="img" aria-label="{escape(metric)} over runs" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><polyline points="{line}" fill="none" '
        f'stroke="#90caf9" stroke-width="1.5"/>{dots}'
        f'<text x="{left}" y="{height - 4}" font-size="10">{escape(first)}</text>'
        f'<text x="{width - right}" y="{height - 4}" font-size="10" text-anchor="end">'
        f'{escape(last)}</text></svg>')
