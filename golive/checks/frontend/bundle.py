"""frontend.bundle: how much JS and CSS the pages load, how much of it runs, how it shrank.

Sizes are decoded (uncompressed) bytes, as bundlers report them; ``*_transfer_bytes`` are the
bodies as sent (compressed, headers excluded).
Coverage comes from the DevTools protocol during the browser pass (load plus one interaction).
The size reduction is computed against the ``--baseline`` run's ``bundle_bytes``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from golive.blocks import Block, Table
from golive.checks import Check, CheckContext, higher, lower
from golive.checks.frontend.visit import browser_pass
from golive.results import Finding, Measurement, Result, Severity

KIB = 1024
#: Lighthouse's unused-javascript threshold: files wasting less are not worth a finding
UNUSED_MIN = 20 * KIB
UNUSED_HIGH = 500 * KIB


def short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path or url


def kib(size: float) -> str:
    return f"{size / KIB:,.0f} KiB" if size >= 10 * KIB else f"{size / KIB:.1f} KiB"


class BundleSize(Check):
    id = "frontend.bundle"
    title = "JS and CSS bundles: size, unused code, route splitting, reduction"
    better = (lower("bundle_bytes", "js_bytes", "css_bytes", "js_transfer_bytes",
                    "css_transfer_bytes", "unused_js_bytes", "unused_css_bytes", "unused_js_pct",
                    "unused_css_pct", "first_page_js_share_pct") | higher("reduction_pct"))
    fix = ("Split the bundle by route and load the rest on demand (dynamic import()); drop "
           "unused dependencies and CSS; check with the coverage the evidence lists per file.")

    @classmethod
    def views(cls, result: Result) -> list[Block]:
        files = result.evidence.get("files")
        if not isinstance(files, dict) or not files:
            return []
        rows = []
        for name, f in files.items():
            total, used = f.get("coverage_bytes"), f.get("used_bytes")
            unused = (f"{round(100 * (total - used) / total)} %"
                      if isinstance(total, (int, float)) and total and
                      isinstance(used, (int, float)) else "-")
            rows.append((name, f.get("kind"), f.get("bytes"), f.get("transfer_bytes"),
                         f.get("encoding"), unused))
        return [Table("JS and CSS files", ("file", "kind", "bytes", "sent bytes", "encoding",
                                           "unused"), tuple(rows),
                      numeric=("bytes", "sent bytes", "unused"), code=("file",))]

    def run(self, ctx: CheckContext) -> Measurement:
        visit = browser_pass(ctx)
        if (gap := visit.gap()) is not None:
            return gap
        files: dict[str, dict[str, Any]] = {}
        for profile in visit.profiles:
            for r in profile.resources:
                if r.kind in ("script", "stylesheet") and r.status < 400:
                    files.setdefault(r.url, {"kind": r.kind, "bytes": r.decoded_bytes,
                                             "transfer_bytes": r.encoded_bytes,
                                             "encoding": r.encoding or "none"})
            for c in profile.coverage:
                entry = files.setdefault(c.url, {"kind": c.kind, "bytes": c.total_bytes,
                                                 "transfer_bytes": 0, "encoding": "?"})
                # several pages: a byte used on any of them counts as used
                entry["used_bytes"] = max(entry.get("used_bytes", 0), c.used_bytes)
                entry["coverage_bytes"] = c.total_bytes
        metrics: dict[str, float] = {}
        findings: list[Finding] = []
        for kind, prefix in (("script", "js"), ("stylesheet", "css")):
            group = [f for f in files.values() if f["kind"] == kind]
            metrics[f"{prefix}_bytes"] = float(sum(f["bytes"] for f in group))
            metrics[f"{prefix}_transfer_bytes"] = float(sum(f["transfer_bytes"] for f in group))
            covered = [f for f in group if "used_bytes" in f]
            total = sum(f["coverage_bytes"] for f in covered)
            if total:
                unused = sum(f["coverage_bytes"] - f["used_bytes"] for f in covered)
                metrics[f"unused_{prefix}_bytes"] = float(unused)
                metrics[f"unused_{prefix}_pct"] = round(100 * unused / total, 1)
        metrics["bundle_bytes"] = metrics["js_bytes"] + metrics["css_bytes"]
        for url, f in files.items():
            if "used_bytes" not in f:
                continue
            unused = f["coverage_bytes"] - f["used_bytes"]
            share = unused / f["coverage_bytes"] if f["coverage_bytes"] else 0.0
            if unused < UNUSED_MIN or share < 0.5:
                continue
            is_js = f["kind"] == "script"
            severity = (Severity.HIGH if is_js and unused >= UNUSED_HIGH
                        else Severity.MEDIUM if is_js else Severity.LOW)
            findings.append(Finding(
                f"{'JS' if is_js else 'CSS'} file mostly unused: {kib(unused)} of "
                f"{kib(f['coverage_bytes'])} ({share:.0%}) never "
                f"{'ran' if is_js else 'matched'}", severity, location=short(url),
                detail=f"{kib(f['transfer_bytes'])} transferred ({f['encoding']})",
                fix=("split it: load what this page runs, import() the rest where it is "
                     "used; drop unused dependencies" if is_js else
                     "remove the unused rules (PurgeCSS or the framework's CSS pruning) or "
                     "split the stylesheet by page")))
        evidence: dict[str, Any] = {
            "files": {short(u): f for u, f in files.items()},
            "site_js": {short(u): n for u, n in visit.site_js.items()}, **visit.evidence(),
            "sizes": "decoded (uncompressed) bytes; *_transfer_bytes: the bodies as sent",
        }
        first = visit.profiles[0] if visit.profiles else None
        site_total = sum(visit.site_js.values())
        if first is not None and site_total:
            first_js = sum(r.decoded_bytes for r in first.resources if r.kind == "script")
            metrics["first_page_js_share_pct"] = round(100 * first_js / site_total, 1)
            evidence["route_splitting"] = (
                f"the first page loads {metrics['first_page_js_share_pct']:.0f} % of the "
                f"{kib(site_total)} of JS seen on {1 + len(visit.crawled)} page(s)")
        summary = (f"JS {kib(metrics['js_bytes'])} ({kib(metrics['js_transfer_bytes'])} "
                   f"sent), CSS {kib(metrics['css_bytes'])}")
        if "unused_js_pct" in metrics:
            summary += f"; {metrics['unused_js_pct']:.0f} % of the JS never ran"
        reduction = self._reduction(ctx, metrics["bundle_bytes"], evidence)
        if reduction is not None:
            metrics["reduction_pct"] = reduction
            summary += f"; {reduction:+.0f} % smaller than the baseline"
        return Measurement(metrics=metrics, findings=findings, evidence=evidence,
                           summary=summary)

    def _reduction(self, ctx: CheckContext, now: float, evidence: dict[str, Any]) -> float | None:
        if ctx.baseline is None:
            evidence["reduction"] = ("no baseline: run with --baseline NAME to measure the "
                                     "reduction against a saved run")
            return None
        before = next((r.metrics.get("bundle_bytes") for r in ctx.baseline.results
                       if r.check == self.id), None)
        if not before:
            evidence["reduction"] = (f"the baseline run {ctx.baseline.id} has no "
                                     f"{self.id} bundle_bytes")
            return None
        evidence["reduction"] = {"baseline_run": ctx.baseline.id, "before_bytes": before,
                                 "after_bytes": now}
        return round(100 * (before - now) / before, 1)
