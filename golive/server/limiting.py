"""Rate limits (the ``limits`` library; in memory, or in Redis for several workers) and a
small cache for the pages every visitor asks for (the project list, trend queries), emptied
when a run is uploaded."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from golive.server.observe import Metrics

T = TypeVar("T")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until a request is allowed again (the window's reset)

    def headers(self) -> dict[str, str]:
        out = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
               "RateLimit-Reset": str(self.reset_s)}
        if not self.allowed:
            out["Retry-After"] = str(max(1, self.reset_s))
        return out


class Limiter:
    def __init__(self, storage: str = "memory://") -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage))

    def hit(self, rate: str, *keys: str) -> Verdict:
        item = parse(rate)
        allowed = self.limiter.hit(item, *keys)
        stats = self.limiter.get_window_stats(item, *keys)
        return Verdict(allowed, item.amount, max(0, stats.remaining),
                       max(0, int(stats.reset_time - time.time()) + 1))


class Cache:
    """A time-bounded in-process cache; ``clear()`` after every upload."""

    def __init__(self, ttl_s: float, metrics: Metrics) -> None:
        self.ttl_s = ttl_s
        self.metrics = metrics
        self.entries: dict[str, tuple[float, Any]] = {}

    def get(self, key: str, compute: Callable[[], T]) -> T:
        found = self.entries.get(key)
        now = time.monotonic()
        if found is not None and now - found[0] < self.ttl_s:
            self.metrics.cache.labels("hit").inc()
            value: T = found[1]
            return value
        self.metrics.cache.labels("miss").inc()
        value = compute()
        if self.ttl_s > 0:
            if len(self.entries) > 1000:
                self.entries.clear()
            self.entries[key] = (now, value)
        return value

    def clear(self) -> None:
        self.entries.clear()
