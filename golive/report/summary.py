"""What the first screen of a report says, as data: the verdict in one sentence, the plan's
progress per task, the failures most severe first (figure against threshold, where, fix) and,
for a comparison, one headline figure per check. Pure functions of stored runs; every report
(HTML, terminal, the server) reads the same."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from golive.compare import NOT_JUDGED, REGRESSION, Comparison
from golive.report.units import expression, human, metric_label
from golive.results import SEVERITY_RANK, Result, Severity, Status
from golive.store import RunRecord

#: the plan's item statuses as a reader groups them, in bar order
CATEGORIES = ("passing", "failing", "warning", "inconclusive", "manual", "not measured")
_CATEGORY = {"pass": "passing", "fail": "failing", "warn": "warning", "inconclusive":
             "inconclusive", "error": "inconclusive", "manual": "manual",
             "skipped": "not measured"}


def category(status: str) -> str:
    return _CATEGORY.get(status, "not measured")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class TaskProgress:
    task: str  # the task id, or checklist:Category
    title: str
    counts: dict[str, int]
    anchor: str

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def task_titles(run: RunRecord) -> dict[str, str]:
    """Task id -> title, from the plan text the run read (empty without one)."""
    if not run.plan_text:
        return {}
    from golive.plan import parse_text

    try:
        plan = parse_text(run.plan_text)
    except Exception:  # a stored plan that no longer parses still leaves the ids
        return {}
    titles = {t.id: t.title for t in plan.tasks}
    titles.update({f"checklist:{c.name}": f"Checklist: {c.name}" for c in plan.checklist})
    return titles


def plan_progress(run: RunRecord) -> list[TaskProgress]:
    titles = task_titles(run)
    tasks: dict[str, Counter[str]] = {}
    for c in run.criteria:
        tasks.setdefault(str(c["task"]), Counter())[category(str(c["status"]))] += 1
    return [TaskProgress(task, titles.get(task, task.removeprefix("checklist:")),
                         {k: counts.get(k, 0) for k in CATEGORIES},
                         f"plan-{run.id}-{slug(task)}")
            for task, counts in tasks.items()]


def plan_totals(run: RunRecord) -> dict[str, int]:
    counts = Counter(category(str(c["status"])) for c in run.criteria)
    return {k: counts.get(k, 0) for k in CATEGORIES}


def verdict_sentence(run: RunRecord) -> str:
    """Why the run has its verdict, in one sentence."""
    results = run.results
    counts = Counter(r.status for r in results)
    if run.verdict == "not-ready":
        failed = [r for r in results if r.status is Status.FAIL]
        areas = Counter(r.area for r in failed)
        where = ", ".join(f"{n} in {a}" for a, n in areas.most_common())
        return (f"Not ready: {len(failed)} of {len(results)} checks fail ({where})"
                + _gaps(counts) + ".")
    if run.verdict == "ready":
        passed = counts[Status.PASS] + counts[Status.WARN]
        text = f"Ready: no check fails ({passed} of {len(results)} passed"
        text += f", {counts[Status.WARN]} with warnings)" if counts[Status.WARN] else ")"
        return text + _gaps(counts) + "."
    return f"Incomplete: {run.reason or 'the run did not finish'}."


def _gaps(counts: Counter[Status]) -> str:
    parts = [f"{counts[s]} {s}" for s in (Status.INCONCLUSIVE, Status.ERROR, Status.SKIPPED)
             if counts[s]]
    return "; " + ", ".join(parts) if parts else ""


@dataclass(frozen=True)
class FailureView:
    check: str
    title: str
    status: str
    figures: list[str]
    where: list[str]
    more_where: int
    fix: str
    severity: str  # the worst finding's, or the check's severity
    anchor: str
    summary: str = ""


def _worst(r: Result) -> int:
    return max((SEVERITY_RANK[f.severity] for f in r.findings), default=-1)


def result_anchor(run_id: int, check: str) -> str:
    return f"r-{run_id}-{slug(check)}"


def failures(run: RunRecord) -> list[FailureView]:
    """Failed (and errored) checks, most severe first: blocking before warning-only checks,
    then the worst finding, then how many figures miss their threshold."""
    failed = [r for r in run.results if r.status in (Status.FAIL, Status.ERROR)]
    failed.sort(key=lambda r: (r.status is not Status.FAIL, r.severity != "blocking",
                               -_worst(r), -sum(1 for t in r.thresholds if t.ok is False),
                               r.check))
    out = []
    for r in failed:
        figures = [f"{metric_label(t.metric)} {human(t.metric, t.actual)}, "
                   f"needs {expression(t.expression)}"
                   for t in r.thresholds if t.ok is False and t.actual is not None]
        findings = sorted(r.findings, key=lambda f: -SEVERITY_RANK[f.severity])
        if not figures and findings:
            figures = [findings[0].title]
        places = list(dict.fromkeys(f.location for f in findings
                                    if f.location and f.severity is not Severity.INFO))
        fix = next((f.fix for f in findings if f.fix), "") or r.fix
        worst = findings[0].severity if findings else ""
        out.append(FailureView(
            r.check, r.title, str(r.status), figures, places[:3], max(0, len(places) - 3), fix,
            str(worst), result_anchor(run.id, r.check),
            r.reason if r.status is Status.ERROR else ""))
    return out


@dataclass(frozen=True)
class Headline:
    check: str
    title: str
    before_status: str
    after_status: str
    metric: str
    label: str
    before: str
    after: str
    verdict: str
    note: str = ""
    anchor: str = ""


def headline_metric(*results: Result | None) -> str:
    """The figure a check is known by: its first threshold's metric, else its first metric."""
    for r in results:
        if r is None:
            continue
        for t in r.thresholds:
            if t.actual is not None:
                return t.metric
    for r in results:
        if r is not None and r.metrics:
            return next(iter(r.metrics))
    return ""


