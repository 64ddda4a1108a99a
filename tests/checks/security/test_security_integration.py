"""The security area against the demo shop and local servers on loopback."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from golive.demo.server import RunningDemo, demo_process
from golive.results import Severity, Status
from tests.checks.helpers import run_one
from tests.conftest import SMALL
from tests.osv_server import osv_server

pytestmark = pytest.mark.integration
Demo = Callable[[str], RunningDemo]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SECURITY = ("security.observatory", "security.passive", "security.probes")


def _titles(result: object) -> list[str]:
    return [f.title for f in result.findings]  # type: ignore[attr-defined]


def test_no_security_headers_is_graded_down(demo: Demo) -> None:
    r = run_one("security.observatory", demo("no_security_headers").url)
    assert r.status is Status.FAIL
    failed = {t["result"] for t in r.evidence["tests"] if not t["passed"]}
    assert {"csp-not-implemented", "x-frame-options-not-implemented",
            "x-content-type-options-not-implemented"} <= failed
    assert r.metrics["observatory_score"] == 50
    passive = run_one("security.passive", demo("no_security_headers").url)
    assert "Content Security Policy header not set (ZAP 10038)" in _titles(passive)


def test_leaky_errors_found(demo: Demo) -> None:
    probes = run_one("security.probes", demo("leaky_errors").url)
    assert probes.status is Status.FAIL
    assert "Application error disclosure (stack trace) (ZAP 90022)" in _titles(probes)
    passive = run_one("security.passive", demo("leaky_errors").url)
    assert "Server leaks X-Powered-By (ZAP 10037)" in _titles(passive)


def test_permissive_cors_is_critical(demo: Demo) -> None:
    r = run_one("security.probes", demo("permissive_cors").url)
    cors = [f for f in r.findings if f.title == "CORS reflects any origin with credentials"]
    assert cors and cors[0].severity is Severity.CRITICAL
    grade = run_one("security.observatory", demo("permissive_cors").url)
    assert "Observatory: cross-origin-resource-sharing-implemented-with-universal-access" in \
        _titles(grade)


def test_exposed_files_found(demo: Demo) -> None:
    r = run_one("security.probes", demo("exposed_files").url)
    assert {"Sensitive file exposed: /.git/HEAD", "Sensitive file exposed: /.env"} <= \
        set(_titles(r))
    assert r.status is Status.FAIL


def test_weak_cookies_found(demo: Demo) -> None:
    grade = run_one("security.observatory", demo("weak_cookies").url)
    assert "Observatory: cookies-session-without-secure-flag" in _titles(grade)
    passive = run_one("security.passive", demo("weak_cookies").url)
    assert {"Cookie without Secure (ZAP 10011)", "Cookie without HttpOnly (ZAP 10010)",
            "Cookie without SameSite (ZAP 10054)"} <= set(_titles(passive))


def test_rate_limit(demo: Demo) -> None:
    # a fresh shop: the burst must not share the limiter with other tests
    with demo_process("none", **SMALL) as shop:
        limited = run_one("security.rate_limit", shop.url, options={"max_wait_s": 12})
    assert limited.status is Status.PASS, limited.reason
    (burst,) = limited.evidence["bursts"]
    assert burst["first_429"] == 11 and burst["retry_after"] and burst["recovered"] is True
    assert "ratelimit-limit" in {k.lower() for k in burst["ratelimit_headers"]}
    open_door = run_one("security.rate_limit", demo("no_rate_limit").url,
                        options={"max_requests": 30})
    assert open_door.status is Status.INCONCLUSIVE and "no 429" in open_door.reason
    required = run_one("security.rate_limit", demo("no_rate_limit").url,
                       options={"max_requests": 30}, required=frozenset({"security.rate_limit"}))
    assert required.status is Status.FAIL and "No rate limit" in _titles(required)


def test_protected_paths(demo: Demo) -> None:
    r = run_one("security.probes", demo("none").url,
                security={"protected": ["/api/account", "/api/categories"]})
    open_path = [f for f in r.findings if f.location == "GET /api/categories"]
    assert open_path and all(f.severity is Severity.CRITICAL for f in open_path)
    assert not [f for f in r.findings if f.location == "GET /api/account"]


def test_tuned_shop_over_tls_grades_a_plus_with_no_findings(tls_files: dict[str, str]) -> None:
    with demo_process("none", certfile=tls_files["cert"], keyfile=tls_files["key"],
                      ca_bundle=tls_files["ca"], **SMALL) as secure, \
            demo_process(redirect_to=secure.url) as plain:
        target = {"https_url": secure.url, "ca_bundle": tls_files["ca"]}
        grade = run_one("security.observatory", plain.url, **target)
        assert grade.evidence["grade"] == "A+", grade.evidence["tests"]
        assert grade.status is Status.PASS and grade.findings == []
        assert grade.evidence["needs_tls"] == []
        for check in ("security.passive", "security.probes", "security.tls"):
            r = run_one(check, secure.url, ca_bundle=tls_files["ca"])
            assert r.status is Status.PASS and r.findings == [], (check, r.findings)
        tls = run_one("security.tls", secure.url, ca_bundle=tls_files["ca"])
        assert tls.metrics["legacy_protocols"] == 0 and tls.metrics["days_to_expiry"] > 30
        assert tls.evidence["protocols"]["TLS 1.3"] is True


@contextmanager
def legacy_tls_server(files: dict[str, str]) -> Iterator[int]:
    """A TLS server that still accepts TLS 1.0."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(files["cert"], files["key"])
    with pytest.warns(DeprecationWarning):
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    sock = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()


