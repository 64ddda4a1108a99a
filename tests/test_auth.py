"""[auth]: logging in as real services want it, keeping the token fresh, a pool of users."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from golive.auth import AuthConfig, Authenticator, declared_media, jwt_expiry, read_token
from golive.config import CheckSettings, Config, TargetConfig
from golive.exceptions import ConfigError
from golive.safety import http_client


def test_config_is_checked_and_passwords_come_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="a login needs a user"):
        AuthConfig(login="POST /api/auth/token")
    with pytest.raises(ValueError, match='write it as "POST /path"'):
        AuthConfig(login="api/login", username="a")
    auth = AuthConfig(login="/api/login", username="alice", password_env="GOLIVE_T_PW")
    assert auth.login == "POST /api/login"
    with pytest.raises(ConfigError, match=r"\$GOLIVE_T_PW is not set"):
        auth.accounts()
    monkeypatch.setenv("GOLIVE_T_PW", "s3cret")
    assert auth.accounts() == [("alice", "s3cret")]


def test_tokens_are_read_where_the_config_says_and_expire() -> None:
    auth = AuthConfig(login="POST /t", username="a")
    token, expires = read_token(auth, 200, {}, b'{"access_token": "abc", "expires_in": 60}',
                                {}, now=1000.0)
    assert (token, expires) == ("abc", 1060.0)
    claims = base64.urlsafe_b64encode(json.dumps({"exp": 2000}).encode()).rstrip(b"=")
    jwt = f"eyJhbGciOiJIUzI1NiJ9.{claims.decode()}.sig"
    assert jwt_expiry(jwt) == 2000.0
    nested = AuthConfig(login="POST /t", username="a", token_json="data.token")
    assert read_token(nested, 200, {}, json.dumps({"data": {"token": jwt}}).encode(), {},
                      now=0.0) == (jwt, 2000.0)
    cookie = AuthConfig(login="POST /t", username="a", token_cookie="sid", ttl_s=900)
    assert read_token(cookie, 200, {}, b"", {"sid": "xyz"}, now=0.0) == ("xyz", 900.0)
    with pytest.raises(ValueError, match="answered 401"):
        read_token(auth, 401, {}, b"{}", {}, now=0.0)
    with pytest.raises(ValueError, match="without a token in the JSON field 'access_token'"):
        read_token(auth, 200, {}, b'{"token": "x"}', {}, now=0.0)
    form = {"paths": {"/t": {"post": {"requestBody": {"content": {
        "application/x-www-form-urlencoded": {}}}}}}}
    assert declared_media(form, auth) == "form" and declared_media({}, auth) == "json"


@pytest.mark.integration
def test_a_token_that_expires_mid_audit_is_renewed_and_a_pool_is_used(tmp_path: Path) -> None:
    """Issue 12, [auth]: a static token expired mid-audit on 15-minute-token services. Here
    tokens last 1.5 s and the audit sends requests for longer."""
    from tests.login_service import app
    from tests.targets import serve_asgi

    service = app(token_ttl_s=1.5, limit=1000)
    with serve_asgi(service) as url:
        auth = AuthConfig(login="POST /api/auth/token", refresh_margin_s=0.3,
                          users=[{"username": "alice", "password": "wonderland-42"},
                                 {"username": "bob", "password": "builder-42"}])
        import functools

        # content_type "auto": a form login, as its OpenAPI document says
        authenticator = Authenticator(auth, functools.partial(http_client, ()), url)
        statuses = []
        with http_client((), base_url=url, auth=authenticator.httpx_auth()) as client:
            end = time.monotonic() + 4
            while time.monotonic() < end:
                statuses.append(client.get("/api/me").status_code)
                time.sleep(0.1)
        assert set(statuses) == {200}, statuses
        assert authenticator.logins() >= 3  # 4 s of 1.5 s tokens
        assert authenticator.media() == "form"
        # the load test: each virtual user logs in as one of the pool, and renews
        from golive.session import AuditRequest, run_session
        from golive.store import Store

        config = Config(target=TargetConfig(url=url), auth=auth).with_check(
            "load.latency", CheckSettings(users=4, ramp_s=0, hold_s=4,
                                          requests=[{"path": "/api/me"}],
                                          think_min_s=0.1, think_max_s=0.2))
        store = Store(f"sqlite:///{tmp_path}/auth.db")
        try:
            outcome = run_session(AuditRequest(target=url, config=config, store=store,
                                               only=("load.latency",)))
        finally:
            store.close()
    (load,) = outcome.results
    assert load.metrics["requests"] >= 40, load.metrics
    assert load.metrics["error_rate_pct"] == 0, (load.summary, load.evidence.get("errors"))
    assert set(service.state.seen) == {"alice", "bob"}
    assert "wonderland-42" not in json.dumps(load.evidence)  # never in the stored run


@pytest.mark.integration
def test_a_login_that_fails_is_one_reason_on_every_target_check(tmp_path: Path) -> None:
    from golive.session import AuditRequest, run_session
    from golive.store import Store
    from tests.login_service import app
    from tests.targets import serve_asgi

    with serve_asgi(app()) as url:
        auth = AuthConfig(login="POST /api/auth/token", username="alice", password="wrong")
        store = Store(f"sqlite:///{tmp_path}/bad.db")
        try:
            outcome = run_session(AuditRequest(
                target=url, config=Config(target=TargetConfig(url=url), auth=auth),
                store=store, only=("http.health",)))
        finally:
            store.close()
    (health,) = outcome.results
    assert health.reason == ("[auth]: the login POST /api/auth/token answered 401 "
                             "(as 'alice')"), health.reason


def test_the_load_test_stays_anonymous_when_asked() -> None:
    from types import SimpleNamespace

    from golive.checks.load import load_auth

    def ctx(load_users: bool) -> object:
        auth = AuthConfig(login="POST /t", username="a", password="b", load_users=load_users,
                          content_type="json")
        return SimpleNamespace(auth=Authenticator(auth, http_client, "http://127.0.0.1:9"),
                               config=Config(auth=auth))

    assert load_auth(ctx(False)) is None  # type: ignore[arg-type]
    given = load_auth(ctx(True))  # type: ignore[arg-type]
    assert given is not None
    assert [tuple(a) for a in given["accounts"]] == [("a", "b")] and given["media"] == "json"


@pytest.mark.integration
def test_a_page_behind_the_login_is_audited_in_the_browser() -> None:
    from golive.checks.frontend.settings import FrontendConfig
    from golive.checks.frontend.tools import find_tools
    from golive.results import Status
    from tests.checks.helpers import run_one
    from tests.login_service import app
    from tests.targets import serve_asgi

    if find_tools(FrontendConfig()).missing_browser():
        pytest.skip("no Chromium: `make install` installs it")
    auth = {"login": "POST /api/auth/token", "username": "alice", "password": "wonderland-42"}
    with serve_asgi(app(limit=1000)) as url:
        anonymous = run_one("frontend.vitals", url, frontend={"pages": ["/account"]})
        logged_in = run_one("frontend.vitals", url, frontend={"pages": ["/account"]}, auth=auth)
    assert anonymous.status is Status.SKIPPED and "answers 401" in anonymous.reason
    assert logged_in.evidence["audited_pages"] == ["/account"], logged_in.summary
    assert "lcp_ms" in logged_in.metrics  # the browser rendered the page with the token
