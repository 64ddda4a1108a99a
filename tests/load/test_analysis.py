"""Load figures and trust rules on synthetic recorder output (no Locust)."""

from __future__ import annotations

import random

import pytest
from hdrh.histogram import HdrHistogram

from golive.checks.load.analysis import analyse, share_above, wilson_lower
from golive.checks.load.engine import RawRun
from golive.checks.load.regression import compare_load
from golive.checks.load.spec import LoadOptions

START = 1_000_000.0


def _hist(values_ms: list[float]) -> str:
    h = HdrHistogram(1, 3_600_000_000, 3)
    for v in values_ms:
        h.record_value(int(v * 1000))
    return h.encode().decode()


def _run(per_second: int, seconds: int, *, latency: float = 10.0, cpu_s: float = 0.1,
         stalls: list[list[float]] | None = None, pids: int = 1) -> RawRun:
    lines = []
    rng = random.Random(1)
    for s in range(seconds):
        for pid in range(pids):
            values = [latency * rng.uniform(0.8, 1.2) for _ in range(per_second)]
            lines.append({"pid": pid, "t": START + s + 1, "cpu_s": cpu_s, "sockets": 5,
                          "users": 10, "requests": {"GET /a": per_second}, "failures": {},
                          "status": {"2xx": per_second}, "exceptions": {},
                          "stalls": (stalls or []) if s == 3 and pid == 0 else [],
                          "hist": _hist(values), "by_name": {"GET /a": _hist(values)}})
    return RawRun(lines=lines, start=START)


def _opts(**kw: object) -> LoadOptions:
    base = {"users": 10, "ramp_s": 2, "hold_s": 6}
    base.update(kw)
    return LoadOptions.model_validate(base)


def test_window_excludes_the_ramp() -> None:
    raw = _run(200, 10)
    for ln in raw.lines[:2]:  # the ramp: very slow
        ln["hist"] = _hist([5000.0] * 200)
    a = analyse(raw, _opts())
    assert a.metrics["requests"] == 6 * 200
    assert a.metrics["p99_ms"] < 20
    assert a.metrics["rps"] == 200
    assert not a.untrusted and not a.understated
    assert [s["phase"] for s in a.series][:3] == ["ramp", "ramp", "hold"]


def test_saturated_generator_is_untrusted() -> None:
    a = analyse(_run(200, 10, cpu_s=0.9), _opts())
    assert a.metrics["generator_cpu_pct"] == 90
    assert any("saturated" in r for r in a.untrusted)


def test_rate_shortfall_and_stalls_hide_latency() -> None:
    a = analyse(_run(50, 10, stalls=[[START + 4.0, START + 5.5]]),
                _opts(model="paced", rate=100))
    assert any("achieved 50.0 rps of the intended 100" in r for r in a.understated)
    assert any("stalled 1 time(s) (longest 1500 ms" in r for r in a.understated)
    assert a.metrics["longest_stall_ms"] == 1500


def test_too_few_samples_are_named_with_counts() -> None:
    a = analyse(_run(20, 10), _opts())
    assert a.too_few["p99_ms"] == "p99 needs at least 1000 samples in the window, got 120"
    assert "p95_ms" in a.too_few and "p50_ms" not in a.too_few


def test_wilson_and_share_above() -> None:
    assert wilson_lower(17, 17) > 0.8
    assert wilson_lower(0, 100) == 0
    assert 0.01 < wilson_lower(5, 100) < 0.05
    assert share_above(_hist([1, 2, 600, 700]), 500) == (2, 4)


