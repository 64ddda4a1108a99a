"""Figures from the recorder's histograms: percentiles, rates, errors, series, trust."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from golive.checks.load.engine import RawRun
from golive.checks.load.machine import busy_pct
from golive.checks.load.spec import LoadOptions

PERCENTILES = {"p50_ms": 50.0, "p90_ms": 90.0, "p95_ms": 95.0, "p99_ms": 99.0,
               "p999_ms": 99.9}


def new_hist() -> HdrHistogram:
    return HdrHistogram(1, 3_600_000_000, 3)


def decode(text: str) -> HdrHistogram:
    h = new_hist()
    h.decode_and_add(text)
    return h


def share_above(encoded: str, threshold_ms: float) -> tuple[int, int]:
    """(requests slower than ``threshold_ms``, all requests) in an encoded histogram."""
    h = decode(encoded)
    above = 0
    for item in h.get_recorded_iterator():
        if item.value_iterated_to / 1000 > threshold_ms:
            above += item.count_at_value_iterated_to
    return above, int(h.total_count)


def wilson_lower(k: int, n: int, z: float = 1.96) -> float:
    """Lower bound of the 95 % Wilson interval of a proportion k/n."""
    if n == 0:
        return 0.0
    p = k / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z * z / n))


def min_samples(percentile: float) -> int:
    """Samples needed before a percentile means something: ten beyond it."""
    return math.ceil(10 / (1 - percentile / 100))


def figures(h: HdrHistogram, seconds: float, failures: int) -> dict[str, float]:
    n = h.total_count
    out: dict[str, float] = {"requests": float(n)}
    if n == 0:
        return out
    for name, p in PERCENTILES.items():
        out[name] = round(h.get_value_at_percentile(p) / 1000, 3)
    out["max_ms"] = round(h.get_max_value() / 1000, 3)
    out["mean_ms"] = round(h.get_mean_value() / 1000, 3)
    out["rps"] = round(n / seconds, 2) if seconds > 0 else 0.0
    out["error_rate_pct"] = round(100.0 * failures / n, 3)
    return out


@dataclass
class LoadAnalysis:
    window: tuple[float, float]
    metrics: dict[str, float]
    endpoints: dict[str, dict[str, float]]
    histograms: dict[str, str]  # "" for overall, then by endpoint: encoded, for baselines
    series: list[dict[str, Any]]
    errors_by_status: dict[str, int]
    errors_by_exception: dict[str, int]
    generators: list[dict[str, Any]]
    stalls: list[list[float]]
    #: why the figures cannot be trusted: a generator that was too busy OVERSTATES latency
    untrusted: list[str] = field(default_factory=list)
    #: ... a stalled target or a rate shortfall UNDERSTATES it (a failure still stands)
    understated: list[str] = field(default_factory=list)
    #: requests still waiting (longer than the stall limit) when the test stopped, by endpoint
    unanswered: dict[str, int] = field(default_factory=dict)
    too_few: dict[str, str] = field(default_factory=dict)


def analyse(raw: RawRun, opts: LoadOptions) -> LoadAnalysis:
    assert raw.start is not None and opts.hold_s is not None
    ramp = opts.ramp_s or 0
    w0, w1 = raw.start + ramp, raw.start + ramp + opts.hold_s
    # whole seconds only: a line at t covers (t - 1, t]; partial seconds at the edges (ramp,
    # stop) would bias the rate and the percentiles
    in_window = [ln for ln in raw.lines if "t" in ln and not ln.get("final")
                 and ln["t"] - 1 >= w0 - 0.05 and ln["t"] <= w1 + 0.05]
    overall = new_hist()
    per: dict[str, HdrHistogram] = defaultdict(new_hist)
    failures: Counter[str] = Counter()
    status: Counter[str] = Counter()
    exceptions: Counter[str] = Counter()
    for ln in in_window:
        if ln.get("hist"):
            overall.decode_and_add(ln["hist"])
        for name, enc in ln.get("by_name", {}).items():
            per[name].decode_and_add(enc)
        failures.update(ln.get("failures", {}))
        status.update(ln.get("status", {}))
        exceptions.update(ln.get("exceptions", {}))
    seconds = float(len({round(ln["t"]) for ln in in_window})) or float(opts.hold_s)
    metrics = figures(overall, seconds, sum(failures.values()))
    users_by_t: dict[int, float] = defaultdict(float)
    for ln in in_window:
        if not ln.get("final"):
            users_by_t[round(ln["t"])] += ln.get("users") or 0
    if users_by_t:
        metrics["users"] = float(statistics.median(users_by_t.values()))
    metrics["errors"] = float(sum(failures.values()))
    endpoints = {name: figures(h, seconds, failures.get(name, 0)) for name, h in per.items()}
    analysis = LoadAnalysis(
        window=(w0, w1), metrics=metrics, endpoints=endpoints,
        histograms={"": overall.encode().decode() if overall.total_count else "",
                    **{k: h.encode().decode() for k, h in per.items()}},
        series=_series(raw, w0, w1),
        errors_by_status={k: v for k, v in status.items() if k not in ("2xx", "3xx")},
        errors_by_exception=dict(exceptions),
        generators=_generators(raw, in_window, seconds),
        stalls=_merge_stalls([s for ln in raw.lines for s in ln.get("stalls", [])]),
    )
    _unfinished(analysis, raw, opts)
    _trust(analysis, opts, seconds)
    _machine(analysis, raw, opts, w0, w1)
    return analysis


def _unfinished(a: LoadAnalysis, raw: RawRun, opts: LoadOptions) -> None:
    """Requests that waited longer than the stall limit and were never answered before the
    test stopped (golive's own scenario only: a user's locustfile is not instrumented)."""
    last: dict[int, dict[str, Any]] = {}
    for ln in raw.lines:
        if "t" in ln and ln.get("waiting_long") is not None:
            last[ln["pid"]] = ln
    if not last:
        return
    waiting = sum(ln["waiting_long"] for ln in last.values())
    a.metrics["unanswered"] = float(waiting)
    for ln in last.values():
        for name, n in (ln.get("waiting_by_name") or {}).items():
            a.unanswered[name] = a.unanswered.get(name, 0) + n
    if waiting:
        a.understated.append(
            f"{waiting} request(s) had been waiting for more than {opts.stall_ms:g} ms and were "
            "still unanswered when the test stopped: they are in no percentile")


def _series(raw: RawRun, w0: float, w1: float) -> list[dict[str, Any]]:
    by_t: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ln in raw.lines:
        if "t" in ln:
            by_t[round(ln["t"])].append(ln)
    out = []
    start = raw.start or 0
    for t in sorted(by_t):
        h = new_hist()
        reqs = errs = 0
        for ln in by_t[t]:
            if ln.get("hist"):
                h.decode_and_add(ln["hist"])
            reqs += sum(ln.get("requests", {}).values())
            errs += sum(ln.get("failures", {}).values())
        row: dict[str, Any] = {"t": round(t - start, 1), "rps": reqs, "errors": errs,
                               "users": sum(ln.get("users") or 0 for ln in by_t[t]),
                               "phase": "hold" if t - 1 >= w0 - 0.05 and t <= w1 + 0.05
                               else ("ramp" if t - 0.5 <= w0 else "down")}
        if h.total_count:
            row.update(p50_ms=round(h.get_value_at_percentile(50) / 1000, 2),
                       p95_ms=round(h.get_value_at_percentile(95) / 1000, 2),
                       p99_ms=round(h.get_value_at_percentile(99) / 1000, 2))
        out.append(row)
    return out


def _generators(raw: RawRun, window: list[dict[str, Any]], seconds: float
                ) -> list[dict[str, Any]]:
    by_pid: dict[int, dict[str, Any]] = {}
    for ln in window:
        g = by_pid.setdefault(ln["pid"], {"pid": ln["pid"], "cpu_s": 0.0, "sockets_max": 0,
                                          "requests": 0})
        g["cpu_s"] += ln.get("cpu_s", 0.0)
        g["sockets_max"] = max(g["sockets_max"], ln.get("sockets") or 0)
        g["requests"] += sum(ln.get("requests", {}).values())
    for g in by_pid.values():
        g["cpu_pct"] = round(100.0 * g["cpu_s"] / seconds, 1) if seconds else 0.0
        g["cpu_s_per_1000_requests"] = (round(1000 * g["cpu_s"] / g["requests"], 3)
                                        if g["requests"] else None)
        g["cpu_s"] = round(g["cpu_s"], 3)
    return sorted(by_pid.values(), key=lambda g: g["pid"])


def _merge_stalls(stalls: list[list[float]]) -> list[list[float]]:
    merged: list[list[float]] = []
    for a, b in sorted(stalls):
        if merged and a <= merged[-1][1] + 0.05:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def _machine(a: LoadAnalysis, raw: RawRun, opts: LoadOptions, w0: float, w1: float) -> None:
    busy = busy_pct(raw.cpu_samples, w0, w1)
    if busy is None:
        return
    a.metrics["machine_cpu_pct"] = busy
    if raw.target_local and busy > opts.max_machine_cpu_pct:
        a.untrusted.append(
            f"the machine was {busy:.0f} % busy (all cores) during the window, above "
            f"{opts.max_machine_cpu_pct:.0f} %: the target on this machine was starved of CPU, "
            "so its latency says nothing about it; measure on a quiet machine or from another")


def _trust(a: LoadAnalysis, opts: LoadOptions, seconds: float) -> None:
    busiest = max((g["cpu_pct"] for g in a.generators), default=0.0)
    a.metrics["generator_cpu_pct"] = busiest
    if busiest > opts.max_generator_cpu_pct:
        a.untrusted.append(
            f"the load generator was saturated: a process averaged {busiest:.0f} % of a core "
            f"(limit {opts.max_generator_cpu_pct:.0f} %), so its own queueing counts as "
            "latency; add --processes or machines")
    if opts.model == "paced" and opts.rate:
        achieved = a.metrics.get("rps", 0.0)
        a.metrics["intended_rps"] = float(opts.rate)
        a.metrics["achieved_rate_pct"] = round(100 * achieved / opts.rate, 1)
        if achieved < opts.rate * opts.min_rate_pct / 100:
            a.understated.append(
                f"achieved {achieved:.1f} rps of the intended {opts.rate:g} "
                f"({a.metrics['achieved_rate_pct']:.0f} %): the users could not keep the pace, "
                "so latency is understated (coordinated omission)")
    w0, w1 = a.window
    in_window = [s for s in a.stalls if s[1] > w0 and s[0] < w1]
    if in_window:
        longest = max(s[1] - s[0] for s in in_window)
        a.metrics["longest_stall_ms"] = round(longest * 1000, 1)
        a.understated.append(
            f"the target stalled {len(in_window)} time(s) (longest {longest * 1000:.0f} ms "
            "with requests outstanding)")
    n = int(a.metrics.get("requests", 0))
    for name, p in PERCENTILES.items():
        need = min_samples(p)
        if n < need:
            a.too_few[name] = f"{name[:-3]} needs at least {need} samples in the window, got {n}"
    if n == 0:  # with requests left waiting, the target is slower than the test: understated
        (a.understated if a.unanswered else a.untrusted).append(
            "no request completed in the measurement window")
