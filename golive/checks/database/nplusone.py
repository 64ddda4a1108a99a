"""database.n_plus_one: statements per request, N+1 queries and repeated queries, per endpoint.

Any service, any language or ORM: golive sends single requests to the target and reads what
reached PostgreSQL in between (pg_stat_statements deltas in quiet windows). A list endpoint is
asked for 5, 10 and 20 items; a statement whose calls grow by a whole number per item, beside a
statement run once per request (the source), is an N+1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from golive.blocks import Block, Table
from golive.checks import Check, CheckContext, lower
from golive.checks.database.connect import connect, open_or_skip, probe
from golive.checks.database.requests import Endpoint, count_items, discover
from golive.checks.database.stats import Key, Stat, wait_quiet
from golive.results import Finding, Measurement, Result, Severity, format_number

FIX = ("Load the related rows in one query: a JOIN, the ORM's eager loading (SQLAlchemy "
       "selectinload/joinedload, Django select_related/prefetch_related, Rails includes, "
       "Hibernate JOIN FETCH) or one WHERE id = ANY($1) / IN (...) query for the whole page.")



@dataclass(frozen=True)
class QueryEndpoints:
    """Fact: which endpoints ran each statement (pg_stat_statements queryid -> "GET /path"),
    from the N+1 measurement, for the index advice."""

    by_query: dict[str, list[str]]


class NPlusOneOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: concrete paths to measure (default: the GET endpoints of the OpenAPI document)
    endpoints: list[str] = Field(default_factory=list)
    page_sizes: list[int] = Field(default_factory=lambda: [5, 10, 20], min_length=3)
    #: longest wait for the database to be quiet around one request
    quiet_timeout_s: float = Field(5.0, gt=0)
    max_endpoints: int = Field(30, ge=1)
    #: calls of one statement in one request from which it is reported (Sentry uses 5)
    min_repeats: int = Field(5, ge=2)
    #: longest wait for the database to finish a request that failed or timed out (its
    #: statements still count: they are read once the database is quiet)
    after_failure_s: float = Field(60.0, gt=0)


@dataclass
class Sample:
    url: str
    status: int
    items: int | None
    statements: dict[Key, Stat]
    quiet_s: float

    @property
    def total_calls(self) -> int:
        return sum(s.calls for s in self.statements.values())

    @property
    def db_ms(self) -> float:
        return sum(s.total_ms for s in self.statements.values())


@dataclass
class Growth:
    """How one statement's calls follow the number of items."""

    key: Key
    query: str
    calls: list[int]
    per_item: float
    fixed: float
    ms_at_max: float


@dataclass
class Classified:
    n_plus_one: list[Growth] = field(default_factory=list)
    repeated: list[Growth] = field(default_factory=list)
    source: list[Growth] = field(default_factory=list)


def fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares y = a*x + b; returns (a, b, largest absolute residual)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return 0.0, my, max(abs(y - my) for y in ys)
    a = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var
    b = my - a * mx
    return a, b, max(abs(y - (a * x + b)) for x, y in zip(xs, ys, strict=True))


#: statements that are not the application's queries: a transaction opened and closed per
#: unit of work, session settings. A request that opens five transactions runs BEGIN five
#: times: that is not an N+1 (found when golive audited its own server)
CONTROL = re.compile(r"^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|"
                     r"RELEASE|SET|RESET|SHOW|DISCARD|DEALLOCATE|LISTEN|UNLISTEN)\b",
                     re.IGNORECASE)


def is_control(query: str) -> bool:
    return bool(CONTROL.match(query))


def classify_list(samples: list[Sample], min_repeats: int) -> Classified:
    """N+1: a whole number >= 1 of calls per item (>= min_repeats calls on the largest page)
    next to a statement run once per request. Repeated: the same statement a fixed number
    (>= min_repeats) of times per request."""
    out = Classified()
    xs = [float(s.items or 0) for s in samples]
    keys = {k for s in samples for k, stat in s.statements.items() if not is_control(stat.query)}
    for key in keys:
        calls = [s.statements[key].calls if key in s.statements else 0 for s in samples]
        stat = next(s.statements[key] for s in samples if key in s.statements)
        if len(set(xs)) == 1 and xs[0] >= min_repeats:  # page size ignored: one ratio
            a, b, resid = calls[0] / xs[0], 0.0, float(max(calls) - min(calls))
        else:
            a, b, resid = fit(xs, [float(c) for c in calls])
        ms = samples[-1].statements[key].total_ms if key in samples[-1].statements else 0.0
        growth = Growth(key, stat.query, calls, a, b, ms)
        whole = round(a)
        if whole >= 1 and abs(a - whole) < 0.25 and resid < 1.0 and max(calls) >= min_repeats:
            out.n_plus_one.append(growth)
        elif abs(a) < 0.05 and min(calls) == max(calls) == 1:
            out.source.append(growth)
        elif abs(a) < 0.05 and min(calls) >= min_repeats:
            out.repeated.append(growth)
    if not out.source:  # growth without a once-per-request query: still repeated, not N+1
        out.repeated += out.n_plus_one
        out.n_plus_one = []
    return out


