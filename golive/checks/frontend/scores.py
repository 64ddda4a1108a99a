"""frontend.lighthouse: Lighthouse's four category scores and lab timings, median of N runs."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from golive.blocks import Block, Table
from golive.checks import Check, CheckContext, higher, lower
from golive.checks.frontend.lighthouse import (
    SCORE_METRICS,
    TIMINGS,
    LighthouseError,
    LighthouseRun,
    errored_audits,
    failing_audits,
    median_run,
    run_lighthouse,
)
from golive.checks.frontend.settings import FrontendConfig
from golive.checks.frontend.tools import INSTALL, LIGHTHOUSE_VERSION, Tools, find_tools
from golive.checks.frontend.visit import browser_options, pages_or_skip
from golive.results import Artifact, Finding, Measurement, Result, Severity

#: the timings reported (time to interactive only picks the median run); the worst page's is
#: the largest figure
_TIMING_METRICS = tuple(name for name in TIMINGS.values() if name != "tti_ms")
#: a spread of the performance score across runs beyond this many points is reported
NOISY_SPREAD = 10.0


def slug(page: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", page.lower()).strip("-") or "home"


def runs_for(ctx: CheckContext) -> int:
    configured = ctx.config.table(FrontendConfig).runs
    return configured or (3 if ctx.profile == "full" else 1)


class LighthouseScores(Check):
    id = "frontend.lighthouse"
    title = "Lighthouse scores (performance, accessibility, best practices, SEO)"
    fix = ("Open the kept Lighthouse report of the page and fix its failing audits, largest "
           "weight first.")
    slo = ("min_score >= 85",)
    trends = ("performance_score", "accessibility_score", "best_practices_score",
              "seo_score")
    better = (higher("performance_score", "accessibility_score", "best_practices_score",
                     "seo_score", "min_score", "mean_performance_score",
                     *(f"{ff}_{k}" for ff in ("mobile", "desktop")
                       for k in ("performance_score", "accessibility_score",
                                 "best_practices_score", "seo_score", "min_score")))
              | lower("fcp_ms", "lcp_ms", "tbt_ms", "cls", "si_ms", "tti_ms",
                      *(f"{ff}_{k}" for ff in ("mobile", "desktop")
                        for k in ("lcp_ms", "tbt_ms", "cls"))))

    @classmethod
    def views(cls, result: Result) -> list[Block]:
        pages = result.evidence.get("pages")
        if not isinstance(pages, dict) or not pages:
            return []
        tables: list[Block] = [_page_table(pages, str(result.evidence.get("form_factor") or ""))]
        other = result.evidence.get("other_form_factor")
        if isinstance(other, dict) and isinstance(other.get("pages"), dict):
            tables.append(_page_table(other["pages"], str(other.get("form_factor", ""))
                                      + ", reported beside, does not decide"))
        return tables

    def run(self, ctx: CheckContext) -> Measurement:
        tools = find_tools(ctx.config.table(FrontendConfig))
        missing = tools.missing_lighthouse()
        if missing:
            return Measurement.skip(missing, INSTALL)
        pages, why, left_out = pages_or_skip(ctx)
        if why:
            return Measurement.skip(why)
        settings = ctx.config.table(FrontendConfig)
        count = runs_for(ctx)
        deciding = _measure(ctx, tools, pages, settings.form_factor, count)
        if not deciding.medians:
            return Measurement(inconclusive="every Lighthouse run failed: " + "; ".join(
                deciding.failures[-3:]), evidence={"failures": deciding.failures})
        metrics = _worst(list(deciding.medians.values()))
        first = next(iter(deciding.medians.values()))
        evidence: dict[str, Any] = {
            "form_factor": settings.form_factor,
            "pages": deciding.per_page, "runs_per_page": count, "lighthouse": first.version,
            "settings": first.settings, "failures": deciding.failures, "left_out": left_out,
            "median": "the run closest to the median FCP and TTI (Lighthouse CI's rule)",
        }
        summary = _scores_text(metrics) + (
            f" ({settings.form_factor}, median of {count} run{'s' if count > 1 else ''}, "
            f"worst of {len(deciding.medians)} page{'s' if len(deciding.medians) > 1 else ''})")
        artifacts = list(deciding.artifacts)
        both = (settings.both_form_factors if settings.both_form_factors is not None
                else ctx.profile == "full")
        if both:
            other_ff = "desktop" if settings.form_factor == "mobile" else "mobile"
            other = _measure(ctx, tools, pages, other_ff, count, prefix=f"{other_ff}-")
            artifacts += other.artifacts
            evidence["other_form_factor"] = {"form_factor": other_ff, "pages": other.per_page,
                                             "failures": other.failures}
            if other.medians:
                worst = _worst(list(other.medians.values()))
                metrics.update({f"{other_ff}_{k}": v for k, v in worst.items()
                                if k in OTHER_METRICS})
                evidence["other_form_factor"]["settings"] = next(
                    iter(other.medians.values())).settings
                summary += f"; {other_ff} (reported, does not decide): {_scores_text(worst)}"
            else:
                summary += f"; {other_ff}: every run failed"
        unscored = sorted({k for r in deciding.medians.values() for k, v in r.scores.items()
                           if v is None})
        noisy = [p for p, v in deciding.per_page.items()
                 if v["performance_spread"] > NOISY_SPREAD]
        if noisy:
            summary += (f"; the performance score varied by more than {NOISY_SPREAD:.0f} "
                        f"points across runs on {', '.join(noisy)}")
        inconclusive = None
        if unscored:
            inconclusive = (f"Lighthouse gave no score for {', '.join(unscored)} (an audit "
                            "errored; see the kept report's runWarnings)")
        if first.version and first.version != LIGHTHOUSE_VERSION:
            evidence["note"] = (f"Lighthouse {first.version} ran; golive pins "
                                f"{LIGHTHOUSE_VERSION}, whose audits and weights it knows")
        lab = LabVitals(settings.form_factor, {
            page: {k: run.timings[k] for k in ("cls", "lcp_ms") if k in run.timings}
            for page, run in deciding.medians.items()})
        return Measurement(metrics=metrics, findings=deciding.findings, evidence=evidence,
                           summary=summary, inconclusive=inconclusive, artifacts=artifacts,
                           facts=[lab])


@dataclass(frozen=True)
class LabVitals:
    """Fact: Lighthouse's lab CLS and LCP per page (its median run), for frontend.vitals to set
    beside its own."""

    form_factor: str
    pages: dict[str, dict[str, float]]


#: the other form factor's metrics kept, prefixed with its name (``desktop_min_score``)
OTHER_METRICS = (*SCORE_METRICS.values(), "min_score", "lcp_ms", "tbt_ms", "cls")


def _scores_text(metrics: dict[str, float]) -> str:
    return ", ".join(f"{k.removesuffix('_score').replace('_', ' ')} {metrics[k]:.0f}"
                     for k in SCORE_METRICS.values() if k in metrics)


def _page_table(pages: dict[str, Any], form_factor: str) -> Table:
    keys = ("performance_score", "accessibility_score", "best_practices_score", "seo_score")
    rows = []
    for page, p in pages.items():
        scores, timings = p.get("scores") or {}, p.get("timings") or {}
        rows.append((page, *(scores.get(k) for k in keys), timings.get("lcp_ms"),
                     timings.get("tbt_ms"), timings.get("cls"),
                     f"{len(p.get('runs') or [])} (#{p.get('median_run')})"))
    columns = ("page", "performance", "accessibility", "best practices", "SEO", "LCP ms",
               "TBT ms", "CLS", "runs (median)")
    title = "Lighthouse per page" + (f" ({form_factor})" if form_factor else "")
    return Table(title, columns, tuple(rows), numeric=columns[1:8], code=("page",))


@dataclass
class _FormFactorRuns:
    per_page: dict[str, dict[str, Any]] = field(default_factory=dict)
    medians: dict[str, LighthouseRun] = field(default_factory=dict)
    artifacts: list[Artifact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _measure(ctx: CheckContext, tools: Tools, pages: list[str], form_factor: str, count: int,
             *, prefix: str = "") -> _FormFactorRuns:
    """Every page ``count`` times on one form factor; artifacts named ``lighthouse-{prefix}``."""
    out = _FormFactorRuns()
    options = {**browser_options(ctx), "form_factor": form_factor}
    for page in pages:
        url = ctx.target.rstrip("/") + page
        runs = _runs(tools, url, count, options, f"{prefix}{page}", out.failures,
                     ctx.progress)
        if not runs:
            continue
        median = median_run(runs)
        out.medians[page] = median
        perf = [v for r in runs if (v := r.scores.get("performance_score")) is not None]
        out.per_page[page] = {
            "median_run": runs.index(median) + 1, "scores": median.scores,
            "timings": median.timings, "warnings": median.warnings,
            "runs": [r.summary() for r in runs],
            "performance_spread": (max(perf) - min(perf)) if len(perf) > 1 else 0.0,
        }
        name = prefix + slug(page)
        out.artifacts.append(Artifact(f"lighthouse-{name}.report.json", "application/json",
                                      json.dumps(median.lhr).encode()))
        if median.html:
            out.artifacts.append(Artifact(f"lighthouse-{name}.report.html", "text/html",
                                          median.html))
        for audit in failing_audits(median.lhr):
            out.findings.append(Finding(
                f"Lighthouse: {audit['title']}", Severity.INFO, location=page,
                detail=" ".join(x for x in (audit["display"],
                                            ", ".join(audit["urls"][:3])) if x),
                fix=f"see the '{audit['id']}' audit in the kept report"))
    return out


def _runs(tools: Tools, url: str, count: int, options: dict[str, Any], page: str,
          failures: list[str], progress: Callable[[str], None]) -> list[LighthouseRun]:
    """``count`` scored runs of one page, with one retry for a failed or unscored run; an
    unscored run only when nothing better came. Each failure is added to ``failures``."""
    runs: list[LighthouseRun] = []
    partial: list[LighthouseRun] = []
    attempts = 0
    while len(runs) < count and attempts < count + 1:
        attempts += 1
        progress(f"lighthouse {page}: run {len(runs) + 1} of {count}")
        try:
            run = run_lighthouse(tools, url, **options)
        except LighthouseError as err:
            failures.append(f"{page} attempt {attempts}: {err}")
            continue
        unscored = [k for k, v in run.scores.items() if v is None]
        if unscored:  # an audit errored: try again, keep the run as a last resort
            failures.append(f"{page} attempt {attempts}: no {', '.join(unscored)} "
                            f"({'; '.join(errored_audits(run.lhr)) or 'no reason'})")
            partial.append(run)
            continue
        runs.append(run)
    return runs or partial[:1]


def _worst(medians: list[LighthouseRun]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for name in SCORE_METRICS.values():
        values = [v for r in medians if (v := r.scores.get(name)) is not None]
        if values:
            metrics[name] = float(min(values))
    scored = [metrics[n] for n in SCORE_METRICS.values() if n in metrics]
    if len(scored) == len(SCORE_METRICS):
        metrics["min_score"] = min(scored)
    for name in _TIMING_METRICS:
        values = [r.timings[name] for r in medians if name in r.timings]
        if values:
            metrics[name] = max(values)
    if len(medians) > 1:
        metrics["pages"] = float(len(medians))
    perf = [v for r in medians if (v := r.scores.get("performance_score")) is not None]
    if len(perf) > 1:
        metrics["mean_performance_score"] = round(statistics.fmean(perf), 1)
    return metrics
