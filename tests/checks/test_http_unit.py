"""Check logic on fakes (httpx.MockTransport): cases the demo does not produce."""

from __future__ import annotations

from typing import Any

import httpx

from golive.checks.http.caching import parse_cache_control
from golive.checks.http.pagination import count_items
from golive.results import Status
from tests.checks.helpers import run_one

URL = "http://127.0.0.1:9"


def _transport(routes: dict[tuple[str, str], tuple[int, dict[str, Any]]]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.path)
        if key in routes:
            status, kwargs = routes[key]
            return httpx.Response(status, **kwargs)
        return httpx.Response(404, json={"error": "not found"})

    return httpx.MockTransport(handler)


def test_health_body_saying_down_fails() -> None:
    t = _transport({("GET", "/health"): (200, dict(json={"status": "down"}))})
    r = run_one("http.health", URL, transport=t)
    assert r.status is Status.FAIL
    assert r.findings[0].title == "Health endpoint reports unhealthy"


def test_error_hygiene_finds_a_java_trace_and_a_versioned_server() -> None:
    trace = "java.lang.NullPointerException\n\tat com.shop.Api.handle(Api.java:42)\n"
    t = _transport({("GET", "/"): (200, dict(text="hi")),
                    ("PUT", "/"): (500, dict(text=trace, headers={"Server": "Apache/2.4.1"}))})
    r = run_one("http.error_hygiene", URL, transport=t)
    titles = [f.title for f in r.findings]
    assert r.status is Status.FAIL
    assert "Error response reveals a JVM stack trace" in titles
    assert "Server header reveals software and version" in titles
    assert r.metrics["responses_5xx"] == 1


def test_caching_long_max_age_without_validator_or_immutable_warns() -> None:
    html = '<html><script src="/app.js"></script></html>'
    t = _transport({
        ("GET", "/"): (200, dict(text=html, headers={"content-type": "text/html"})),
        ("GET", "/app.js"): (200, dict(text="x", headers={
            "cache-control": "public, max-age=31536000", "content-type": "text/javascript"})),
    })
    r = run_one("http.caching", URL, transport=t)
    assert r.status is Status.WARN
    assert r.findings[0].title == "Long max-age without immutable"
    assert r.metrics["cacheable_pct"] == 100


def test_caching_skips_without_assets() -> None:
    t = _transport({("GET", "/"): (200, dict(json={"hello": "world"}))})
    r = run_one("http.caching", URL, transport=t)
    assert r.status is Status.SKIPPED and "static_paths" in r.reason


def test_compression_ignores_small_responses() -> None:
    t = _transport({("GET", "/"): (200, dict(text="tiny", headers={"content-type": "text/html"}))})
    assert run_one("http.compression", URL, transport=t).status is Status.SKIPPED


def test_helpers() -> None:
    assert count_items([1, 2]) == 2
    assert count_items({"items": [1], "total": 9}) == 1
    assert count_items({"x": [1, 2, 3]}) == 3
    assert count_items({"x": 1}) is None
    assert parse_cache_control("public, max-age=60, immutable") == {
        "public": None, "max-age": "60", "immutable": None}
