"""Area ``load``: latency and throughput under concurrent users, measured so it can be trusted."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

import click

from golive.blocks import Block, Series, Table
from golive.checks import Check, CheckContext, higher, lower
from golive.checks.database.observe import DatabaseActivity, Observer
from golive.checks.load.analysis import (
    PERCENTILES,
    analyse,
    min_samples,
    share_above,
    wilson_lower,
)
from golive.checks.load.engine import run_locust
from golive.checks.load.machine import CpuSampler
from golive.checks.load.recognise import RECOGNISERS
from golive.checks.load.scenario import has_scenario, with_default_scenario
from golive.checks.load.spec import LoadOptions, resolved
from golive.compare import Change
from golive.hookspecs import hookimpl
from golive.plan.mapping import Recogniser
from golive.results import Finding, Measurement, Result, Severity
from golive.safety import is_loopback

#: the figures kept per endpoint in the store (the load comparison judges each)
SCOPED = ("p50_ms", "p95_ms", "p99_ms", "rps", "error_rate_pct")


def load_auth(ctx: CheckContext) -> dict[str, Any] | None:
    """The [auth] login for the virtual users: each logs in as one of the accounts."""
    if ctx.auth is None or not ctx.config.auth.load_users:
        return None
    return {"config": ctx.config.auth.model_dump(), "accounts": ctx.auth.accounts(),
            "media": ctx.auth.media()}


class LoadLatency(Check):
    id = "load.latency"
    title = "Latency under load"
    fix = ("Profile the slow endpoints (database queries, N+1, missing indexes, slow calls "
           "without timeout or cache) and re-run.")
    slo = ("p(95) < 500ms", "p(99) < 1000ms", "error_rate < 1%")
    trends = ("p95_ms", "p99_ms", "error_rate_pct", "rps")
    # not generator_cpu_pct: the generator's own CPU says nothing of the target
    better = (lower("p50_ms", "p90_ms", "p95_ms", "p99_ms", "p99.9_ms", "max_ms", "mean_ms",
                    "error_rate_pct", "errors", "unanswered", "longest_stall_ms")
              | higher("rps", "achieved_rate_pct"))
    loads = True
    Options = LoadOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts = resolved(self.options, ctx.profile)  # type: ignore[arg-type]
        auth = load_auth(ctx)  # the [auth] login for the virtual users, if they log in
        if not has_scenario(opts):
            opts = with_default_scenario(opts, ctx.site, logged_in=auth is not None)
            if not opts.requests:
                return Measurement.skip(
                    "no scenario: the target publishes no OpenAPI document to build one from",
                    enable="declare requests in [checks.\"load.latency\"] or run "
                           "'golive load init --openapi URL'")
        ctx.progress(f"load: {opts.users} users, ramp {opts.ramp_s:g}s, hold {opts.hold_s:g}s")
        observer = (Observer(ctx.config.database.url, set(ctx.config.database.ignore_roles))
                    if ctx.config.database.url else None)
        with observer or contextlib.nullcontext(), CpuSampler() as cpu:
            raw = run_locust(opts, ctx.target, progress=lambda p: ctx.progress(
                f"load: {min(p['elapsed_s'], p['total_s']):.0f} of {p['total_s']:.0f} s, "
                f"{p['users']:.0f} users, {p['rps']:.0f} rps"), auth=auth)
        raw.cpu_samples = cpu.samples
        raw.target_local = is_loopback(urlsplit(ctx.target).hostname or "")
        if raw.start is None:
            return Measurement(
                inconclusive=f"Locust recorded nothing (exit {raw.returncode}): "
                             f"{raw.stderr.strip()[-500:] or 'no output'}",
                evidence={"command": raw.command, "stderr": raw.stderr})
        result = measurement(analyse(raw, opts), opts, raw, list(ctx.slos))
        if observer is not None:  # the database during the load window (database area)
            activity = observer.report()
            result.evidence["database"] = activity
            result.facts.append(DatabaseActivity(activity))
        return result

    @classmethod
    def views(cls, result: Result) -> list[Block]:
        blocks: list[Block] = []
        endpoints = result.evidence.get("endpoints")
        if isinstance(endpoints, dict) and endpoints:
            keys = ("requests", "p50_ms", "p95_ms", "p99_ms", "max_ms", "error_rate_pct")
            blocks.append(Table(
                "per endpoint", ("endpoint", "requests", "p50 ms", "p95 ms", "p99 ms",
                                 "max ms", "errors %"),
                tuple((name, *(f.get(k) for k in keys)) for name, f in endpoints.items()),
                numeric=("requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors %"),
                code=("endpoint",)))
        series = result.evidence.get("series")
        if isinstance(series, list) and series:
            blocks.append(Series("latency and throughput per second", tuple(series),
                                 lines=("p50_ms", "p95_ms", "p99_ms"), unit="ms", bars="rps",
                                 bars_unit="rps", band="phase=hold", marks="errors"))
        return blocks

    @classmethod
    def compare(cls, before: Result, after: Result) -> list[Change]:
        """Per endpoint and overall: the bootstrap rule of :mod:`.regression` (the same one
        load.regression applies), for p50/p95/p99, throughput and error rate."""
        if "histograms" not in before.evidence or "histograms" not in after.evidence:
            return []
        from golive.checks.load.regression import compare_load

        return [Change(cls.id, row["endpoint"], row["metric"], row["before"], row["after"],
                       row["verdict"], row.get("note", ""))
                for row in compare_load(before.evidence, after.evidence)]


def measurement(a: Any, opts: LoadOptions, raw: Any, slos: list[Any]) -> Measurement:
    asked = [s.metric for s in slos]
    findings = []
    for name, fig in sorted(a.endpoints.items(), key=lambda kv: -kv[1].get("p95_ms", 0)):
        if fig.get("p95_ms", 0) > opts.endpoint_p95_ms:
            # with few samples, say "slow" only when the share of slow requests is surely
            # above 5 % (the same bound as for the overall percentiles)
            above, n = share_above(a.histograms.get(name, ""), opts.endpoint_p95_ms) \
                if a.histograms.get(name) else (0, 0)
            sure = n >= min_samples(95) or wilson_lower(above, n) > 0.05
            findings.append(Finding(
                "Slow endpoint" if sure else "Possibly slow endpoint (few samples)",
                Severity.HIGH if sure else Severity.MEDIUM, location=name,
                detail=f"p95 {fig['p95_ms']:.0f} ms, p99 {fig.get('p99_ms', 0):.0f} ms over "
                       f"{int(fig['requests'])} requests",
                fix="Profile this endpoint: its queries, its calls, what it could cache."))
        if fig.get("error_rate_pct", 0) >= 1:
            findings.append(Finding(
                "Errors under load", Severity.HIGH, location=name,
                detail=f"{fig['error_rate_pct']:.1f} % of {int(fig['requests'])} requests failed",
                fix="Read the server's logs for these requests."))
    established = _breaches_despite_few_samples(a, slos, opts.stall_ms)
    metrics = {k: v for k, v in a.metrics.items()
               if k not in a.too_few or k in established}
    # Too few samples, a stalled target or a rate shortfall can only HIDE latency: a
    # threshold already broken stays broken, but a met one proves nothing. A saturated
    # generator OVERSTATES latency: then nothing measured here can be trusted.
    hiding = [a.too_few[m] for m in asked if m in a.too_few and m not in established]
    hiding += a.understated
    breached = any(s.blocking and s.evaluate(metrics).ok is False for s in slos) or any(
        f.severity is Severity.HIGH for f in findings)
    for name, n in sorted(a.unanswered.items(), key=lambda kv: -kv[1]):
        done = a.endpoints.get(name, {}).get("requests", 0)
        findings.append(Finding(
            "Requests never answered",
            Severity.HIGH if n > max(1, done / 100) else Severity.MEDIUM, location=name,
            detail=f"{n} request(s) waited more than {opts.stall_ms:g} ms and were still "
                   "unanswered when the test stopped",
            fix="Profile this endpoint first: it is slower than the whole test."))
    reasons = list(a.untrusted)
    if not reasons and breached:
        findings += [Finding("Figures incomplete", Severity.MEDIUM, location="overall",
                             detail=r, fix="Fix the failures first; then measure again.")
                     for r in hiding]
    else:
        reasons += hiding
    closed_note = ("closed model: each user waits for its response before the next request, so "
                   "a slow or stalled target receives fewer requests and its worst latencies "
                   "may be hidden (coordinated omission); the paced model keeps the rate")
    m = a.metrics
    summary = (f"{m.get('users', 0):.0f} users, {m.get('rps', 0):.0f} rps, "
               f"p95 {m.get('p95_ms', 0):.0f} ms, p99 {m.get('p99_ms', 0):.0f} ms, "
               f"errors {m.get('error_rate_pct', 0):.2f} % over {int(m.get('requests', 0))} "
               f"requests ({opts.hold_s:g}s hold, ramp excluded)"
               + ("; closed model: a slow target receives fewer requests, so coordinated "
                  "omission may hide latency (model = 'paced' keeps the rate)"
                  if opts.model == "closed" else ""))
    bounded = [m for m, note in established.items() if "still unanswered" in note]
    if bounded:
        summary += "; " + "; ".join(f"{m.removesuffix('_ms')} at least {opts.stall_ms:g} ms "
                                    f"({established[m]})" for m in bounded)
    scoped = {name: {k: float(f[k]) for k in SCOPED if isinstance(f.get(k), (int, float))}
              for name, f in a.endpoints.items()}
    return Measurement(
        metrics=metrics, findings=findings, summary=summary, scoped=scoped,
        inconclusive="; ".join(reasons) if reasons else None,
        evidence={
            "model": opts.model, "window_s": opts.hold_s, "ramp_s": opts.ramp_s,
            "overall": a.metrics, "endpoints": a.endpoints, "series": a.series,
            "generators": a.generators,
            "stalls": [[round(s0 - (raw.start or 0), 3), round(s1 - (raw.start or 0), 3)]
                       for s0, s1 in a.stalls],
            "errors_by_status": a.errors_by_status,
            "errors_by_exception": a.errors_by_exception,
            "histograms": a.histograms, "scenario": raw.scenario, "command": raw.command,
            "too_few_samples": a.too_few, "unanswered": a.unanswered,
            "established_with_few_samples": established,
            "coordinated_omission": closed_note if opts.model == "closed" else
            "paced model: requests keep their schedule while the target is slow",
            "locust_exit": raw.returncode, "locust_stderr": raw.stderr[-2000:],
        },
    )


def _breaches_despite_few_samples(a: Any, slos: list[Any], stall_ms: float = 0.0
                                  ) -> dict[str, str]:
    """Percentile thresholds shown to be broken although the window holds too few samples
    to estimate the percentile: when the 95 % lower bound of the share of requests slower
    than the threshold is above 1 - p (for p95: above 5 %), the p95 IS above it. Requests
    still unanswered after ``stall_ms`` when the test stopped count as slower (they can only
    be slower still): a shop that answers nothing within the test is not "unmeasured". The
    percentile then gets that lower bound as its figure when nothing else measured it."""
    out: dict[str, str] = {}
    encoded = a.histograms.get("")
    waiting = int(sum(a.unanswered.values()))
    for slo in slos:
        pct = PERCENTILES.get(slo.metric)
        if pct is None or slo.metric not in a.too_few or slo.op not in ("<", "<="):
            continue
        limit = slo.threshold_in(slo.metric)
        above, n = share_above(encoded, limit) if encoded else (0, 0)
        censored = waiting if stall_ms >= limit else 0
        above, n = above + censored, n + censored
        if not n:
            continue
        lower = wilson_lower(above, n)
        if lower > 1 - pct / 100:
            out[slo.metric] = (f"{above} of {n} requests were slower than {limit:g} ms"
                               + (f" ({censored} still unanswered after {stall_ms:g} ms)"
                                  if censored else "")
                               + f": at least {100 * lower:.0f} % (95 % bound) > "
                               f"{100 - pct:g} %")
            if censored and slo.metric not in a.metrics:
                a.metrics[slo.metric] = float(stall_ms)  # a lower bound, said in the note
    return out


@hookimpl
def golive_checks() -> list[type[Check]]:
    from golive.checks.load.regress_check import LoadRegression

    return [LoadLatency, LoadRegression]


@hookimpl
def golive_recognisers() -> list[Recogniser]:
    return RECOGNISERS


@hookimpl
def golive_commands(cli: click.Group) -> None:
    from golive.checks.load.commands import load as load_command

    cli.add_command(load_command)
