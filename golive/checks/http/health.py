"""http.health: a health endpoint that answers 200, says it is healthy, and answers fast."""

from __future__ import annotations

import statistics
import time

import httpx
from pydantic import BaseModel, ConfigDict

from golive.checks import Check, CheckContext, lower
from golive.results import Finding, Measurement, Severity

CANDIDATES = ["/health", "/healthz", "/livez", "/readyz", "/api/health", "/status", "/ping"]
HEALTHY = {"ok", "pass", "passing", "up", "healthy", "green", "ready", "alive", "success"}


class HealthOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paths: list[str] = CANDIDATES
    samples: int = 5


class Health(Check):
    id = "http.health"
    title = "Health endpoint"
    fix = "Expose GET /health returning 200 and a JSON body such as {\"status\": \"ok\"}."
    slo = ("status_code == 200", "latency_ms < 500ms")
    better = lower("latency_ms", "latency_max_ms")
    Options = HealthOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: HealthOptions = self.options  # type: ignore[assignment]
        paths = [ctx.config.target.health_path] if ctx.config.target.health_path else opts.paths
        tried: dict[str, int] = {}
        for path in paths:
            response = ctx.client.get(path)
            tried[path] = response.status_code
            if response.status_code < 400 or ctx.config.target.health_path:
                return self._measure(ctx, path, response, opts.samples, tried)
        return Measurement(
            summary="no health endpoint found",
            findings=[Finding(
                "No health endpoint", Severity.HIGH, location=", ".join(paths),
                detail="tried: " + ", ".join(f"{p} -> {s}" for p, s in tried.items()),
                fix=self.fix + " Or name yours in [target] health_path.",
            )],
            evidence={"tried": tried},
        )

    def _measure(self, ctx: CheckContext, path: str, first: httpx.Response, samples: int,
                 tried: dict[str, int]) -> Measurement:
        latencies = []
        for _ in range(max(1, samples)):
            start = time.perf_counter()
            response = ctx.client.get(path)
            latencies.append((time.perf_counter() - start) * 1000)
        findings = []
        body = first.text[:2000]
        state = None
        try:
            data = first.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            raw = data.get("status", data.get("state", data.get("health")))
            state = str(raw).lower() if raw is not None else None
            if state is not None and state not in HEALTHY:
                findings.append(Finding(
                    "Health endpoint reports unhealthy", Severity.HIGH, location=path,
                    detail=f"status field says {raw!r}", fix="Fix the failing dependency.",
                ))
        if first.status_code >= 400:
            findings.append(Finding(
                f"Health endpoint answers {first.status_code}", Severity.HIGH, location=path,
                detail=body[:200], fix=self.fix,
            ))
        median = statistics.median(latencies)
        return Measurement(
            metrics={
                "status_code": float(response.status_code),
                "latency_ms": round(median, 2),
                "latency_max_ms": round(max(latencies), 2),
            },
            findings=findings,
            evidence={
                "path": path, "tried": tried, "body": body,
                "content_type": first.headers.get("content-type", ""),
                "latencies_ms": [round(x, 2) for x in latencies],
            },
            summary=f"{path} -> {first.status_code} in {median:.1f} ms (median of {samples})"
            + (f", status {state!r}" if state else ""),
        )
