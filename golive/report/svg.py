"""Small inline SVG charts for the HTML report (no JavaScript, no external files)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from golive.blocks import Series
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
    """Paired bars per metric: (label, before, after, verdict) scaled to the larger value."""
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
        color = {"improvement": "#2e7d32", "regression": "#c62828"}.get(direction, "#1565c0")
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


LINE_COLORS = ("#2e7d32", "#f9a825", "#c62828", "#1565c0", "#6a1b9a", "#00838f")


def _f(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def time_series(block: Series, *, width: int = 640, height: int = 220) -> Markup:
    """A series block: its lines on the left axis, its bars on the right axis, the band
    shaded and the marks in red."""
    rows = [r for r in block.points if isinstance(r.get("t"), (int, float))]
    if not rows:
        return _svg("")
    left, right, top, bottom = 48, 48, 16, 28
    w, h = width - left - right, height - top - bottom
    t0 = min(_f(r["t"]) for r in rows)
    t1 = max(_f(r["t"]) for r in rows) or 1.0
    span = max(t1 - t0, 1.0)
    line_max = max((_f(r.get(k)) for r in rows for k in block.lines), default=1.0) or 1.0
    bar_max = max((_f(r.get(block.bars)) for r in rows), default=1.0) if block.bars else 1.0
    bar_max = bar_max or 1.0

    def x(t: float) -> float:
        return left + w * (t - t0) / span

    out = []
    band_key, _, band_value = block.band.partition("=")
    band = [_f(r["t"]) for r in rows if band_key and str(r.get(band_key)) == band_value]
    if band:
        out.append(f'<rect x="{x(min(band) - 1):.1f}" y="{top}" '
                   f'width="{max(2.0, x(max(band)) - x(min(band) - 1)):.1f}" height="{h}" '
                   f'fill="#e3f2fd"><title>{escape(block.band)}</title></rect>')
    bar_w = max(1.0, w / max(len(rows), 1) * 0.6)
    for r in rows:
        t = _f(r["t"])
        if block.bars:
            value = _f(r.get(block.bars))
            bh = h * value / bar_max
            out.append(f'<rect x="{x(t) - bar_w / 2:.1f}" y="{top + h - bh:.1f}" '
                       f'width="{bar_w:.1f}" height="{bh:.1f}" fill="#cfd8dc">'
                       f'<title>{format_number(t)} s: {format_number(value)} '
                       f'{escape(block.bars_unit)}</title></rect>')
        if block.marks and r.get(block.marks):
            out.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{top + 6}" '
                       f'stroke="#c62828" stroke-width="3"><title>'
                       f'{escape(str(r[block.marks]))} {escape(block.marks)}</title></line>')
    for key, color in zip(block.lines, LINE_COLORS, strict=False):
        pts = [f"{x(_f(r['t'])):.1f},{top + h - h * _f(r[key]) / line_max:.1f}"
               for r in rows if r.get(key) is not None]
        if pts:
            out.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{color}" '
                       f'stroke-width="1.6"><title>{escape(key)}</title></polyline>')
    out.append(f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#999"/>')
    out.append(f'<text x="{left - 4}" y="{top + 8}" font-size="10" text-anchor="end">'
               f'{format_number(line_max)} {escape(block.unit)}</text>')
    out.append(f'<text x="{left - 4}" y="{top + h}" font-size="10" text-anchor="end">0</text>')
    if block.bars:
        out.append(f'<text x="{left + w + 4}" y="{top + 8}" font-size="10">'
                   f'{format_number(bar_max)} {escape(block.bars_unit)}</text>')
    out.append(f'<text x="{left}" y="{height - 8}" font-size="10">{format_number(t0)} s</text>')
    out.append(f'<text x="{left + w}" y="{height - 8}" font-size="10" text-anchor="end">'
               f'{format_number(t1)} s</text>')
    legend = [*zip(block.lines, LINE_COLORS, strict=False)]
    if block.bars:
        legend.append((block.bars, "#cfd8dc"))
    if band:
        legend.append((band_value or band_key, "#e3f2fd"))
    lx = left + 70
    for name, color in legend:
        out.append(f'<rect x="{lx}" y="{height - 17}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{lx + 13}" y="{height - 8}" font-size="10">{escape(name)}</text>')
        lx += 62
    return _svg(f'<svg role="img" aria-label="{escape(block.title)}" '
                f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
                f'xmlns="http://www.w3.org/2000/svg">{"".join(out)}</svg>')