def headlines(comparison: Comparison) -> list[Headline]:
    """One row per check: status and headline figure before -> after, the figure judged by
    the comparison (noise-aware, the check's declared direction). Regressions first, then
    improvements, then the rest."""
    before = {r.check: r for r in comparison.before.results}
    after = {r.check: r for r in comparison.after.results}
    rows = []
    for s in comparison.statuses:
        ra, rb = before.get(s.check), after.get(s.check)
        metric = headline_metric(rb, ra)
        change = next((c for c in comparison.of(s.check)
                       if c.scope == "overall" and c.metric == metric), None)
        va = ra.metrics.get(metric) if ra else None
        vb = rb.metrics.get(metric) if rb else None
        verdict = change.verdict if change else NOT_JUDGED
        rows.append(Headline(
            s.check, (rb or ra).title if (rb or ra) else s.check,  # type: ignore[union-attr]
            str(s.before or "-"), str(s.after or "-"), metric, metric_label(metric),
            "-" if va is None else human(metric, va), "-" if vb is None else human(metric, vb),
            verdict, change.note if change else "",
            result_anchor(comparison.after.id, s.check)))
    order = {REGRESSION: 0, "improvement": 1}
    status_verdicts = {s.check: s.verdict for s in comparison.statuses}
    rows.sort(key=lambda h: (order.get(status_verdicts[h.check], 2), order.get(h.verdict, 2)))
    return rows


@dataclass
class FirstScreen:
    """Everything the top of one run's report shows."""

    sentence: str
    progress: list[TaskProgress] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    failures: list[FailureView] = field(default_factory=list)
    #: the plan's acceptance criteria and checklist items that fail (subtasks left out)
    plan_failures: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, run: RunRecord) -> FirstScreen:
        failing = [c for c in run.criteria
                   if c["status"] == "fail" and c.get("kind") != "subtask"]
        return cls(verdict_sentence(run), plan_progress(run), plan_totals(run), failures(run),
                   failing)

    def to_dict(self) -> dict[str, Any]:
        return {"sentence": self.sentence, "totals": self.totals,
                "progress": [{"task": p.task, "title": p.title, "counts": p.counts}
                             for p in self.progress],
                "failures": [f.__dict__ for f in self.failures],
                "plan_failures": self.plan_failures}
