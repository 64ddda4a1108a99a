"""Each http check against the demo shop served for real on loopback: flaw on fails, off passes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from golive.demo.server import RunningDemo, demo_process
from golive.results import Status
from tests.checks.helpers import run_one
from tests.conftest import SMALL

pytestmark = pytest.mark.integration

Demo = Callable[[str], RunningDemo]


@pytest.mark.parametrize(
    ("check", "flaw", "finding"),
    [
        ("http.compression", "no_compression", "Text response sent uncompressed"),
        ("http.caching", "no_cache_headers", "Static asset not cacheable"),
        ("http.security_headers", "no_security_headers", "Missing Content-Security-Policy"),
        ("http.error_hygiene", "leaky_errors", "Error response reveals a Python stack trace"),
        ("http.pagination", "unpaginated_list", "Unbounded list response"),
    ],
)
def test_flaw_on_fails_flaw_off_passes(demo: Demo, check: str, flaw: str, finding: str) -> None:
    bad = run_one(check, demo(flaw).url)
    assert bad.status is Status.FAIL, bad.to_dict()
    assert finding in [f.title for f in bad.findings]
    good = run_one(check, demo("none").url)
    assert good.status is Status.PASS, good.to_dict()
    assert not [f for f in good.findings if f.severity in ("high", "critical")]


def test_other_flaws_do_not_trip_unrelated_checks(demo: Demo) -> None:
    url = demo("unpaginated_list").url
    for check in ("http.compression", "http.caching", "http.security_headers",
                  "http.error_hygiene", "http.health"):
        assert run_one(check, url).status is Status.PASS, check


def test_health(demo: Demo) -> None:
    r = run_one("http.health", demo("none").url)
    assert r.status is Status.PASS
    assert r.evidence["path"] == "/health"
    assert r.metrics["status_code"] == 200
    assert 0 < r.metrics["latency_ms"] < 500
    missing = run_one("http.health", demo("none").url, health_path="/nope")
    assert missing.status is Status.FAIL
    assert "Health endpoint answers 404" in [f.title for f in missing.findings]
    none_found = run_one("http.health", demo("none").url,
                         options={"paths": ["/nope", "/nada"]})
    assert none_found.status is Status.FAIL
    assert none_found.findings[0].title == "No health endpoint"


def test_compression_measures_sizes(demo: Demo) -> None:
    r = run_one("http.compression", demo("none").url)
    assert r.metrics["br_pct"] == 100
    assert r.metrics["transfer_bytes"] < r.metrics["bytes"]
    paths = [row["path"] for row in r.evidence["responses"]]
    assert "/api/products" in paths and "/openapi.json" in paths


def test_error_hygiene_banners_and_limits(demo: Demo) -> None:
    bad = run_one("http.error_hygiene", demo("leaky_errors").url)
    titles = [f.title for f in bad.findings]
    assert "X-Powered-By header reveals the stack" in titles
    assert "Server header reveals software" in titles
    good = run_one("http.error_hygiene", demo("none").url)
    statuses = {p["probe"]: p["status"] for p in good.evidence["probes"]}
    assert statuses == {"not found": 404, "wrong method": 405, "malformed body": 422,
                        "oversized body": 413}


def test_pagination_caps_a_greedy_page(demo: Demo) -> None:
    r = run_one("http.pagination", demo("none").url)
    assert r.metrics["items_max"] == 100
    greedy = [row for row in r.evidence["requests"] if row["request"] == "greedy"]
    assert greedy and all(row["items"] <= 100 for row in greedy if row["items"] is not None)
    assert any(row["path"].startswith("/api/products?limit=") for row in greedy)


def test_tls_is_skipped_without_an_https_endpoint(demo: Demo) -> None:
    r = run_one("http.tls", demo("none").url)
    assert r.status is Status.SKIPPED
    assert "needs a TLS endpoint" in r.reason and "https_url" in r.reason


def test_tls_redirect_and_hsts(tls_files: dict[str, str], demo: Demo) -> None:
    with demo_process("none", certfile=tls_files["cert"], keyfile=tls_files["key"],
                      ca_bundle=tls_files["ca"], **SMALL) as secure:
        with demo_process(redirect_to=secure.url) as plain:
            good = run_one("http.tls", plain.url, https_url=secure.url,
                           ca_bundle=tls_files["ca"])
            assert good.status is Status.PASS, (good.findings, good.evidence, good.reason)
            assert good.metrics == {"redirects_to_https": 1.0, "hsts_max_age_s": 31536000.0}
        # plain http that serves content instead of redirecting
        no_redirect = run_one("http.tls", demo("none").url, https_url=secure.url,
                              ca_bundle=tls_files["ca"])
        assert no_redirect.status is Status.FAIL
        assert "Plain HTTP is not redirected to HTTPS" in [f.title for f in no_redirect.findings]
        # without the CA the certificate is not trusted
        untrusted = run_one("http.tls", demo("none").url, https_url=secure.url)
        assert "HTTPS endpoint unusable" in [f.title for f in untrusted.findings]
    with demo_process("no_security_headers", certfile=tls_files["cert"],
                      keyfile=tls_files["key"], ca_bundle=tls_files["ca"], **SMALL) as bare:
        no_hsts = run_one("http.tls", bare.url, ca_bundle=tls_files["ca"])
        assert "No HSTS header" in [f.title for f in no_hsts.findings]
        assert no_hsts.status is Status.FAIL
        headers = run_one("http.security_headers", bare.url, ca_bundle=tls_files["ca"])
        assert "Missing Strict-Transport-Security" in [f.title for f in headers.findings]
