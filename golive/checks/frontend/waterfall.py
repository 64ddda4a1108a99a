"""Each page's network waterfall, as the browser pass saw it: when every request started, got
its first byte and finished (Resource Timing), which ones blocked rendering, which failed or
never completed, and where FCP and LCP fell. Kept in ``frontend.assets``' evidence and drawn
in its report view (the plan's "Analyze network waterfall")."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from golive.blocks import Block, Waterfall
from golive.checks.frontend.browser import PageProfile
from golive.checks.frontend.bundle import short

#: requests drawn per page (the slowest-ending beyond it are counted, not drawn)
MAX_ROWS = 60


def page_waterfall(profile: PageProfile) -> dict[str, Any]:
    """The rows of one page: every request the browser timed, in start order, then the failed
    requests it gave no timing for (a network error, a request that never completed)."""
    origin = urlsplit(profile.url).netloc
    failed = {str(f["url"]): f for f in profile.failed}
    rows: list[dict[str, Any]] = []
    untimed: list[dict[str, Any]] = []
    for r in profile.resources:
        label = short(r.url) if urlsplit(r.url).netloc == origin else r.url
        flags = []
        if r.render_blocking or failed.get(r.url, {}).get("blocking"):
            flags.append("render-blocking")
        if r.status >= 400 or r.url in failed:
            flags.append("failed")
        row = {"label": label, "kind": r.kind, "status": r.status, "flags": flags,
               "bytes": r.transfer_bytes}
        if r.start_ms < 0:
            untimed.append({**row, "start": None, "first_byte": None, "end": None})
            continue
        rows.append({**row, "start": round(r.start_ms, 1),
                     "first_byte": round(r.first_byte_ms, 1), "end": round(r.end_ms, 1)})
    timed = {r.url for r in profile.resources}
    for url, item in failed.items():
        if url in timed:
            continue
        label = short(url) if urlsplit(url).netloc == origin else url
        flags = (["render-blocking"] if item.get("blocking") else []) + [
            "never completed" if item.get("never_completed") else "failed"]
        untimed.append({"label": label, "kind": item.get("kind", ""), "status": None,
                        "flags": flags, "bytes": 0, "start": None, "first_byte": None,
                        "end": None, "error": str(item.get("error", ""))})
    rows.sort(key=lambda r: (r["start"], r["end"]))
    markers = {name.removesuffix("_ms").upper(): round(profile.vitals[name], 1)
               for name in ("fcp_ms", "lcp_ms") if name in profile.vitals}
    return {"rows": rows[:MAX_ROWS] + untimed, "left_out": max(0, len(rows) - MAX_ROWS),
            "markers": markers,
            "finished_ms": max((r["end"] for r in rows), default=0.0),
            "blocking_done_ms": max((r["end"] for r in rows if "render-blocking" in r["flags"]),
                                    default=0.0)}


def waterfall_views(evidence: dict[str, Any]) -> list[Block]:
    pages = evidence.get("waterfall")
    if not isinstance(pages, dict):
        return []
    blocks: list[Block] = []
    for page, data in pages.items():
        if not isinstance(data, dict) or not data.get("rows"):
            continue
        title = (f"Network waterfall of {page}: {len(data['rows'])} requests, the last done at "
                 f"{data.get('finished_ms', 0):.0f} ms")
        if data.get("blocking_done_ms"):
            title += f"; render-blocking requests done at {data['blocking_done_ms']:.0f} ms"
        if data.get("left_out"):
            title += f" ({data['left_out']} later requests not drawn)"
        blocks.append(Waterfall(title, tuple(data["rows"]),
                                tuple((str(k), float(v))
                                      for k, v in (data.get("markers") or {}).items())))
    return blocks
