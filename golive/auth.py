"""``[auth]``: logging in as real services want it, for every request golive sends.

A static ``[target] headers`` token expires mid-audit on services with 15-minute tokens. With
``[auth]`` golive logs in itself (a JSON or form body, as the login's OpenAPI ``requestBody``
declares), reads the token from the answer (a JSON path, a cookie or a header), sends it (a
header template or a cookie), logs in again before it expires (``expires_in``, the JWT's
``exp``, or ``ttl_s``) and once more after a 401. Several users make a pool: the load test
logs each virtual user in as one of them.

The pieces the load generator needs (building the login request, reading the token) are plain
functions of :class:`AuthConfig` so that the Locust child process uses the same code.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from golive.exceptions import ConfigError


class AuthUser(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    username: str
    password: str = ""
    #: read the password from this environment variable (keeps it out of golive.toml)
    password_env: str = ""


class AuthConfig(BaseModel):
    """``[auth]`` in golive.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the login request: "POST /api/auth/token" ("" = no login)
    login: str = ""
    #: the body's media type; "auto" takes the one the login's OpenAPI requestBody declares
    content_type: Literal["auto", "json", "form"] = "auto"
    username_field: str = "username"
    password_field: str = "password"
    #: more body fields, e.g. {grant_type = "password"}
    fields: dict[str, str] = Field(default_factory=dict)
    username: str = ""
    password: str = ""
    password_env: str = ""
    #: a pool of users (load tests log each virtual user in as one of them)
    users: list[AuthUser] = Field(default_factory=list)
    #: where the token is: a dotted path in the JSON answer, else a cookie, else a header
    token_json: str = "access_token"
    token_cookie: str = ""
    token_header: str = ""
    #: seconds until expiry in the JSON answer (dotted path); else the JWT's exp; else ttl_s
    expires_json: str = "expires_in"
    ttl_s: float = Field(default=0.0, ge=0)
    #: log in again this long before the token expires
    refresh_margin_s: float = Field(default=30.0, ge=0)
    #: how the token is sent: a header with a template, or a cookie of this name
    send_header: str = "Authorization"
    send_template: str = "Bearer {token}"
    send_cookie: str = ""
    #: the load test's virtual users log in too, each as one of the users (false: the load
    #: test stays anonymous, e.g. when the login's rate limit would refuse a crowd)
    load_users: bool = True

    @field_validator("login")
    @classmethod
    def _login(cls, value: str) -> str:
        method, _, path = value.partition(" ") if " " in value else ("POST", "", value)
        if value and (not path.startswith("/") or not method.isalpha()):
            raise ValueError(f"{value!r}: write it as \"POST /path\"")
        return f"{method.upper()} {path}" if value else ""

    @model_validator(mode="after")
    def _who(self) -> AuthConfig:
        if self.login and not (self.username or self.users):
            raise ValueError("a login needs a user: set username (and password or "
                             "password_env) or [[auth.users]]")
        return self

    @property
    def method(self) -> str:
        return self.login.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.login.split(" ", 1)[1]

    def accounts(self) -> list[tuple[str, str]]:
        """(username, password) of every user; a missing environment variable is a config
        error naming it."""
        users = list(self.users) or [AuthUser(username=self.username, password=self.password,
                                               password_env=self.password_env)]
        out = []
        for user in users:
            password = user.password
            if user.password_env:
                if user.password_env not in os.environ:
                    raise ConfigError(f"[auth] password_env: ${user.password_env} is not set "
                                      f"(the password of {user.username!r})")
                password = os.environ[user.password_env]
            out.append((user.username, password))
        return out


def login_body(auth: AuthConfig, username: str, password: str, media: str) -> tuple[str, bytes]:
    """(Content-Type, body) of the login request; ``media`` is "json" or "form"."""
    values = {**auth.fields, auth.username_field: username, auth.password_field: password}
    if media == "json":
        return "application/json", json.dumps(values).encode()
    return "application/x-www-form-urlencoded", urlencode(values).encode()


def declared_media(openapi: dict[str, Any] | None, auth: AuthConfig) -> str:
    """The login's media type: the config's, else the OpenAPI requestBody's (form when it
    declares a form and no JSON), else JSON."""
    if auth.content_type != "auto":
        return auth.content_type
    op = (((openapi or {}).get("paths") or {}).get(auth.path) or {}).get(auth.method.lower())
    content = ((op or {}).get("requestBody") or {}).get("content") or {}
    kinds = {k.split(";")[0].strip() for k in content}
    if "application/json" not in kinds and kinds & {"application/x-www-form-urlencoded",
                                                      "multipart/form-data"}:
        return "form"
    return "json"