def test_legacy_tls_is_found(tls_files: dict[str, str]) -> None:
    with legacy_tls_server(tls_files) as port:
        r = run_one("security.tls", f"https://127.0.0.1:{port}", ca_bundle=tls_files["ca"])
    if r.evidence["protocols"]["TLS 1.0"] != True:  # noqa: E712 (None: client cannot offer it)
        pytest.skip(f"this OpenSSL cannot test TLS 1.0: {r.evidence['protocols']}")
    assert "TLS 1.0 offered" in _titles(r) and r.status is Status.FAIL
    untrusted = run_one("security.tls", f"https://127.0.0.1:{port}")
    assert "Certificate not trusted" in _titles(untrusted)


def test_fixture_project_gets_all_three_reported() -> None:
    project = FIXTURES / "vulnerable_project"
    from golive.demo.story import DEMO_DATA  # the demo's OSV records: one copy for both

    with osv_server(DEMO_DATA / "osv") as osv_url:
        deps = run_one("security.dependencies", "http://127.0.0.1:1",
                       security={"source": str(project), "osv_url": osv_url,
                                 "requirements": [str(project / "requirements.txt")]})
    assert deps.status is Status.FAIL, deps.reason
    (vuln,) = deps.findings
    assert "requests 2.19.0" in vuln.title and "PYSEC-2018-28" in vuln.detail
    assert "2.20.0" in vuln.fix
    assert deps.metrics["checked_packages"] == 2 and deps.metrics["skipped_packages"] == 0
    sast = run_one("security.sast", "http://127.0.0.1:1", security={"source": str(project)})
    shell = [f for f in sast.findings if f.title.startswith("B602")]
    assert shell and shell[0].location == "vulnerable_app.py:10"
    assert shell[0].severity is Severity.HIGH and sast.status is Status.FAIL
    secrets = run_one("security.secrets", "http://127.0.0.1:1",
                      security={"source": str(project)})
    assert [f.location for f in secrets.findings] == ["vulnerable_app.py:6"]
    assert "AWS" in secrets.findings[0].detail and "AKIA" not in secrets.findings[0].detail


