"""The security area's reasoning without a server: Observatory scoring, passive rules, parsers."""

from __future__ import annotations

import httpx
import pytest

from golive.checks.security.fuzz import parse_junit
from golive.checks.security.observatory import (
    assess_cookies,
    assess_cors,
    assess_csp,
    assess_hsts,
    assess_redirection,
    assess_referrer,
    assess_sri,
    assess_xfo,
    grade,
    score,
)
from golive.checks.security.owasp import owasp_table
from golive.checks.security.passive import dedupe, inspect
from golive.checks.security.ratelimit import sample_body
from golive.results import Result, Status


@pytest.mark.parametrize(("points", "letter"), [
    (135, "A+"), (100, "A+"), (99, "A"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"),
    (65, "B-"), (60, "C+"), (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (24, "F"),
    (0, "F")])
def test_grades(points: int, letter: str) -> None:
    assert grade(points) == letter


def test_bonuses_only_count_at_90_or_more() -> None:
    strict = assess_csp({"content-security-policy": "default-src 'none'; frame-ancestors 'none'"})
    assert strict.modifier == 10
    xfo = assess_xfo({"content-security-policy": "default-src 'none'; frame-ancestors 'none'"})
    nosniff_missing = assess_csp({})  # -25
    assert score([strict, xfo]) == 115
    assert score([strict, xfo, nosniff_missing]) == 75  # 100 - 25 < 90: no bonus
    assert score([nosniff_missing] * 5) == 0  # never below zero


@pytest.mark.parametrize(("policy", "result", "modifier"), [
    ("", "csp-not-implemented", -25),
    ("default-src 'self'; script-src 'self' 'unsafe-inline'",
     "csp-implemented-with-unsafe-inline", -20),
    ("default-src 'self'; script-src 'self' 'nonce-abc' 'unsafe-inline'",
     "csp-implemented-with-no-unsafe", 0),
    ("default-src 'self'; script-src 'self' 'unsafe-eval'",
     "csp-implemented-with-unsafe-eval", -10),
    ("default-src *", "csp-implemented-with-unsafe-inline", -20),
    ("default-src 'self'; img-src http:",
     "csp-implemented-with-insecure-scheme-in-passive-content-only", -10),
    ("default-src 'none'", "csp-implemented-with-no-unsafe-default-src-none", 10),
    ("script-src: 'self'", "csp-header-invalid", -25),
])
def test_csp_results(policy: str, result: str, modifier: int) -> None:
    t = assess_csp({"content-security-policy": policy} if policy else {})
    assert (t.result, t.modifier) == (result, modifier)


def test_cookie_penalties() -> None:
    assert assess_cookies(["session=1; Path=/"], hsts=False).modifier == -40
    assert assess_cookies(["session=1; Path=/"], hsts=True).modifier == -10
    assert assess_cookies(["session=1; Secure"], hsts=True).modifier == -30
    assert assess_cookies(["theme=dark"], hsts=False).modifier == -20
    assert assess_cookies(["session=1; Secure; HttpOnly; SameSite=Lax"], hsts=True).modifier == 5
    assert assess_cookies([], hsts=False).result == "cookies-not-found"


def test_cors_redirection_hsts_referrer_sri() -> None:
    origin = "https://evil.invalid"
    bad = assess_cors({}, {"access-control-allow-origin": origin,
                         "access-control-allow-credentials": "true"}, origin)
    assert bad.modifier == -50
    assert assess_cors({"access-control-allow-origin": "*"}, {}, origin).modifier == 0
    assert assess_redirection(308, "https://h/", "h", True).result == "redirection-to-https"
    assert assess_redirection(200, "", "h", True).modifier == -20
    assert assess_redirection(200, "", "h", False).needs_tls
    assert assess_redirection(301, "http://h/x", "h", True).result == "redirection-not-to-https"
    assert assess_hsts({"strict-transport-security": "max-age=300"}, True).modifier == -10
    assert assess_hsts({"strict-transport-security": "max-age=31536000"}, True).modifier == 0
    assert assess_hsts({}, False).needs_tls
    assert assess_referrer({"referrer-policy": "unsafe-url"}).modifier == -5
    assert assess_referrer({"referrer-policy": "no-referrer"}).modifier == 5
    page = "https://shop.example/"
    assert assess_sri('<script src="http://cdn.example/x.js"></script>', page).modifier == -50
    assert assess_sri('<script src="https://cdn.example/x.js"></script>', page).modifier == -5
    assert assess_sri('<script src="https://cdn.example/x.js" integrity="sha384-x"></script>',
                    page).modifier == 5
    assert assess_sri('<script src="/app.js"></script>', page).modifier == 0


def _response(body: str, headers: dict[str, str], status: int = 200,
              url: str = "https://shop.example/") -> httpx.Response:
    return httpx.Response(status, headers=headers, text=body,
                          request=httpx.Request("GET", url))


def test_passive_rules_and_dedupe() -> None:
    leaky = _response('Traceback (most recent call last):\n  File "x.py", line 1\n'
                      "db at 10.1.2.3", {"content-type": "text/plain", "server": "nginx/1.2.3",
                                         "x-powered-by": "PHP/8"}, status=500)
    titles = {f.title for f in inspect("/boom", leaky)}
    assert "Application error disclosure (stack trace) (ZAP 90022)" in titles
    assert "Private IP disclosure (ZAP 2)" in titles
    assert "Server leaks version information (ZAP 10036)" in titles
    assert "Server leaks X-Powered-By (ZAP 10037)" in titles
    html = _response('<script src="https://cdn.example/a.js"></script><img src="http://x/y.png">',
                     {"content-type": "text/html", "set-cookie": "sid=1; Path=/",
                      "x-content-type-options": "nosniff"})
    found = inspect("/", html)
    names = {f.title.split(" (ZAP")[0] for f in found}
    assert {"Cookie without Secure", "Cookie without HttpOnly", "Cookie without SameSite",
            "Content Security Policy header not set", "Missing anti-clickjacking header",
            "Secure page includes mixed content", "Sub Resource Integrity attribute missing",
            "Response setting a session cookie may be cached"} <= names
    merged = dedupe(found + inspect("/other", html))
    assert len(merged) == len(found)
    assert any("/, /other" in f.location for f in merged)


def test_owasp_table_outcomes() -> None:
    results = [Result(check="security.probes", area="security", title="", status=Status.FAIL),
               Result(check="security.observatory", area="security", title="",
                      status=Status.PASS)]
    table = owasp_table(results)
    a01 = next(r for r in table["2021"] if r["id"] == "A01:2021")
    assert a01["outcome"] == "fail" and len(a01["checks"]) == 2
    a04 = next(r for r in table["2021"] if r["id"] == "A04:2021")
    assert a04["outcome"] == "manual" and a04["manual"]
    assert len(table["2021"]) == 10 and len(table["2025-rc"]) == 10


def test_sample_body_and_junit() -> None:
    doc = {"components": {"schemas": {"Login": {"type": "object", "properties": {
        "email": {"type": "string", "title": "Email"}, "n": {"type": "integer"}}}}}}
    assert sample_body({"$ref": "#/components/schemas/Login"}, doc) == {
        "email": "golive-probe@example.invalid", "n": 1}
    junit = ("<testsuites><testsuite><testcase name=\"GET /x\"><failure type=\"failure\">"
             "1. Test Case ID: a\n\n- ST101 Server error\n\nReproduce with:\n\n"
             "    curl -X GET 'http://127.0.0.1:1/x?d=0'</failure></testcase>"
             "<testcase name=\"GET /y\"/></testsuite></testsuites>")
    (problem,) = parse_junit(junit)
    assert problem["operation"] == "GET /x" and problem["codes"] == ["ST101"]
    assert problem["curl"] == "curl -X GET 'http://127.0.0.1:1/x?d=0'"


def test_secret_false_positive_shapes() -> None:
    from golive.checks.security.secrets import false_positive, is_placeholder

    assert false_positive("alembic/versions/x.py", 'revision = "ae1027a6acf9"') == (
        "migration revision id")
    assert false_positive("m.py", "Revision ID: ae1027a6acf9") == "migration revision id"
    assert false_positive("poetry.lock", 'hash = "sha256:70761cfe03c7"').startswith("hash")
    assert false_positive("requirements.txt", "x==1 --hash=sha256:abc").startswith("hash")
    for value in ("changeme", "your-secret-here", "xxxxxxxx", "<token>", "${DB_PASSWORD}",
                  "replace-me-with-a-long-one", "secret", "****"):
        assert is_placeholder(value), value
    for value in ("Tr0ub4dor&3", "ghp_Zq8Zq8Zq8", "keyboard cat"):
        assert not is_placeholder(value), value
    assert false_positive("app.py", 'TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"') is None


def test_fallback_patterns() -> None:
    import re

    from golive.checks.security.secrets import fallbacks

    lines = {
        'os.environ.get("SECRET_KEY", "dev")': "SECRET_KEY",
        "os.getenv('API_TOKEN', 'abc123')": "API_TOKEN",
        'env.str("DJANGO_SECRET_KEY", default="x-y-z")': "DJANGO_SECRET_KEY",
        'os.environ.setdefault("DB_PASSWORD", "postgres")': "DB_PASSWORD",
        "const k = process.env.JWT_SECRET ?? `dev`;": "JWT_SECRET",
        "process.env['STRIPE_API_KEY'] || 'sk'": "STRIPE_API_KEY",
    }
    clean = ['os.environ["SECRET_KEY"]', 'os.environ.get("SECRET_KEY")',
             'os.environ.get("DEBUG", "0")', 'os.getenv("API_TOKEN", "")',
             "process.env.JWT_ISSUER || 'app'"]
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "a.py").write_text("\n".join(list(lines)[:4] + clean[:4]) + "\n")
        (root / "b.js").write_text("\n".join(list(lines)[4:] + clean[4:]) + "\n")
        found = fallbacks(root, re.compile(r"^$"))
    assert sorted(f.name for f in found) == sorted(lines.values())
