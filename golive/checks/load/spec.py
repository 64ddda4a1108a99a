"""What a load test does: the scenario, the workload model and the schedule (typed)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    method: str = "GET"
    name: str = ""  # the name figures are grouped by (default: the path as written)
    weight: float = 1.0
    headers: dict[str, str] = Field(default_factory=dict)
    json_body: Any = Field(default=None, alias="json")
    #: variables to take from the JSON response: {"product_id": "items[*].id"}
    extract: dict[str, str] = Field(default_factory=dict)


class Flow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    weight: float = 1.0
    steps: list[Step]


class LoadOptions(BaseModel):
    """Options of ``load.latency`` (``[checks."load.latency"]`` in golive.toml)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    model: Literal["closed", "paced"] = "closed"
    #: concurrent users (closed model), or the users the rate is spread over (paced)
    users: int | None = Field(default=None, ge=1, le=100_000)
    #: target requests per second (paced model)
    rate: float | None = Field(default=None, gt=0)
    ramp_s: float | None = Field(default=None, ge=0)
    hold_s: float | None = Field(default=None, gt=0, le=3600)
    down_s: float = Field(default=0, ge=0, le=600)
    think_min_s: float = Field(default=0.5, ge=0)
    think_max_s: float = Field(default=1.5, ge=0)
    processes: int = Field(default=1, ge=1, le=64)
    timeout_s: float = 30.0
    requests: list[Step] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    on_start: list[Step] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)
    #: {"product_id": {"random_int": [1, 100]}} or {"q": {"choice": ["a", "b"]}}
    vars: dict[str, dict[str, Any]] = Field(default_factory=dict)
    locustfile: str = ""
    #: distributed runs: wait for this many `golive load worker` processes (0: run locally)
    workers: int = Field(default=0, ge=0, le=1000)
    master_bind_host: str = "127.0.0.1"
    master_port: int = Field(default=5557, ge=1, le=65535)
    #: an endpoint whose p95 exceeds this is named as a slow endpoint
    endpoint_p95_ms: float = 500.0
    #: a gap between completions longer than this, with requests outstanding, is a stall
    stall_ms: float = 1000.0
    #: a generator process above this share of one core makes the run inconclusive
    max_generator_cpu_pct: float = 75.0
    #: a loopback target on a machine busier than this (all cores, over the window) makes the
    #: run inconclusive: the target was starved, not slow
    max_machine_cpu_pct: float = 90.0
    #: (paced) achieved rate below this share of the intended one makes it inconclusive
    min_rate_pct: float = 95.0

    @model_validator(mode="after")
    def _check(self) -> LoadOptions:
        if self.model == "paced" and not self.rate:
            raise ValueError("the paced model needs 'rate' (requests per second)")
        if self.think_max_s < self.think_min_s:
            raise ValueError("think_max_s must be at least think_min_s")
        return self


#: defaults by profile: the quick one is a smoke test, the full one the spec's 1000 users
PROFILES: dict[str, dict[str, float]] = {
    "quick": {"users": 100, "ramp_s": 5, "hold_s": 20},
    "full": {"users": 1000, "ramp_s": 30, "hold_s": 60},
}


def resolved(options: LoadOptions, profile: str) -> LoadOptions:
    """Options with the profile's defaults filled in where the user left them unset."""
    base = PROFILES.get(profile, PROFILES["quick"])
    updates = {k: v for k, v in base.items() if getattr(options, k) is None}
    if options.model == "paced" and options.users is None:
        updates["users"] = max(10, int((options.rate or 10) * 2))
    return options.model_copy(update=updates)
