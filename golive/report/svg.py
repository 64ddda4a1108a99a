"""Small inline SVG charts for the HTML report (no JavaScript, no external files)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from golive.results import format_number

COLORS = {
    "pass": "#2e7d32", "fail": "#c62828", "warn": "#f9a825", "inconclusive": "#8e24aa",
    "skipped": "#9e9e9e", "error": "#6a1b9a", "manual": "#0277bd",
}


def stacked_bar(counts: dict[str, int], *, width: int = 560, height: int = 26) -> Markup:
    """One horizontal bar split by status, with a legend below."""
    total = sum(counts.values()) or 1
    x = 0.0
    parts = []
    for status, n in counts.items():
        if not n:
            continue
        w = width * n / total
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
            f'fill="{COLORS.get(status, "#555")}"><title>{escape(status)}: {n}</title></rect>')
        if w > 28:
            parts.append(f'<text x="{x + w / 2:.1f}" y="{height / 2 + 5}" fill="#fff" '
                         f'font-size="13" text-anchor="middle">{n}</text>')
        x += w
    legend = []
    lx = 0
    for status, n in counts.items():
        if not n:
            continue
        legend.append(f'<rect x="{lx}" y="{height + 10}" width="12" height="12" '
                      f'fill="{COLORS.get(status, "#555")}"/><text x="{lx + 16}" '
                      f'y="{height + 21}" font-size="12">{escape(status)} {n}</text>')
        lx += 110
    return _svg(f'<svg role="img" aria-label="results by status" width="{width}" '
                f'height="{height + 30}" viewBox="0 0 {width} {height + 30}" '
                f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}{"".join(legend)}</svg>')


def before_after_bars(rows: Sequence[tuple[str, float, float, str]], *,
                      width: int = 560) -> Markup:
    """Paired bars per metric: (label, before, after, direction) scaled to the larger value."""
    bar_h, gap, label_w = 12, 14, 230
    height = len(rows) * (2 * bar_h + gap) + 24
    scale_w = width - label_w - 70
    out = []
    y = 20
    out.append('<text x="0" y="12" font-size="12" fill="#555">'
               '<tspan fill="#90a4ae">■</tspan> before  <tspan fill="#1565c0">■</tspan> after'
               '</text>')
    for label, before, after, direction in rows:
        top = max(abs(before), abs(after)) or 1.0
        color = {"better": "#2e7d32", "worse": "#c62828"}.get(direction, "#1565c0")
        out.append(f'<text x="0" y="{y + bar_h + 4}" font-size="12">{escape(label)}</text>')
        for i, (value, fill) in enumerate(((before, "#90a4ae"), (after, color))):
            w = max(1.0, scale_w * abs(value) / top)
            yy = y + i * bar_h
            out.append(f'<rect x="{label_w}" y="{yy}" width="{w:.1f}" height="{bar_h - 2}" '
                       f'fill="{fill}"><title>{escape(label)}: {format_number(value)}</title>'
                       f'</rect><text x="{label_w + w + 4:.1f}" y="{yy + bar_h - 3}" '
                       f'font-size="11">{format_number(value)}</text>')
        y += 2 * bar_h + gap
    return _svg(f'<svg role="img" aria-label="before and after" width="{width}" '
                f'height="{height}" viewBox="0 0 {width} {height}" '
                f'xmlns="http://www.w3.org/2000/svg">{"".join(out)}</svg>')


def _svg(markup: str) -> Markup:
    """Mark chart markup safe: every piece of text in it went through ``escape`` above."""
    return Markup(markup)  # noqa: S704