def test_dependency_audit_that_checks_nothing_is_inconclusive(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("requests==2.19.0\n")
    r = run_one("security.dependencies", "http://127.0.0.1:1",
                security={"requirements": [str(req)], "osv_url": "http://127.0.0.1:9/v1/query"})
    assert r.status is Status.INCONCLUSIVE, (r.status, r.summary)


def test_api_fuzz_finds_a_server_error_with_curl(demo: Demo) -> None:
    from tests.fuzz_target import fuzz_target

    with fuzz_target() as url:
        r = run_one("security.api_fuzz", url, profile="quick")
    assert r.status is Status.FAIL, (r.reason, r.evidence.get("stdout_tail"))
    errors = [f for f in r.findings if f.severity is Severity.HIGH]
    assert errors and errors[0].location == "GET /divide"
    assert "curl -X GET" in errors[0].detail and "/divide" in errors[0].detail
    tuned = run_one("security.api_fuzz", demo("none").url, profile="quick")
    assert tuned.status is Status.PASS, tuned.findings


def test_the_dependency_audit_asks_pypi_only_when_allowed(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("requests==2.19.0\n")
    r = run_one("security.dependencies", "http://127.0.0.1:1",
                security={"requirements": [str(req)]})
    assert r.status is Status.SKIPPED
    assert "'pypi.org'" in r.reason and "allow_targets" in r.reason


def test_secrets_noise_is_filtered_and_a_clean_repository_passes(tmp_path: Path) -> None:
    """Issue 12, item 4: placeholders, revision ids, lock hashes and test fixtures were all
    "high" (7 here before); none is a secret in production code."""
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "secrets_repo", repo)
    r = run_one("security.secrets", "http://127.0.0.1:1", security={"source": str(repo)})
    assert r.status is Status.PASS, [(f.location, f.title) for f in r.findings]
    assert r.metrics["secrets"] == 0
    assert r.evidence["filtered"] == {"migration revision id": 3, "placeholder value": 1}
    outside = sorted(f.location for f in r.findings)
    assert outside == ["tests/conftest.py:8", "tests/fixtures/signing_key.pem:1",
                       "tests/test_login.py:3"]
    assert {f.severity for f in r.findings} == {Severity.INFO}
    assert "filtered: 3 migration revision id, 1 placeholder value" in r.summary
    ignored = run_one("security.secrets", "http://127.0.0.1:1",
                      security={"source": str(repo)}, options={"non_production": "ignore"})
    assert ignored.findings == [] and ignored.metrics["filtered_candidates"] == 7


def test_a_real_secret_and_a_hard_coded_fallback_are_found(tmp_path: Path) -> None:
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "secrets_repo", repo)
    (repo / "app" / "config.py").write_text(
        'import os\n\nSECRET_KEY = os.environ.get("SECRET_KEY", "secret-key")\n'
        'JWT_SECRET = config("JWT_SECRET", default="changeme")\n')
    (repo / "web" / "server.js").write_text(
        "const key = process.env.SESSION_SECRET || 'keyboard cat';\n")
    token = "ghp_" + "Zq8" * 12  # GitHub token shape: detect-secrets' GitHubTokenDetector
    (repo / "app" / "integrations.py").write_text(f'GITHUB = "{token}"\n')
    r = run_one("security.secrets", "http://127.0.0.1:1", security={"source": str(repo)})
    assert r.status is Status.FAIL
    high = {f.location: f for f in r.findings if f.severity is Severity.HIGH}
    assert set(high) == {"app/config.py:3", "app/config.py:4", "web/server.js:1",
                         "app/integrations.py:1"}, list(high)
    assert high["app/config.py:3"].title == "Hard-coded fallback for SECRET_KEY"
    assert "(a placeholder)" in high["app/config.py:4"].detail
    assert "GitHub" in high["app/integrations.py:1"].detail
    assert token not in str(r.to_dict()) and "secret-key" not in str(r.to_dict())
    assert r.metrics["secrets"] == 4 and r.metrics["fallback_secrets"] == 3


def test_a_form_login_is_burst_with_a_form_body_and_its_limit_found() -> None:
    """Issue 12, item 9: against a form-encoded login the burst sent JSON (60 times 422) and
    concluded "no 429, the limit may be higher"."""
    from tests.login_service import app
    from tests.targets import serve_asgi

    with serve_asgi(app(limit=5, window_s=2.0)) as url:
        r = run_one("security.rate_limit", url, options={"max_wait_s": 5})
    (burst,) = r.evidence["bursts"]
    assert burst["endpoint"] == "POST /api/auth/token"
    assert burst["content_type"] == "application/x-www-form-urlencoded"
    assert burst["statuses"] == {401: 5, 429: 1}, burst  # wrong password, then the limit
    assert burst["first_429"] == 6 and burst["recovered"] is True
    assert r.status is Status.PASS, (r.reason, r.findings)


