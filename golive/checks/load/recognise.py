"""Plan phrasing the load area decides."""

from __future__ import annotations

from golive.plan.mapping import LT, NUM, Recogniser, fixed, mapped, pattern

RECOGNISERS: list[Recogniser] = [
    # latency percentiles: "API p95 response time <500ms", "API p99 <1000ms"
    (pattern(rf"\bp\s?(\d{{2}}(?:\.\d+)?)\b[^<≤\d]*?{LT}\s*{NUM}\s*(ms|s)\b"),
     lambda m: mapped("load.latency", f"p({m[1]}) < {m[2]}{m[3].lower()}")),
    # "Load testing completed (1000+ concurrent users)", "Load test passed (1000+ …)"
    (pattern(r"load test\w*.*?(\d[\d,]*)\s*\+?\s*(?:concurrent\s+)?users"),
     lambda m: mapped("load.latency", f"users >= {m[1].replace(',', '')}")),
    (pattern(r"load test\w* (?:completed|passed|done)"), fixed("load.latency")),
    (pattern(r"no performance regressions?"), fixed("load.regression")),
]