def classify_single(sample: Sample, min_repeats: int) -> Classified:
    """One request (a detail endpoint, a list whose size cannot vary, or a request that
    failed): Sentry's rule, a statement run ``min_repeats`` times or more next to a statement
    run once (the source), is an N+1; without a source it is a repeated query."""
    out = Classified()
    for key, stat in sample.statements.items():
        if is_control(stat.query):
            continue
        g = Growth(key, stat.query, [stat.calls], 0.0, float(stat.calls), stat.total_ms)
        if stat.calls >= min_repeats:
            out.repeated.append(g)
        elif stat.calls == 1:
            out.source.append(g)
    if out.source:
        out.n_plus_one, out.repeated = out.repeated, []
    return out


def short(query: str, limit: int = 300) -> str:
    flat = " ".join(query.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


_SELECT_LIST = re.compile(r"^(SELECT\s+(?:DISTINCT\s+)?)(.+?)(\s+FROM\s)", re.IGNORECASE)


def gist(query: str, limit: int = 90) -> str:
    """A query short enough for a title, its select list elided: ``SELECT … FROM t WHERE …``."""
    flat = " ".join(query.split())
    flat = _SELECT_LIST.sub(lambda m: f"{m.group(1)}…{m.group(3)}", flat, count=1)
    return short(flat, limit)


class NPlusOne(Check):
    id = "database.n_plus_one"
    title = "No N+1 queries; statements per request"
    fix = FIX
    slo = ("n_plus_one_endpoints == 0",)
    better = lower("n_plus_one_endpoints", "repeated_queries", "statements_per_request_max")
    Options = NPlusOneOptions

    @classmethod
    def views(cls, result: Result) -> list[Block]:
        rows = []
        for e in result.evidence.get("endpoints") or []:
            if not isinstance(e, dict):
                continue
            growth = ", ".join(
                (f"{s['items']:g} → " if isinstance(s.get("items"), (int, float)) else "")
                + f"{s.get('statements', '?')}" for s in e.get("samples") or [])
            queries = "; ".join(
                f"{short(n.get('query', ''), 300)} ({format_number(n.get('per_item') or 0)}/item)"
                for n in e.get("n_plus_one") or [])
            rows.append((e.get("endpoint", ""), e.get("kind", ""), growth, queries or "-"))
        if not rows:
            return []
        return [Table("statements per request", ("endpoint", "kind",
                                                 "items → statements per request", "N+1 query"),
                      tuple(rows), code=("endpoint", "N+1 query"))]

    def run(self, ctx: CheckContext) -> Measurement:
        opts: NPlusOneOptions = self.options  # type: ignore[assignment]
        url, skipped = open_or_skip(ctx)
        if skipped:
            return skipped
        ignore = set(ctx.config.database.ignore_roles)
        with connect(url) as conn:
            caps = probe(conn)
            no_stats = caps.skip_without_statements()
            if no_stats:
                return no_stats
            endpoints, notes = discover(ctx, opts.endpoints, opts.max_endpoints)
            if not endpoints:
                return Measurement.skip(
                    "no endpoint to measure" + (f" ({'; '.join(notes)})" if notes else ""),
                    enable='list paths in [checks."database.n_plus_one"] endpoints')
            rows: list[dict[str, Any]] = []
            findings: list[Finding] = []
            unmeasured: list[str] = []
            per_request: list[float] = []
            n1_endpoints = repeated_count = 0
            for ep in endpoints:
                ctx.progress(f"statements per request: {ep.template}")
                row, samples, why = self._measure(ctx, conn, ep, opts, ignore)
                rows.append(row)
                if why:
                    unmeasured.append(f"{ep.template}: {why}")
                    continue
                if not samples:  # left out on purpose (e.g. it needs credentials)
                    notes.append(f"{ep.template}: {row['note']}")
                    continue
                failed = row.get("failed_request")
                cls = (classify_list(samples, opts.min_repeats)
                       if ep.kind == "list" and not failed
                       else classify_single(samples[0], opts.min_repeats))
                per_request += [float(s.total_calls) for s in samples]
                row["n_plus_one"] = [_growth_dict(g) for g in cls.n_plus_one]
                row["repeated"] = [_growth_dict(g) for g in cls.repeated]
                if cls.n_plus_one:
                    n1_endpoints += 1
                repeated_count += len(cls.repeated)
                findings += (_findings(ep, samples, cls) if ep.kind == "list" and not failed
                             else _single_findings(ep, samples[0], cls, failed or ""))
        left_out = sum(1 for r in rows if "note" in r)
        metrics = {"endpoints": float(len(rows) - len(unmeasured) - left_out),
                   "n_plus_one_endpoints": float(n1_endpoints),
                   "repeated_queries": float(repeated_count)}
        if per_request:
            metrics["statements_per_request_max"] = max(per_request)
        evidence = {"database": caps.to_dict(), "endpoints": rows, "notes": notes,
                    "unmeasured": unmeasured, "page_sizes": opts.page_sizes}
        measured = len(rows) - len(unmeasured) - left_out
        summary = (f"{measured} endpoint(s) measured: {n1_endpoints} with N+1, "
                   f"at most {max(per_request, default=0):g} statements per request")
        quiet = [r["endpoint"] for r in rows if r.get("no_statements")]
        if quiet:
            summary += (f"; {len(quiet)} sent no statement to the database (a cache, or no "
                        f"use of it): {', '.join(quiet)}")
        if unmeasured:
            summary += f"; could not measure {'; '.join(unmeasured)}"
        by_query: dict[str, list[str]] = {}
        for row in rows:
            for qid in row.get("queryids", []):
                by_query.setdefault(str(qid), []).append(f"GET {row['endpoint']}")
        facts: list[object] = [QueryEndpoints(by_query)]
        # endpoints that could not be measured are named; they leave the check undecided only
        # when nothing was measured, or when every list endpoint (where N+1 lives) was missed
        lists = [r for r in rows if r["kind"] == "list" and "note" not in r]
        missed = {u.split(": ", 1)[0] for u in unmeasured}
        lists_missed = bool(lists) and all(r["endpoint"] in missed for r in lists)
        if unmeasured and not n1_endpoints and (measured == 0 or lists_missed):
            return Measurement(metrics=metrics, findings=findings, evidence=evidence,
                               summary=summary, inconclusive="; ".join(unmeasured),
                               facts=facts)
        return Measurement(metrics=metrics, findings=findings, evidence=evidence,
                           summary=summary, facts=facts)

    @staticmethod
    def _failed(conn: Any, ignore: set[str], opts: NPlusOneOptions, before: Any, url: str,
                why: str) -> Sample | None:
        """What a failed request still made the database do, once it is quiet; None when it
        did nothing or did not settle."""
        after = wait_quiet(conn, ignore, timeout_s=opts.after_failure_s)
        if not after.ok or after.snapshot.dealloc != before.dealloc:
            return None
        sample = Sample(url, 0, None, after.snapshot.minus(before), after.waited_s)
        return sample if sample.total_calls else None

    def _measure(self, ctx: CheckContext, conn: Any, ep: Endpoint, opts: NPlusOneOptions,
                 ignore: set[str]) -> tuple[dict[str, Any], list[Sample], str]:
        row: dict[str, Any] = {"endpoint": ep.template, "path": ep.path, "kind": ep.kind,
                               "samples": []}
        # warm up with a request that differs from the measured ones (a response cache would
        # otherwise answer them): connection pools, ORM metadata, prepared statements
        warm = ep.url(max(1, min(opts.page_sizes) - 2)) if ep.size_param else None
        if warm:
            _get(ctx, warm)
        sizes: list[int | None] = list(opts.page_sizes) if ep.size_param else [None]
        samples: list[Sample] = []
        for size in sizes:
            before = wait_quiet(conn, ignore, timeout_s=opts.quiet_timeout_s)
            if not before.ok:
                return row, [], before.reason
            request_url = ep.url(size)
            response, error = _get(ctx, request_url)
            if response is None or response.status_code >= 500:
                why = error or f"answered {response.status_code if response else '?'}"
                failed = self._failed(conn, ignore, opts, before.snapshot, request_url, why)
                if failed is None:
                    return row, [], (f"request {request_url} failed ({why})" if response is None
                                     else f"{request_url} answered {response.status_code}")
                row["samples"].append({"url": request_url, "failed": why,
                                       "statements": failed.total_calls,
                                       "db_ms": round(failed.db_ms, 3)})
                row["failed_request"] = why
                row["queryids"] = sorted({str(k[1]) for k in failed.statements})
                return row, [failed], ""
            after = wait_quiet(conn, ignore, timeout_s=opts.quiet_timeout_s)
            if not after.ok:
                return row, [], after.reason
            if after.snapshot.dealloc != before.snapshot.dealloc:
                return row, [], ("pg_stat_statements evicted entries during the request "
                                 "(raise pg_stat_statements.max)")
            if response.status_code in (401, 403):
                row["note"] = f"needs credentials ({response.status_code}): left out"
                return row, [], ""
            if response.status_code >= 400:
                return row, [], f"{request_url} answered {response.status_code}"
            sample = Sample(request_url, response.status_code,
                            count_items(response) if size is not None else None,
                            after.snapshot.minus(before.snapshot), after.waited_s)
            samples.append(sample)
            row["samples"].append({"url": request_url, "status": sample.status,
                                   "items": sample.items, "statements": sample.total_calls,
                                   "db_ms": round(sample.db_ms, 3),
                                   "quiet_after_s": round(sample.quiet_s, 3)})
        counts = {s.items or 0 for s in samples}
        if ep.size_param and len(counts) < 2 and max(counts) < opts.min_repeats:
            return row, [], ("the page size did not change the number of items "
                             f"({[s.items for s in samples]}): cannot tell N+1 from a fixed cost")
        if all(s.total_calls == 0 for s in samples):
            # a measurement, not a gap: 0 statements (a cache, or no use of this database)
            row["no_statements"] = True
        row["queryids"] = sorted({str(k[1]) for s in samples for k in s.statements})
        return row, samples, ""


def _get(ctx: CheckContext, url: str) -> tuple[httpx.Response | None, str]:
    """The response, or None and what went wrong (a timeout says so)."""
    try:
        return ctx.client.get(url), ""
    except httpx.TimeoutException:
        return None, f"no answer within {ctx.config.target.timeout_s:g} s"
    except httpx.HTTPError as err:
        return None, type(err).__name__


def _growth_dict(g: Growth) -> dict[str, Any]:
    return {"query": short(g.query, 1000), "calls": g.calls, "per_item": round(g.per_item, 2),
            "fixed": round(g.fixed, 2), "ms_at_max": round(g.ms_at_max, 3)}


def _single_findings(ep: Endpoint, sample: Sample, cls: Classified, why: str
                     ) -> list[Finding]:
    """Findings of one request; ``why`` says how it failed ("" when it did not)."""
    request = f"{sample.url}, which failed: {why}" if why else sample.url
    out = []
    for g in cls.n_plus_one:
        out.append(Finding(
            f"N+1 query: {gist(g.query)}", Severity.HIGH, location=f"GET {ep.template}",
            detail=(f"{short(g.query)} ran {g.calls[0]} times in one request ({request}) "
                    f"beside a statement run once; {sample.total_calls} statements, "
                    f"{sample.db_ms:.1f} ms of database time in all"
                    + (" (read from pg_stat_statements once the database was quiet)"
                       if why else "")),
            fix=FIX))
    for g in cls.repeated:
        out.append(Finding(
            "Repeated query", Severity.MEDIUM, location=f"GET {ep.template}",
            detail=(f"{short(g.query)} runs {g.calls[0]} times in one request "
                    f"({g.ms_at_max:.1f} ms)" + (f"; the request failed: {why}" if why else "")),
            fix="Run it once per request (cache the result in the request, or batch it)."))
    return out


def _findings(ep: Endpoint, samples: list[Sample], cls: Classified) -> list[Finding]:
    out = []
    last = samples[-1]
    for g in cls.n_plus_one:
        share = 100.0 * g.ms_at_max / last.db_ms if last.db_ms else 0.0
        out.append(Finding(
            f"N+1 query: {gist(g.query)}", Severity.HIGH, location=f"GET {ep.template}",
            detail=(f"{short(g.query)} runs {round(g.per_item)} time(s) per item "
                    f"({' / '.join(map(str, g.calls))} calls for "
                    f"{' / '.join(str(s.items) for s in samples)} items); "
                    f"{g.ms_at_max:.1f} ms of the {last.db_ms:.1f} ms database time "
                    f"({share:.0f} %) at {last.items} items; "
                    f"{last.total_calls} statements for that request"),
            fix=FIX))
    for g in cls.repeated:
        out.append(Finding(
            "Repeated query", Severity.MEDIUM, location=f"GET {ep.template}",
            detail=(f"{short(g.query)} runs {max(g.calls)} times in one request "
                    f"({g.ms_at_max:.1f} ms)"),
            fix="Run it once per request (cache the result in the request, or batch it)."))
    return out
