"""Run Lighthouse with fixed settings, read its report, pick the median run.

The call is the one FIELD-NOTES verified with Lighthouse 12.2.3 on Debian's Chromium 156: the
audits skipped below crash there (``frame_sequence``) and all weigh 0 in their category, so the
category scores are unaffected.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checks.frontend.tools import CHROME_FLAGS, Tools
from golive.safety import browser_args

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
#: our metric name for each category score
SCORE_METRICS = {"performance": "performance_score", "accessibility": "accessibility_score",
                 "best-practices": "best_practices_score", "seo": "seo_score"}
#: our metric name for each Lighthouse timing audit
TIMINGS = {"first-contentful-paint": "fcp_ms", "largest-contentful-paint": "lcp_ms",
           "total-blocking-time": "tbt_ms", "cumulative-layout-shift": "cls",
           "speed-index": "si_ms", "interactive": "tti_ms"}
SKIP_AUDITS = ("layout-shifts", "largest-contentful-paint-element", "lcp-lazy-loaded",
               "non-composited-animations", "prioritize-lcp-image")


class LighthouseError(Exception):
    """One run that produced no usable report."""


@dataclass
class LighthouseRun:
    """The figures of one run, plus its whole report (JSON) and Lighthouse's HTML view."""

    scores: dict[str, float | None]  # our metric name -> 0..100 (None: not scored)
    timings: dict[str, float]
    warnings: list[str]
    settings: dict[str, Any]
    version: str
    lhr: dict[str, Any] = field(repr=False)
    html: bytes = field(default=b"", repr=False)

    def summary(self) -> dict[str, Any]:
        return {"scores": self.scores, "timings": self.timings, "warnings": self.warnings}


def command(tools: Tools, url: str, out: Path, *, form_factor: str,
            headers: dict[str, str], insecure: bool = False,
            allow: tuple[str, ...] = ()) -> list[str]:
    flags = [*CHROME_FLAGS, *browser_args(allow)]
    if insecure:  # a private CA the browser cannot be told about; security.tls checks the chain
        flags.append("--ignore-certificate-errors")
    args = [tools.lighthouse or "lighthouse", url, f"--chrome-flags={' '.join(flags)}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--skip-audits={','.join(SKIP_AUDITS)}",
            "--output=json", "--output=html", f"--output-path={out}", "--quiet",
            "--max-wait-for-load=45000"]
    if form_factor == "desktop":
        args.append("--preset=desktop")
    if headers:
        args.append(f"--extra-headers={json.dumps(headers)}")
    return args


def run_lighthouse(tools: Tools, url: str, *, form_factor: str = "desktop",
                   headers: dict[str, str] | None = None, insecure: bool = False,
                   timeout_s: float = 150, allow: tuple[str, ...] = ()) -> LighthouseRun:
    with tempfile.TemporaryDirectory(prefix="golive-lh-") as tmp:
        out = Path(tmp) / "run"
        args = command(tools, url, out, form_factor=form_factor, headers=headers or {},
                       insecure=insecure, allow=allow)
        env = {**os.environ, "CHROME_PATH": tools.chromium or ""}
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s,
                                  env=env, cwd=tmp, check=False)
        except subprocess.TimeoutExpired:
            raise LighthouseError(f"Lighthouse did not finish within {timeout_s:.0f} s") from None
        report = Path(f"{out}.report.json")
        if not report.exists():
            tail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
            raise LighthouseError(f"Lighthouse wrote no report: {tail}")
        lhr = json.loads(report.read_text(encoding="utf-8"))
        html_path = Path(f"{out}.report.html")
        html = html_path.read_bytes() if html_path.exists() else b""
    return parse_report(lhr, html)


def parse_report(lhr: dict[str, Any], html: bytes = b"") -> LighthouseRun:
    """Our figures from one Lighthouse result (LHR). A runtime error raises."""
    error = lhr.get("runtimeError")
    if error:
        raise LighthouseError(f"Lighthouse: {error.get('code')}: {error.get('message', '')}")
    categories = lhr.get("categories") or {}
    scores: dict[str, float | None] = {}
    for cid, name in SCORE_METRICS.items():
        raw = (categories.get(cid) or {}).get("score")
        scores[name] = None if raw is None else round(float(raw) * 100, 1)
    audits = lhr.get("audits") or {}
    timings = {}
    for aid, name in TIMINGS.items():
        value = (audits.get(aid) or {}).get("numericValue")
        if isinstance(value, (int, float)):
            timings[name] = float(value)
    settings = lhr.get("configSettings") or {}
    kept = {k: settings.get(k) for k in ("formFactor", "throttlingMethod", "throttling",
                                         "screenEmulation", "emulatedUserAgent", "skipAudits")}
    kept["benchmarkIndex"] = (lhr.get("environment") or {}).get("benchmarkIndex")
    return LighthouseRun(scores=scores, timings=timings,
                         warnings=[str(w) for w in lhr.get("runWarnings") or []],
                         settings=kept, version=str(lhr.get("lighthouseVersion", "")),
                         lhr=lhr, html=html)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def median_run(runs: list[LighthouseRun]) -> LighthouseRun:
    """The run closest to the median FCP and time to interactive, as Lighthouse CI picks it
    (``computeMedianRun``): the sum of both squared relative distances, smallest first."""
    if not runs:
        raise ValueError("no runs")
    valid = [r for r in runs if "fcp_ms" in r.timings and "tti_ms" in r.timings]
    if not valid:
        return runs[0]
    fcp = _median([r.timings["fcp_ms"] for r in valid])
    tti = _median([r.timings["tti_ms"] for r in valid])

    def distance(run: LighthouseRun) -> float:
        d_fcp = (fcp - run.timings["fcp_ms"]) / fcp if fcp else 0.0
        d_tti = (tti - run.timings["tti_ms"]) / tti if tti else 0.0
        return d_fcp * d_fcp + d_tti * d_tti

    return min(valid, key=distance)  # min keeps the first of equals, as a stable sort does


def failing_audits(lhr: dict[str, Any], limit: int = 8) -> list[dict[str, Any]]:
    """Audits that cost points or show savings, worst first, with the URLs they name."""
    audits = lhr.get("audits") or {}
    weights: dict[str, float] = {}
    for cid in CATEGORIES:
        for ref in (lhr.get("categories") or {}).get(cid, {}).get("auditRefs", []):
            weights[ref["id"]] = max(weights.get(ref["id"], 0.0), float(ref.get("weight", 0)))
    out = []
    for aid, audit in audits.items():
        score = audit.get("score")
        mode = audit.get("scoreDisplayMode")
        if score is None or mode not in ("binary", "numeric", "metricSavings") or score >= 0.9:
            continue
        if aid in TIMINGS:  # the timings are metrics of their own
            continue
        items = ((audit.get("details") or {}).get("items")) or []
        urls = [str(i["url"]) for i in items if isinstance(i, dict) and i.get("url")][:5]
        out.append({"id": aid, "title": audit.get("title", aid), "score": score,
                    "weight": weights.get(aid, 0.0),
                    "display": audit.get("displayValue", ""), "urls": urls})
    out.sort(key=lambda a: (-a["weight"], a["score"]))
    return out[:limit]


def errored_audits(lhr: dict[str, Any]) -> list[str]:
    """'audit-id: message' for each audit that errored in a run."""
    return [f"{aid}: {str(audit.get('errorMessage', ''))[:120]}"
            for aid, audit in (lhr.get("audits") or {}).items()
            if audit.get("scoreDisplayMode") == "error"]
