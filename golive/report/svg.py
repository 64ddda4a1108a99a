"""Small inline SVG charts for the HTML report (no JavaScript, no external files)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from golive.blocks import Series, Waterfall
from golive.results import format_number

COLORS = {
    "pass": "#2e7d32", "fail": "#c62828", "warn": "#f9a825", "inconclusive": "#8e24aa",
    "skipped": "#9e9e9e", "error": "#6a1b9a", "manual": "#0277bd",
}


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


KIND_COLORS = {"document": "#1565c0", "script": "#f9a825", "stylesheet": "#8e24aa",
               "image": "#2e7d32", "font": "#00838f", "fetch": "#6d4c41", "xhr": "#6d4c41"}


def _tick(span: float) -> float:
    """A round axis step giving about six ticks over ``span``."""
    step = 1.0
    raw = span / 6 or 1.0
    magnitude = 10 ** len(str(int(raw))) / 10
    for m in (1, 2, 5, 10):
        step = m * magnitude
        if step >= raw:
            break
    return step


def waterfall(block: Waterfall, *, width: int = 1040) -> Markup:
    """A page load: one bar per request (waiting light, downloading dark, coloured by kind),
    render-blocking requests outlined in orange, failed ones in red, markers as lines."""
    rows = list(block.rows)
    if not rows:
        return _svg("")
    label_w, row_h, top = 330, 17, 22
    bottom = 24 + 11 * max(1, len(block.markers))  # a line per marker label, then the legend
    ends = [_f(r.get("end")) for r in rows if r.get("end") is not None]
    starts = [_f(r.get("start")) for r in rows if r.get("start") is not None]
    span = max([*ends, *starts, *(v for _, v in block.markers), 1.0])
    plot_w = width - label_w - 60
    height = top + len(rows) * row_h + bottom

    def x(t: float) -> float:
        return label_w + plot_w * t / span

    out = [f'<rect x="0" y="{top + i * row_h}" width="{width}" height="{row_h}" fill="#f5f5f5"/>'
           for i in range(1, len(rows), 2)]
    step = _tick(span)
    t = 0.0
    while t <= span + 1e-9:
        out.append(f'<line x1="{x(t):.1f}" y1="{top - 4}" x2="{x(t):.1f}" '
                   f'y2="{top + len(rows) * row_h}" stroke="#eee"/>'
                   f'<text x="{x(t):.1f}" y="{top - 8}" font-size="10" text-anchor="middle">'
                   f'{escape(_duration(t, block.unit))}</text>')
        t += step
    for i, r in enumerate(rows):
        y = top + i * row_h
        flags = [str(f) for f in r.get("flags", ())]
        failed = "failed" in flags or r.get("end") is None
        label = str(r.get("label", ""))
        shown = label if len(label) <= 48 else "…" + label[-47:]
        if r.get("start") is None:  # failed without a timing: said, not drawn
            why = ", ".join(flags) + (f": {r['error']}" if r.get("error") else "")
            out.append(f'<text x="{label_w - 6}" y="{y + row_h - 5}" font-size="11" '
                       f'text-anchor="end" fill="#c62828">{escape(shown)}</text>'
                       f'<text x="{label_w + 4}" y="{y + row_h - 5}" font-size="10" '
                       f'fill="#c62828">{escape(why)} (no timing from the browser)</text>')
            continue
        start = _f(r.get("start"))
        first = max(start, _f(r.get("first_byte", start)))
        end = span if r.get("end") is None else max(first, _f(r.get("end")))
        color = KIND_COLORS.get(str(r.get("kind", "")), "#757575")
        tip = (f"{label} ({r.get('kind', '')}): starts {_duration(start, block.unit)}, "
               f"first byte {_duration(first, block.unit)}, "
               + ("never completed" if r.get("end") is None
                  else f"done {_duration(end, block.unit)}")
               + (f"; {', '.join(flags)}" if flags else ""))
        out.append(f'<text x="{label_w - 6}" y="{y + row_h - 5}" font-size="11" '
                   f'text-anchor="end" fill="{"#c62828" if failed else "#222"}">'
                   f'{escape(shown)}<title>{escape(tip)}</title></text>')
        wait_w = max(1.0, x(first) - x(start))
        out.append(f'<rect x="{x(start):.1f}" y="{y + 3}" width="{wait_w:.1f}"'
                   f' height="{row_h - 6}" fill="{color}" fill-opacity="0.35">'
                   f'<title>{escape(tip)}</title></rect>')
        stroke = ('stroke="#c62828" stroke-width="2"' if failed else
                  'stroke="#e65100" stroke-width="2"' if "render-blocking" in flags else "")
        dash = ' stroke-dasharray="4 2"' if r.get("end") is None else ""
        load_w = max(1.5, x(end) - x(first))
        out.append(f'<rect x="{x(first):.1f}" y="{y + 3}" width="{load_w:.1f}"'
                   f' height="{row_h - 6}" fill="{color}" {stroke}{dash}>'
                   f'<title>{escape(tip)}</title></rect>')
        if flags:
            out.append(f'<text x="{x(end) + 4:.1f}" y="{y + row_h - 5}" font-size="10" '
                       f'fill="{"#c62828" if failed else "#e65100"}">'
                       f'{escape(", ".join(flags))}</text>')
    for i, (name, value) in enumerate(block.markers):
        out.append(f'<line x1="{x(value):.1f}" y1="{top - 4}" x2="{x(value):.1f}" '
                   f'y2="{top + len(rows) * row_h}" stroke="#c62828" stroke-dasharray="3 3">'
                   f'<title>{escape(name)} {escape(_duration(value, block.unit))}</title></line>'
                   f'<text x="{x(value) + 3:.1f}" y="{top + len(rows) * row_h + 12 + 11 * i}" '
                   f'font-size="10" fill="#c62828">{escape(name)} '
                   f'{escape(_duration(value, block.unit))}</text>')
    ly = height - 8
    lx = 0
    for name, color in (("waiting (to first byte)", "#90a4ae"), ("downloading", "#546e7a")):
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{lx + 13}" y="{ly}" font-size="10">{name}</text>')
        lx += 150
    for name, color in (("render-blocking", "#e65100"), ("failed / never completed", "#c62828")):
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="none" '
                   f'stroke="{color}" stroke-width="2"/>'
                   f'<text x="{lx + 13}" y="{ly}" font-size="10">{name}</text>')
        lx += 170
    for kind, color in KIND_COLORS.items():
        if kind in ("xhr",) or not any(r.get("kind") == kind for r in rows):
            continue
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{lx + 13}" y="{ly}" font-size="10">{kind}</text>')
        lx += 80
    return _svg(f'<svg role="img" aria-label="{escape(block.title)}" width="{width}" '
                f'height="{height}" viewBox="0 0 {width} {height}" '
                f'xmlns="http://www.w3.org/2000/svg">{"".join(out)}</svg>')


def _duration(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"
    return f"{format_number(value)} {unit}"
