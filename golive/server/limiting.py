"""Rate limits (the ``limits`` library; in memory, or in Redis for several workers) and a
small cache for what every visitor asks for (the project list, trend queries), emptied when a
run is uploaded: in the process, or in Redis (``--redis URL``), where an upload to any worker
empties it for all (a generation number in every key; an upload increments it). Cached
values are JSON, never pickles: a shared Redis cannot make the server run code."""

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
    """A time-bounded in-process cache of JSON-able values; ``clear()`` after every upload."""

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


class RedisCache(Cache):
    """The same cache in Redis, shared by every worker; a miss when Redis does not answer
    (the page is computed, never an error)."""

    PREFIX = "golive:server:cache"

    def __init__(self, url: str, ttl_s: float, metrics: Metrics) -> None:
        import redis

        super().__init__(ttl_s, metrics)
        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def _generation(self) -> int:
        return int(self.redis.get(f"{self.PREFIX}:generation") or 0)

    def get(self, key: str, compute: Callable[[], T]) -> T:
        import json

        import redis

        try:
            full = f"{self.PREFIX}:{self._generation()}:{key}"
            found = self.redis.get(full)
        except redis.RedisError:
            self.metrics.cache.labels("error").inc()
            return compute()
        if found is not None:
            self.metrics.cache.labels("hit").inc()
            value: T = json.loads(found)
            return value
        self.metrics.cache.labels("miss").inc()
        value = compute()
        if self.ttl_s > 0:
            try:
                self.redis.set(full, json.dumps(value, default=str), px=int(self.ttl_s * 1000))
            except redis.RedisError:
                self.metrics.cache.labels("error").inc()
        return value

    def clear(self) -> None:
        import redis

        try:
            self.redis.incr(f"{self.PREFIX}:generation")
        except redis.RedisError:
            self.metrics.cache.labels("error").inc()

    def ping(self) -> bool:
        import redis

        try:
            return bool(self.redis.ping())
        except redis.RedisError:
            return False
