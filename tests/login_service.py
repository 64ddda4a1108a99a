"""A service that logs in the way many real ones do: FastAPI's OAuth2 password flow, a
form-encoded ``POST /api/auth/token`` (``OAuth2PasswordRequestForm``) that answers a bearer
token expiring after ``token_ttl_s``, a rate limit on it (``limit`` attempts per ``window_s``
per client, 429 with Retry-After), and endpoints that need the token.

``otp_login=True`` adds ``POST /api/auth/login``, a JSON login that also needs a six-digit
one-time code: a body golive cannot make up, so every request is refused (422).
"""

# no "from __future__ import annotations": FastAPI resolves the closures' dependency types

import hashlib
import hmac
import time
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

USERS = {"alice": "wonderland-42", "bob": "builder-42"}
KEY = b"test-signing-key"


class OtpLogin(BaseModel):
    username: str
    password: str
    otp: str = Field(pattern=r"^[0-9]{6}$")


class Forgot(BaseModel):
    email: str


def app(*, limit: int = 5, window_s: float = 3.0, token_ttl_s: float = 60.0,
        otp_login: bool = False, recovery: str = "") -> FastAPI:
    """``recovery`` adds POST /api/auth/forgot: "uniform" answers 202 for any address,
    "leaky" 404 for an unknown one."""
    api = FastAPI(title="accounts")
    attempts: dict[str, list[float]] = {}
    api.state.seen = {}  # username -> requests to /api/me (which pool users came)

    def issue(user: str) -> str:
        expires = f"{time.time() + token_ttl_s:.3f}"
        sig = hmac.new(KEY, f"{user}|{expires}".encode(), hashlib.sha256).hexdigest()
        return f"{user}|{expires}|{sig}"

    def current_user(authorization: Annotated[str, Header()] = "") -> str:
        scheme, _, token = authorization.partition(" ")
        user, _, rest = token.partition("|")
        expires, _, sig = rest.partition("|")
        good = hmac.new(KEY, f"{user}|{expires}".encode(), hashlib.sha256).hexdigest()
        if scheme.lower() != "bearer" or not hmac.compare_digest(sig, good):
            raise HTTPException(401, "not authenticated", {"WWW-Authenticate": "Bearer"})
        if float(expires) < time.time():
            raise HTTPException(401, "token expired", {"WWW-Authenticate": "Bearer"})
        return user

    @api.post("/api/auth/token")
    def token(form: Annotated[OAuth2PasswordRequestForm, Depends()],
              x_forwarded_for: Annotated[str, Header()] = "") -> Any:
        client = x_forwarded_for or "local"
        now = time.monotonic()
        recent = [t for t in attempts.get(client, []) if now - t < window_s]
        if len(recent) >= limit:
            retry = max(1, int(window_s - (now - recent[0])) + 1)
            return JSONResponse({"detail": "too many attempts"}, 429,
                                {"Retry-After": str(retry), "RateLimit-Limit": str(limit)})
        attempts[client] = [*recent, now]
        if USERS.get(form.username) != form.password:
            raise HTTPException(401, "wrong username or password")
        return {"access_token": issue(form.username), "token_type": "bearer",
                "expires_in": token_ttl_s}

    @api.get("/api/me")
    def me(user: Annotated[str, Depends(current_user)]) -> dict[str, str]:
        api.state.seen[user] = api.state.seen.get(user, 0) + 1
        return {"username": user}

    @api.get("/account", response_class=HTMLResponse)
    def account_page(user: Annotated[str, Depends(current_user)]) -> str:
        return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{user}"
                f"</title></head><body><h1>Hello {user}</h1></body></html>")

    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    if recovery:
        @api.post("/api/auth/forgot", status_code=202)
        def forgot(body: Forgot) -> dict[str, str]:
            if recovery == "leaky" and body.email.split("@")[0] not in USERS:
                raise HTTPException(404, "no account with this e-mail")
            return {"detail": "if the account exists, we sent a link"}

    if otp_login:
        @api.post("/api/auth/login")
        def login(body: OtpLogin) -> dict[str, str]:
            if USERS.get(body.username) != body.password:
                raise HTTPException(401, "wrong username or password")
            return {"access_token": issue(body.username)}

    return api
