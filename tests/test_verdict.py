from __future__ import annotations

import pytest

from golive.exceptions import SLOError
from golive.results import Finding, Measurement, Result, Severity, Status
from golive.verdict import SLO, ExitStatus, decide, gate


@pytest.mark.parametrize(
    ("text", "metric", "op", "value"),
    [
        ("p(95)<500ms", "p95_ms", "<", 500),
        ("p(99.9) < 1s", "p999_ms", "<", 1),
        ("avg < 200ms", "mean_ms", "<", 200),
        ("error_rate<1%", "error_rate_pct", "<", 1),
        ("score>=85", "score", ">=", 85),
        ("min_score ≥ 85", "min_score", ">=", 85),
        ("cls < 0.1", "cls", "<", 0.1),
    ],
)
def test_parse(text: str, metric: str, op: str, value: float) -> None:
    slo = SLO.parse(text)
    assert (slo.metric, slo.op, slo.value) == (metric, op, value)


@pytest.mark.parametrize("text", ["p95 500", "< 500ms", "p(95) << 5", "latency < fast", ""])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(SLOError, match="cannot read the threshold"):
        SLO.parse(text)


def test_units_convert_to_the_metric_unit() -> None:
    assert SLO.parse("lcp_ms < 2.5s").evaluate({"lcp_ms": 2400}).ok is True
    assert SLO.parse("lcp_ms < 2.5s").evaluate({"lcp_ms": 2600}).ok is False
    assert SLO.parse("bytes <= 1KiB").evaluate({"bytes": 1024}).ok is True
    assert SLO.parse("bytes <= 1KiB").evaluate({"bytes": 1025}).ok is False
    # a unit on the value finds the suffixed metric
    assert SLO.parse("latency < 200ms").evaluate({"latency_ms": 150}).metric == "latency_ms"


def test_unit_mismatch_is_a_clear_error() -> None:
    with pytest.raises(SLOError, match="does not fit metric 'p95_ms'"):
        SLO.parse("p95_ms < 5%")
    with pytest.raises(SLOError, match="has no unit"):
        SLO.parse("score > 5ms").evaluate({"score": 1})


def test_missing_metric_is_not_a_pass() -> None:
    out = SLO.parse("p(95)<500ms").evaluate({"p99_ms": 1})
    assert out.ok is None and out.actual is None


def _decide(m: Measurement, slos: list[str], blocking: bool = True) -> Result:
    return decide(check="a.b", area="a", title="t", measurement=m,
                  slos=[SLO.parse(s, blocking=blocking) for s in slos], blocking=blocking)


def test_decide_statuses() -> None:
    assert _decide(Measurement(metrics={"x": 1}), ["x < 2"]).status is Status.PASS
    assert _decide(Measurement(metrics={"x": 3}), ["x < 2"]).status is Status.FAIL
    assert _decide(Measurement(metrics={"x": 3}), ["x < 2"], blocking=False).status is Status.WARN
    assert _decide(Measurement.skip("no tls", "set https_url"), ["x<2"]).status is Status.SKIPPED
    inconclusive = _decide(Measurement(metrics={"x": 1}, inconclusive="saturated"), ["x < 2"])
    assert inconclusive.status is Status.INCONCLUSIVE and inconclusive.reason == "saturated"
    assert _decide(Measurement(metrics={}), ["x < 2"]).status is Status.INCONCLUSIVE
    high = Measurement(metrics={"x": 1}, findings=[Finding("bad", Severity.HIGH)])
    assert _decide(high, ["x < 2"]).status is Status.FAIL
    low = Measurement(metrics={"x": 1}, findings=[Finding("meh", Severity.LOW)])
    assert _decide(low, ["x < 2"]).status is Status.WARN
    info = Measurement(metrics={"x": 1}, findings=[Finding("fyi", Severity.INFO)])
    assert _decide(info, ["x < 2"]).status is Status.PASS


def test_skip_reason_says_how_to_enable() -> None:
    r = _decide(Measurement.skip("needs a TLS endpoint", "set https_url"), [])
    assert r.reason == "needs a TLS endpoint (to enable: set https_url)"


def _r(status: Status) -> Result:
    return Result(check=f"x.{status}", area="x", title="", status=status)


@pytest.mark.parametrize(
    ("statuses", "strict", "verdict", "code"),
    [
        ([Status.PASS, Status.SKIPPED], False, "ready", ExitStatus.READY),
        ([Status.PASS, Status.WARN], False, "ready", ExitStatus.READY),
        ([Status.PASS, Status.FAIL], False, "not-ready", ExitStatus.NOT_READY),
        ([Status.FAIL, Status.ERROR], True, "not-ready", ExitStatus.NOT_READY),
        ([Status.PASS, Status.ERROR], False, "ready", ExitStatus.READY),
        ([Status.PASS, Status.ERROR], True, "incomplete", ExitStatus.INCOMPLETE),
        ([Status.PASS, Status.INCONCLUSIVE], True, "incomplete", ExitStatus.INCOMPLETE),
        ([Status.ERROR, Status.SKIPPED], False, "incomplete", ExitStatus.INCOMPLETE),
        ([], False, "incomplete", ExitStatus.INCOMPLETE),
    ],
)
def test_gate(statuses: list[Status], strict: bool, verdict: str, code: ExitStatus) -> None:
    g = gate([_r(s) for s in statuses], strict=strict)
    assert (g.verdict, g.exit_status) == (verdict, code)


def test_exit_codes_are_the_documented_ones() -> None:
    assert {e.name: int(e) for e in ExitStatus} == {
        "READY": 0, "NOT_READY": 1, "ERROR": 2, "INCOMPLETE": 3, "INTERNAL": 4,
        "INTERRUPTED": 130}
