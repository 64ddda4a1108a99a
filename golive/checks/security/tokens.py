"""security.jwt: the bearer tokens the service issues, decoded (never verified online) and
forged the ways attackers forge them; every forgery must be refused.

The token comes from the ``[auth]`` login. It is decoded locally; its HMAC signature is tried
offline against the secrets the source commits (assignments and hard-coded fallbacks of
secret-looking settings, under ``[security] source``) and a short list of the weak keys real
services ship with. Then, on a path the real token opens (``[security] protected``, else the
OpenAPI GETs that declare they need credentials), golive sends:
- the token with ``alg: none`` and no signature (and ``None``/``NONE``);
- the token with another subject, its signature kept (is the signature checked at all?);
- when the key was found: a token for another subject signed with it, and an expired one.
Each accepted (2xx) forgery is critical. A path that does not open with the real token, or
that opens without one, cannot tell: inconclusive.
"""

from __future__ import annotations

import base64
import json
import re
import time
import warnings
from pathlib import Path
from typing import Any

import httpx
import jwt
from jwt.warnings import InsecureKeyLengthWarning

from golive.auth import carrying, credentials
from golive.checks import Check, CheckContext, lower
from golive.checks.security.code import source_dir, source_files
from golive.checks.security.secrets import SECRET_NAME
from golive.results import Finding, Measurement, Severity

#: keys services ship with (framework examples, tutorials, defaults)
WEAK_KEYS = ("secret", "secret-key", "secretkey", "secret_key", "changeme", "change-me",
             "your-256-bit-secret", "your-secret-key", "jwt-secret", "jwt_secret", "jwtsecret",
             "password", "123456", "key", "dev", "test", "development", "supersecret",
             "super-secret", "mysecret", "my-secret", "s3cr3t", "default")
_ASSIGNED = re.compile(r"""\b(?P<name>""" + SECRET_NAME + r""")\s*[:=]\s*(?P<q>['"])"""
                       r"""(?P<value>[^'"]{3,200})(?P=q)""", re.IGNORECASE)
_FALLBACK = re.compile(r"""(?P<name>""" + SECRET_NAME + r""")(?P<q1>['"])?\s*[,)]?\s*"""
                       r"""(?:,\s*(?:default\s*=\s*)?|\|\||\?\?)\s*(?P<q>['"`])"""
                       r"""(?P<value>[^'"`]{3,200})(?P=q)""", re.IGNORECASE)
_SUBJECT_CLAIMS = ("sub", "user_id", "uid", "username", "email", "id")
_HMAC = ("HS256", "HS384", "HS512")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()
                                    ).rstrip(b"=").decode()