def _pick(data: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (decoded, never verified), or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        exp = json.loads(base64.urlsafe_b64decode(padded)).get("exp")
    except (ValueError, AttributeError):
        return None
    return float(exp) if isinstance(exp, (int, float)) else None


def read_token(auth: AuthConfig, status: int, headers: dict[str, str], body: bytes,
               cookies: dict[str, str], now: float) -> tuple[str, float | None]:
    """(token, expires at) from the login's answer; ValueError says what was missing."""
    if status >= 400:
        raise ValueError(f"the login {auth.login} answered {status}")
    data: Any = None
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if auth.token_cookie:
        token = cookies.get(auth.token_cookie, "")
        where = f"cookie {auth.token_cookie!r}"
    elif auth.token_header:
        token = {k.lower(): v for k, v in headers.items()}.get(auth.token_header.lower(), "")
        where = f"header {auth.token_header!r}"
    else:
        found = _pick(data, auth.token_json)
        token = found if isinstance(found, str) else ""
        where = f"JSON field {auth.token_json!r}"
    if not token:
        raise ValueError(f"the login {auth.login} answered {status} without a token in the "
                         f"{where} (set [auth] token_json, token_cookie or token_header)")
    expires_in = _pick(data, auth.expires_json)
    if isinstance(expires_in, (int, float)) and expires_in > 0:
        return token, now + float(expires_in)
    if (exp := jwt_expiry(token)) is not None:
        return token, exp
    return token, (now + auth.ttl_s) if auth.ttl_s else None


def credentials(auth: AuthConfig, token: str) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, cookies) that carry the token."""
    if auth.send_cookie:
        return {}, {auth.send_cookie: token}
    return {auth.send_header: auth.send_template.format(token=token)}, {}


@dataclass
class Session:
    """One logged-in user: what to send, until when."""

    username: str
    headers: dict[str, str]
    cookies: dict[str, str]
    expires_at: float | None
    logins: int = 1
    token: str = ""  # as issued (security.jwt decodes it)

    def header_values(self) -> dict[str, str]:
        """The headers with the cookies folded in (for a browser or Lighthouse)."""
        return carrying(self.headers, self.cookies)


def carrying(headers: dict[str, str], cookies: dict[str, str]) -> dict[str, str]:
    """Request headers that carry these credentials (cookies folded into one Cookie)."""
    out = dict(headers)
    if cookies:
        out["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return out


@dataclass
class Authenticator:
    """Logs the configured users in through a safe client, and keeps them logged in."""

    auth: AuthConfig
    client_factory: Callable[..., httpx.Client]
    base_url: str
    #: where the OpenAPI document is (for content_type "auto"): read once, without a token
    openapi_path: str = "/openapi.json"
    timeout_s: float = 10.0
    _media: str = ""
    _sessions: dict[int, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def accounts(self) -> list[tuple[str, str]]:
        return self.auth.accounts()

    def login(self, index: int = 0) -> Session:
        accounts = self.accounts()
        username, password = accounts[index % len(accounts)]
        with self.client_factory(base_url=self.base_url, timeout=self.timeout_s,
                                 follow_redirects=False) as client:
            kind, body = login_body(self.auth, username, password, self.media(client))
            try:
                r = client.request(self.auth.method, self.auth.path, content=body,
                                   headers={"Content-Type": kind})
            except httpx.HTTPError as err:
                raise LoginFailed(f"the login {self.auth.login} failed: {err}") from err
        try:
            token, expires = read_token(self.auth, r.status_code, dict(r.headers), r.content,
                                        dict(r.cookies), time.time())
        except ValueError as err:
            raise LoginFailed(f"{err} (as {username!r})") from None
        headers, cookies = credentials(self.auth, token)
        before = self._sessions.get(index)
        return Session(username, headers, cookies, expires,
                       logins=(before.logins + 1) if before else 1, token=token)

    def media(self, client: httpx.Client | None = None) -> str:
        """The login body's media type ("json" or "form"), from the config or the OpenAPI
        document (fetched once, without credentials)."""
        if not self._media:
            doc: dict[str, Any] | None = None
            if self.auth.content_type == "auto" and self.openapi_path:
                try:
                    if client is None:
                        with self.client_factory(base_url=self.base_url,
                                                 timeout=self.timeout_s) as own:
                            r = own.get(self.openapi_path)
                    else:
                        r = client.get(self.openapi_path)
                    doc = r.json() if r.status_code == 200 else None
                except (httpx.HTTPError, ValueError):
                    doc = None
            self._media = declared_media(doc if isinstance(doc, dict) else None, self.auth)
        return self._media

    def session(self, index: int = 0, *, fresh: bool = False) -> Session:
        """The user's session, logged in again when it expires within the refresh margin."""
        with self._lock:
            current = self._sessions.get(index)
            soon = time.time() + self.auth.refresh_margin_s
            if fresh or current is None or (current.expires_at is not None
                                            and current.expires_at <= soon):
                current = self._sessions[index] = self.login(index)
            return current

    def header_values(self, index: int = 0) -> dict[str, str]:
        """Headers (cookies folded in) for a client golive does not drive through httpx (a
        browser, Lighthouse): a fresh session, else the last one, else none."""
        try:
            return self.session(index).header_values()
        except LoginFailed:
            last = self.last(index)
            return last.header_values() if last else {}

    def last(self, index: int = 0) -> Session | None:
        return self._sessions.get(index)

    def logins(self) -> int:
        return sum(s.logins for s in self._sessions.values())

    def httpx_auth(self, index: int = 0) -> httpx.Auth:
        return _FlowAuth(self, index)


class LoginFailed(Exception):
    """The configured login did not give a token."""


class _FlowAuth(httpx.Auth):
    """Sends the session's token; after a 401, logs in again once and retries."""

    def __init__(self, authenticator: Authenticator, index: int) -> None:
        self.authenticator = authenticator
        self.index = index

    def _apply(self, request: httpx.Request, session: Session) -> None:
        request.headers.update(session.header_values())

    def _session(self, fresh: bool = False) -> Session | None:
        """The session; when logging in again fails (a rate-limited login), the last one:
        the request then shows what the service answers, instead of the check crashing."""
        try:
            return self.authenticator.session(self.index, fresh=fresh)
        except LoginFailed:
            return self.authenticator.last(self.index)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response,
                                                             None]:
        session = self._session()
        if session is not None:
            self._apply(request, session)
        response = yield request
        if response.status_code == 401 and (again := self._session(fresh=True)) is not None:
            self._apply(request, again)
            yield request