def test_a_burst_whose_body_is_refused_every_time_says_it_could_not_exercise_the_endpoint(
        ) -> None:
    from tests.login_service import app
    from tests.targets import serve_asgi

    with serve_asgi(app(limit=1000, otp_login=True)) as url:
        r = run_one("security.rate_limit", url, security={"rate_limited": ["/api/auth/login"]},
                    options={"max_requests": 20})
        # required by the plan, it is still not called unlimited: nothing reached the handler
        required = run_one("security.rate_limit", url,
                           security={"rate_limited": ["/api/auth/login"]},
                           options={"max_requests": 20},
                           required=frozenset({"security.rate_limit"}))
    assert r.status is Status.INCONCLUSIVE
    assert "could not exercise POST /api/auth/login" in r.reason
    assert "answered 422 to the application/json body" in r.reason
    assert r.metrics["unexercised_endpoints"] == 1
    assert required.status is Status.INCONCLUSIVE and not required.findings


DEMO_AUTH = {"login": "POST /api/login", "username_field": "email",
             "username": "demo@example.com", "password": "demo", "token_json": "token"}


def test_exposed_docs_are_found_and_a_closed_deployment_passes(demo: Demo) -> None:
    """Issue 12: interactive docs reachable in production were never reported."""
    flawed = run_one("security.exposed_docs", demo("public_docs").url)
    where = {f.location: f for f in flawed.findings}
    assert where["GET /docs"].title == "Exposed: Swagger UI (interactive API docs)"
    assert where["GET /docs"].severity is Severity.MEDIUM and "GET /redoc" in where
    assert where["GET /openapi.json"].severity is Severity.INFO  # golive reads it too
    assert flawed.status is Status.FAIL and flawed.metrics["exposed"] == 2
    public = run_one("security.exposed_docs", demo("public_docs").url,
                     security={"public_docs": True})
    assert public.status is Status.PASS and public.metrics["exposed"] == 0
    tuned = run_one("security.exposed_docs", demo("none").url)
    assert tuned.status is Status.PASS, tuned.findings
    assert [f.location for f in tuned.findings] == ["GET /openapi.json"]


def test_a_jwt_with_a_weak_key_and_alg_none_is_forged_and_a_strict_one_is_not(
        demo: Demo) -> None:
    weak = run_one("security.jwt", demo("weak_jwt").url, auth=DEMO_AUTH)
    assert weak.status is Status.FAIL, (weak.reason, weak.summary)
    titles = {f.title for f in weak.findings}
    assert "Token signing key is a well-known weak key" in titles
    assert "Forged token accepted: alg 'none' with no signature" in titles
    assert "Forged token accepted: an expired token signed with the found key" in titles
    assert weak.evidence["path"] == "/api/account" and weak.evidence["key_found"] is True
    assert "secret" not in str(weak.evidence).replace("secret_key", "")
    # the tuned shop without its login limit: the shared tuned one's login budget (10 per
    # 10 s) belongs to the tests that count on it
    strict = run_one("security.jwt", demo("no_rate_limit").url, auth=DEMO_AUTH)
    assert strict.status is Status.PASS, (strict.reason, strict.findings)
    assert strict.metrics["forged_tokens_accepted"] == 0 and strict.evidence["forgeries"]
    assert "expired-token test needs the key" in strict.summary
    assert run_one("security.jwt", demo("no_rate_limit").url).status is Status.SKIPPED


def test_a_jwt_signed_with_a_committed_key_is_found_offline(tmp_path: Path) -> None:
    """The key is only in the source (an assignment, a fallback, a .env line): the token's
    signature verifies with it offline, and nothing is sent to find out."""
    import jwt

    from golive.checks.security.tokens import committed_keys, signing_key

    key = "a-long-committed-signing-key-1234"
    (tmp_path / "settings.py").write_text(
        f'import os\nJWT_SECRET = os.environ.get("JWT_SECRET", "{key}")\n'
        'DEBUG_TOKEN = "t0k3n-for-dev"\n')
    (tmp_path / ".env").write_text("SECRET_KEY=another-committed-one\nPORT=8000\n")
    found = committed_keys(tmp_path)
    assert set(found) == {key, "t0k3n-for-dev", "another-committed-one"}, found
    token = jwt.encode({"sub": "alice", "exp": 4_000_000_000}, key, algorithm="HS256")
    assert signing_key(token, "HS256", found) == key
    other = jwt.encode({"sub": "alice"}, "x" * 40, algorithm="HS256")
    assert signing_key(other, "HS256", found) is None