def decode(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(header, claims) of a JWT, unverified; None when it is not one."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return header, claims


def committed_keys(root: Path | None, limit: int = 200) -> list[str]:
    """Literal values of secret-looking settings in the source (assigned or as fallbacks)."""
    if root is None or not root.is_dir():
        return []
    found: list[str] = []
    for _rel, file in source_files(root, _key_file):
        name = file.name
        try:
            text = file.read_text(errors="replace")[:500_000]
        except OSError:
            continue
        for pattern in (_ASSIGNED, _FALLBACK):
            for m in pattern.finditer(text):
                if m.group("value") not in found:
                    found.append(m.group("value"))
        dotenv = name.startswith(".env") or name.endswith(".env")
        for line in text.splitlines() if dotenv else ():  # KEY=value lines of .env files
            key, eq, value = line.partition("=")
            if eq and re.fullmatch(SECRET_NAME, key.strip(), re.IGNORECASE):
                value = value.strip().strip("'\"")
                if len(value) >= 3 and value not in found:
                    found.append(value)
        if len(found) >= limit:
            return found[:limit]
    return found


def _key_file(rel: str) -> bool:
    """Files a signing key is written in: code, configuration, .env files."""
    name = rel.rsplit("/", 1)[-1]
    return name.endswith((".py", ".js", ".ts", ".env", ".toml", ".ini", ".cfg", ".yaml",
                          ".yml", ".json")) or name.startswith(".env")


def signing_key(token: str, alg: str, candidates: list[str]) -> str | None:
    """The candidate the token's HMAC signature verifies with (offline), or None."""
    if alg not in _HMAC:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return _first_key(token, alg, candidates)


def _first_key(token: str, alg: str, candidates: list[str]) -> str | None:
    for key in candidates:
        try:
            jwt.decode(token, key, algorithms=[alg], options={"verify_exp": False,
                                                              "verify_aud": False,
                                                              "verify_iss": False})
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError:
            return key  # the signature matched; some other claim failed
        return key
    return None


def _other_subject(claims: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for name in _SUBJECT_CLAIMS:
        if name in claims:
            value = claims[name]
            other: Any = value + 1 if isinstance(value, int) else f"{value}-golive-other"
            return name, {**claims, name: other}
    return "sub", {**claims, "sub": "golive-other"}


def forgeries(token: str, header: dict[str, Any], claims: dict[str, Any],
              key: str | None) -> list[tuple[str, str]]:
    """(what, token) pairs: each must be refused."""
    signature = token.rpartition(".")[2]
    claim, other = _other_subject(claims)
    out = [(f"alg '{alg}' with no signature", f"{_b64({**header, 'alg': alg})}."
            f"{_b64(claims)}.") for alg in ("none", "None", "NONE")]
    out.append((f"another {claim} with the original signature",
                f"{_b64(header)}.{_b64(other)}.{signature}"))
    if key is not None:
        alg = str(header.get("alg", "HS256"))
        expired = {**claims, "exp": int(time.time()) - 3600,
                   "iat": int(time.time()) - 7200}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            out.append((f"another {claim} signed with the found key",
                        jwt.encode(other, key, algorithm=alg, headers={"typ": "JWT"})))
            out.append(("an expired token signed with the found key",
                        jwt.encode(expired, key, algorithm=alg, headers={"typ": "JWT"})))
    return out


class JwtForgery(Check):
    id = "security.jwt"
    title = "Issued tokens cannot be forged (alg none, weak or committed key, tampered, expired)"
    fix = ("Verify every token with a fixed algorithm list (never 'none'), a long random key "
           "kept out of the source, and the exp claim.")
    slo = ("forged_tokens_accepted == 0",)
    better = lower("forged_tokens_accepted")

    def run(self, ctx: CheckContext) -> Measurement:
        from golive.checks.security.settings import SecurityConfig

        if ctx.auth is None:
            return Measurement.skip("no token to examine: the service's tokens come from the "
                                    "[auth] login", enable="configure [auth] login and a user")
        session = ctx.auth.last(0) or ctx.auth.session(0)
        token = session.token
        decoded = decode(token) if token else None
        if decoded is None:
            return Measurement.skip("the login's token is not a JWT (an opaque session token "
                                    "cannot be forged offline)")
        header, claims = decoded
        alg = str(header.get("alg", ""))
        candidates = [*committed_keys(source_dir(ctx)), *WEAK_KEYS]
        key = signing_key(token, alg, candidates)
        paths = list(ctx.config.table(SecurityConfig).protected) or [
            p for p, op in ctx.site.operations("get")
            if "{" not in p and (op.get("security")
                                 or {"401", "403"} & set(map(str, op.get("responses") or {})))]
        base = session.header_values()
        probe_path, reason = self._probe_path(ctx, paths, base)
        evidence: dict[str, Any] = {
            "header": header, "claims": sorted(claims), "alg": alg,
            "key_candidates": len(candidates), "key_found": key is not None,
            "path": probe_path}
        findings: list[Finding] = []
        if key is not None:
            committed = key not in WEAK_KEYS
            findings.append(Finding(
                "Token signing key " + ("committed to the source" if committed
                                        else "is a well-known weak key"),
                Severity.CRITICAL, location=f"{alg} key of the [auth] login's token",
                detail=("the issued token's signature verifies offline with a "
                        + ("value written in the source" if committed else
                           "key from golive's list of weak keys")
                        + " (value not shown): anyone can sign tokens for any user"),
                fix="rotate the key to a long random secret from the environment or a "
                    "secret manager; invalidate the tokens signed with the old one"))
        if probe_path is None:
            return Measurement(metrics={"forged_tokens_accepted": 0.0,
                                        "key_found": float(key is not None)},
                               findings=findings, evidence=evidence, summary=reason,
                               inconclusive=None if findings else reason)
        tried = []
        accepted = 0
        for what, forged in forgeries(token, header, claims, key):
            status = self._status(ctx, probe_path, carrying(*credentials(ctx.config.auth,
                                                                          forged)))
            tried.append({"forgery": what, "status": status})
            if status is not None and 200 <= status < 300:
                accepted += 1
                findings.append(Finding(
                    f"Forged token accepted: {what}", Severity.CRITICAL,
                    location=f"GET {probe_path}",
                    detail=f"answered {status} to a token golive made up ({what})",
                    fix=self.fix))
        evidence["forgeries"] = tried
        summary = (f"{alg} token with claims {', '.join(sorted(claims))}; "
                   f"{len(tried)} forgeries sent to GET {probe_path}, {accepted} accepted; "
                   + ("signing key found" if key else
                      f"key not among {len(candidates)} committed or weak candidates"))
        if key is None:
            summary += " (the expired-token test needs the key: not run)"
        return Measurement(metrics={"forged_tokens_accepted": float(accepted),
                                    "key_found": float(key is not None)},
                           findings=findings, evidence=evidence, summary=summary)

    @staticmethod
    def _status(ctx: CheckContext, path: str, headers: dict[str, str]) -> int | None:
        try:
            return ctx.client.get(path, headers=headers, auth=None).status_code
        except httpx.HTTPError:
            return None

    def _probe_path(self, ctx: CheckContext, paths: list[str], base: dict[str, str]
                    ) -> tuple[str | None, str]:
        """A path that opens with the real token and refuses no token."""
        if not paths:
            return None, ("no protected path to try forgeries on: list one in [security] "
                          "protected")
        for path in paths[:5]:
            ok = self._status(ctx, path, base)
            anonymous = self._status(ctx, path, {})
            if ok is not None and 200 <= ok < 300 and anonymous in (401, 403):
                return path, ""
        return None, (f"no path of {', '.join(paths[:5])} opens with the real token and "
                      "refuses none: forgeries there would prove nothing")