def _evidence(shift_ms: float, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    values = [rng.gauss(50, 5) + shift_ms for _ in range(3000)]
    enc = _hist(values)
    raw = RawRun(lines=[{"pid": 1, "t": START + 3, "cpu_s": 0.1, "users": 1,
                         "requests": {"GET /a": 3000}, "failures": {}, "status": {},
                         "exceptions": {}, "stalls": [], "hist": enc,
                         "by_name": {"GET /a": enc}}], start=START)
    a = analyse(raw, _opts(ramp_s=0, hold_s=5))
    return {"overall": a.metrics, "endpoints": a.endpoints, "histograms": a.histograms}


def test_regression_rule() -> None:
    same = compare_load(_evidence(0, 1), _evidence(0, 2))
    assert not [r for r in same if r["verdict"] == "regression"], same
    slower = compare_load(_evidence(0, 1), _evidence(30, 2))
    flagged = {(r["endpoint"], r["metric"]) for r in slower if r["verdict"] == "regression"}
    assert ("GET /a", "p95_ms") in flagged and ("overall", "p50_ms") in flagged
    faster = compare_load(_evidence(30, 1), _evidence(0, 2))
    assert any(r["verdict"] == "improvement" for r in faster)
    busier = _evidence(0, 2)
    busier["overall"] = {**busier["overall"], "rps": busier["overall"]["rps"] * 2}
    rows = {(r["endpoint"], r["metric"]): r["verdict"]
            for r in compare_load(_evidence(0, 1), busier)}
    assert rows[("overall", "rps")] == "improvement"


def test_requests_never_answered_are_reported_by_endpoint() -> None:
    raw = _run(200, 10)
    raw.lines[-1].update(final=True, waiting_long=7, waiting_by_name={"GET /slow": 7})
    a = analyse(raw, _opts())
    assert a.metrics["unanswered"] == 7
    assert a.unanswered == {"GET /slow": 7}
    assert any("7 request(s) had been waiting for more than 1000 ms" in r
               for r in a.understated)


def test_a_small_shift_in_an_endpoints_share_is_noise() -> None:
    before, after = _evidence(0, 1), _evidence(0, 1)
    # an endpoint's share of a random mix: 720 vs 680 requests in 6 s (-5.6 %, 1.1 SE)
    before["endpoints"] = {"GET /b": {"requests": 720.0, "rps": 120.0, "error_rate_pct": 0.0}}
    after["endpoints"] = {"GET /b": {"requests": 680.0, "rps": 113.3, "error_rate_pct": 0.0}}
    rows = {(r["endpoint"], r["metric"]): r["verdict"] for r in compare_load(before, after)}
    assert rows[("GET /b", "rps")] == "same"
    after["endpoints"] = {"GET /b": {"requests": 360.0, "rps": 60.0, "error_rate_pct": 0.0}}
    rows = {(r["endpoint"], r["metric"]): r["verdict"] for r in compare_load(before, after)}
    assert rows[("GET /b", "rps")] == "regression"


def test_a_tail_percentile_of_few_requests_is_not_judged() -> None:
    before, after = _evidence(0, 1), _evidence(30, 2)
    for ev in (before, after):  # as if only 500 requests had been measured
        ev["endpoints"]["GET /a"]["requests"] = 500.0  # type: ignore[index]
    rows = {(r["endpoint"], r["metric"]): r for r in compare_load(before, after)}
    assert rows[("GET /a", "p99_ms")]["verdict"] == "too few samples"
    assert "p99 needs 1000 requests in both runs (had 500 and 500)" in \
        rows[("GET /a", "p99_ms")]["note"]
    assert rows[("GET /a", "p95_ms")]["verdict"] == "regression"  # 500 >= 200: judged
    assert rows[("overall", "p99_ms")]["verdict"] == "regression"  # 3000 requests overall


def test_overall_percentiles_of_a_mix_are_judged_per_endpoint() -> None:
    before, after = _evidence(0, 1), _evidence(0, 2)
    for ev, shift in ((before, 0.0), (after, 30.0)):
        figures = dict(ev["endpoints"]["GET /a"])  # type: ignore[index]
        ev["endpoints"]["GET /b"] = figures  # type: ignore[index]
        ev["overall"] = {**ev["overall"], "p50_ms": 50.0 + shift}  # type: ignore[dict-item]
    rows = {(r["endpoint"], r["metric"]): r for r in compare_load(before, after)}
    assert rows[("overall", "p50_ms")]["verdict"] == "not judged"
    assert "judged per endpoint" in rows[("overall", "p50_ms")]["note"]


def test_a_busy_machine_starves_a_target_on_it() -> None:
    """Issue 12, item 12: a loopback target on a machine at 95 % of all cores is not slow,
    it is starved; the same busy machine with a remote target is only recorded."""
    ramp = _opts().ramp_s or 0
    w0, w1 = START + ramp, START + ramp + (_opts().hold_s or 0)
    busy = [(w0 - 0.2, 1000.0, 2000.0), (w1 + 0.2, 1000.0 + 1900.0, 2000.0 + 2000.0)]
    raw = _run(200, 10)
    raw.cpu_samples, raw.target_local = busy, True
    a = analyse(raw, _opts())
    assert a.metrics["machine_cpu_pct"] == 95
    assert any("the machine was 95 % busy" in r and "starved" in r for r in a.untrusted)
    raw.target_local = False
    a = analyse(raw, _opts())
    assert a.metrics["machine_cpu_pct"] == 95 and not a.untrusted
    quiet = [(w0, 1000.0, 2000.0), (w1, 1200.0, 4000.0)]
    raw.cpu_samples, raw.target_local = quiet, True
    a = analyse(raw, _opts())
    assert a.metrics["machine_cpu_pct"] == 10 and not a.untrusted


def test_the_cpu_sampler_sees_real_work() -> None:
    import multiprocessing
    import time

    from golive.checks.load.machine import CpuSampler, busy_pct, read_cpu

    if read_cpu() is None:
        pytest.skip("no /proc/stat on this machine")
    cores = multiprocessing.cpu_count()
    with CpuSampler(interval_s=0.2) as cpu:
        start = time.time()
        burners = [multiprocessing.Process(target=_burn, args=(1.5,)) for _ in range(cores)]
        for p in burners:
            p.start()
        for p in burners:
            p.join()
        end = time.time()
    busy = busy_pct(cpu.samples, start + 0.3, end - 0.2)
    assert busy is not None and busy > 60, busy  # every core was burning (shared machine)


def _burn(seconds: float) -> None:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def test_the_default_scenario_takes_ids_from_lists_and_guarded_gets_with_auth() -> None:
    """Issue 12: the default scenario had only parameterless GETs (ids were guessed)."""
    import httpx

    from golive.checks.load.scenario import default_scenario
    from golive.config import TargetConfig
    from golive.site import Site

    doc = {"openapi": "3.1.0", "paths": {
        "/api/orders": {"get": {"responses": {"200": {}}}},
        "/api/orders/{order_id}": {"get": {"parameters": [
            {"name": "order_id", "in": "path", "schema": {"type": "string"}}],
            "responses": {"200": {}}}},
        "/api/me": {"get": {"security": [{"bearer": []}], "responses": {"200": {}}}},
        "/api/search": {"get": {"parameters": [
            {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}]}},
    }}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/openapi.json":
            return httpx.Response(200, json=doc)
        if request.url.path == "/api/orders":
            return httpx.Response(200, json={"items": [{"id": "o-17"}, {"id": "o-23"}]})
        return httpx.Response(404)

    client = httpx.Client(base_url="http://t", transport=httpx.MockTransport(answer))
    site = Site(client, "http://t", TargetConfig(url="http://t"))
    anonymous = default_scenario(site)
    assert anonymous["vars"]["order_id"] == {"choice": ["o-17", "o-23"]}
    assert [r["name"] for r in anonymous["requests"]] == ["/api/orders", "/api/orders/{order_id}"]
    assert "/api/me: needs credentials (configure [auth])" in anonymous["left_out"]
    assert "/api/search: no value for 'q'" in anonymous["left_out"]
    logged_in = default_scenario(site, logged_in=True)
    assert "/api/me" in [r["name"] for r in logged_in["requests"]]


def test_a_target_that_answers_nothing_fails_rather_than_being_unmeasured() -> None:
    """Issue 17: the stalled baseline shop answered no request in the window and the load
    check said "inconclusive". Requests still waiting when the test stopped are slower than
    the stall limit: with 80 of them, p95 < 500 ms is broken for sure."""
    from golive.checks.load import measurement
    from golive.verdict import SLO

    raw = _run(0, 10)
    for ln in raw.lines:
        ln["requests"], ln["status"], ln["hist"], ln["by_name"] = {}, {}, "", {}
    raw.lines[-1].update({"waiting_long": 80, "waiting_by_name": {"GET /api/products": 80}})
    opts = _opts(model="paced", rate=80)
    a = analyse(raw, opts)
    assert "no request completed in the measurement window" in a.understated
    assert not a.untrusted
    slos = [SLO.parse("p(95) < 500ms"), SLO.parse("p(99) < 1000ms")]
    m = measurement(a, opts, raw, slos)
    assert m.inconclusive is None, m.inconclusive
    assert m.metrics["p95_ms"] == 1000  # the lower bound
    assert "p95 at least 1000 ms (80 of 80 requests were slower than 500 ms (80 still " \
           "unanswered after 1000 ms)" in m.summary
    assert any(f.title == "Requests never answered" for f in m.findings)