def test_user_enumeration_through_login_is_found_and_a_uniform_login_passes(
        demo: Demo) -> None:
    flawed = run_one("security.enumeration", demo("user_enumeration").url, auth=DEMO_AUTH)
    (finding,) = flawed.findings
    assert finding.title == "Login tells existing accounts from unknown ones (status)"
    assert finding.location == "POST /api/login" and "[401]" in finding.detail
    assert "[404]" in finding.detail and flawed.status is Status.FAIL
    # without [auth]: the login-like POST of the OpenAPI document, its JSON body (another
    # shop: the first one's login limit, 10 per 10 s, is used up: that would be a 429)
    found = run_one("security.enumeration", demo("user_enumeration,no_rate_limit").url,
                    security={"known_account": "demo@example.com"})
    assert [f.location for f in found.findings] == ["POST /api/login"], found.summary
    uniform = run_one("security.enumeration", demo("no_rate_limit").url, auth=DEMO_AUTH)
    assert uniform.status is Status.PASS, (uniform.reason, uniform.summary, uniform.findings)
    assert "same status, body and time" in uniform.summary


def test_an_admin_login_with_default_credentials_is_critical() -> None:
    from tests.admin_site import app
    from tests.targets import serve_asgi

    with serve_asgi(app(password="admin")) as url:
        weak = run_one("security.exposed_docs", url)
    (finding,) = [f for f in weak.findings if "Admin" in f.title]
    assert finding.title == "Admin login accepts default credentials"
    assert finding.severity is Severity.CRITICAL and finding.location == "POST /admin/login/"
    assert "admin" not in finding.detail.split("/")[1]  # the password is not repeated
    with serve_asgi(app(password="a-long-random-admin-password")) as url:
        strong = run_one("security.exposed_docs", url)
    (reachable,) = [f for f in strong.findings if "Admin" in f.title]
    assert reachable.title == "Admin login reachable" and reachable.severity is Severity.INFO
    attempts = [p for p in strong.evidence["probes"] if "default_credentials" in p]
    assert len(attempts) == 4 and strong.status is Status.PASS


def test_a_window_longer_than_the_wait_is_not_called_no_recovery() -> None:
    """Found when golive audited its own server (a minute's window, Retry-After 60): the
    check waited its 15 s bound and reported "No recovery", a false medium finding."""
    from tests.login_service import app
    from tests.targets import serve_asgi

    with serve_asgi(app(limit=5, window_s=60.0)) as url:
        r = run_one("security.rate_limit", url, options={"max_wait_s": 2})
    (burst,) = r.evidence["bursts"]
    assert burst["first_429"] == 6 and burst["recovered"] is None
    assert burst["beyond_bound_s"] >= 50
    assert r.status is Status.PASS, (r.reason, r.findings)
    (note,) = r.findings
    assert note.severity is Severity.INFO and "not confirmed" in note.title
    assert "raise max_wait_s" in note.fix


def test_password_recovery_is_compared_only_when_writes_are_allowed() -> None:
    from tests.login_service import app
    from tests.targets import serve_asgi

    auth = {"login": "POST /api/auth/token", "username": "alice",
            "password": "wonderland-42"}
    with serve_asgi(app(limit=1000, recovery="leaky")) as url:
        reads = run_one("security.enumeration", url, auth=auth,
                        security={"known_account": "alice@example.org"})
        writes = run_one("security.enumeration", url, auth=auth,
                         security={"known_account": "alice@example.org",
                                   "allow_writes": True})
    assert [r["endpoint"] for r in reads.evidence["comparisons"]] == ["POST /api/auth/token"]
    assert "POST /api/auth/forgot" in [r["endpoint"] for r in writes.evidence["comparisons"]]
    (leak,) = [f for f in writes.findings if f.location == "POST /api/auth/forgot"]
    assert leak.title == ("Password recovery tells existing accounts from unknown ones "
                          "(status)")
    with serve_asgi(app(limit=1000, recovery="uniform")) as url:
        uniform = run_one("security.enumeration", url, auth=auth,
                          security={"known_account": "alice@example.org",
                                    "allow_writes": True})
    assert not [f for f in uniform.findings if "forgot" in f.location], uniform.findings
