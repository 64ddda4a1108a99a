"""security.enumeration: login (and, with ``allow_writes``, registration and password
recovery) answer the same for an existing and an unknown account: status, body and time.

Requests alternate between the known account (``[security] known_account``, else the
``[auth]`` user) and a made-up one, each with a wrong password, ``samples`` times each. The
status sets must be equal, the bodies equal once the identifiers are blanked out, and the
median times within noise (``max(min_gap_ms, 4 x MAD)``). A 429 during the comparison makes it
inconclusive: a rate limit is the right answer to a burst, and no comparison.
"""

from __future__ import annotations

import json
import re
import secrets
import statistics
import time
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from golive.auth import declared_media, login_body
from golive.checks import Check, CheckContext, lower
from golive.checks.security.ratelimit import JSON, LOGIN_LIKE, Body, request_body
from golive.checks.security.settings import SecurityConfig
from golive.results import Finding, Measurement, Severity

WRONG_PASSWORD = "golive-wrong-password-1"
RECOVERY = re.compile(r"forgot|reset|recover", re.IGNORECASE)
REGISTER = re.compile(r"register|signup|sign-up", re.IGNORECASE)


class EnumerationOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: requests per account (kept under a typical login limit of 10 per window, with the
    #: [auth] login: status and body differences show at once, time needs more)
    samples: int = Field(4, ge=2, le=50)
    #: a median time difference below this is noise whatever the spread
    min_gap_ms: float = Field(30.0, ge=0)


def _field(props: dict[str, Any], words: tuple[str, ...], default: str) -> str:
    return next((p for p in props if any(w in p.lower() for w in words)), default)


def _shape(body: bytes, identifiers: tuple[str, ...]) -> str:
    """The answer with the identifiers blanked out: JSON re-serialised, text as is."""
    text = body.decode("utf-8", "replace")
    for ident in identifiers:
        text = text.replace(ident, "<account>")
    try:
        return json.dumps(json.loads(text), sort_keys=True)
    except ValueError:
        return " ".join(text.split())


class UserEnumeration(Check):
    id = "security.enumeration"
    title = "Login, registration and recovery do not reveal which accounts exist"
    fix = ("Answer unknown and existing accounts alike: the same status and message ('wrong "
           "email or password'), and the same work (hash a dummy password for unknown users).")
    slo = ("enumerable_endpoints == 0",)
    better = lower("enumerable_endpoints")
    Options = EnumerationOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: EnumerationOptions = self.options  # type: ignore[assignment]
        settings = ctx.config.table(SecurityConfig)
        known = settings.known_account or ctx.config.auth.username or next(
            (u.username for u in ctx.config.auth.users), "")
        if not known:
            return Measurement.skip("no existing account to compare with",
                                    enable="set [security] known_account (or [auth] username)")
        targets = self._endpoints(ctx, settings.allow_writes)
        if not targets:
            return Measurement.skip("no login endpoint found",
                                    enable="set [auth] login, or publish it in the OpenAPI "
                                           "document")
        unknown = (f"golive-nobody-{secrets.token_hex(4)}@example.invalid" if "@" in known
                   else f"golive-nobody-{secrets.token_hex(4)}")
        rows, findings, undecided = [], [], []
        for method, path, kind in targets:
            row = self._compare(ctx, opts, method, path, kind, known, unknown)
            rows.append(row)
            where = f"{method} {path}"
            if row.get("undecided"):
                undecided.append(f"{where}: {row['undecided']}")
                continue
            for what in row["differs"]:
                severity = Severity.MEDIUM if what == "time" else Severity.HIGH
                findings.append(Finding(
                    f"{kind.capitalize()} tells existing accounts from unknown ones ({what})",
                    severity, location=where, detail=row["why"][what], fix=self.fix))
        enumerable = len({f.location for f in findings})
        summary = "; ".join(
            f"{r['endpoint']}: " + (r.get("undecided") or
                                    ("differs in " + ", ".join(r["differs"]) if r["differs"]
                                     else "same status, body and time")) for r in rows)
        measured = len(rows) - len(undecided)
        return Measurement(
            metrics={"endpoints": float(measured), "enumerable_endpoints": float(enumerable)},
            findings=findings, evidence={"comparisons": rows, "known_account": known},
            summary=summary,
            inconclusive=("; ".join(undecided) if undecided and not measured else None))

    def _endpoints(self, ctx: CheckContext, writes: bool) -> list[tuple[str, str, str]]:
        out: list[tuple[str, str, str]] = []
        if ctx.config.auth.login:
            out.append((ctx.config.auth.method, ctx.config.auth.path, "login"))
        for path, _op in ctx.site.operations("post"):
            if any(path == p for _, p, _ in out):
                continue
            if writes and RECOVERY.search(path):
                out.append(("POST", path, "password recovery"))
            elif writes and REGISTER.search(path):
                out.append(("POST", path, "registration"))
            elif not ctx.config.auth.login and any(w in path.lower() for w in LOGIN_LIKE):
                out.append(("POST", path, "login"))
        return out[:4]

    def _request(self, ctx: CheckContext, method: str, path: str, account: str
                 ) -> dict[str, Any]:
        """httpx arguments of one attempt for ``account`` with a wrong password."""
        auth = ctx.config.auth
        if auth.login and auth.path == path:
            media = ctx.auth.media() if ctx.auth else declared_media(ctx.site.openapi, auth)
            kind, content = login_body(auth, account, WRONG_PASSWORD, media)
            return {"content": content, "headers": {"Content-Type": kind}}
        op = dict(ctx.site.operations(method.lower())).get(path)
        declared = request_body(op, ctx.site.openapi or {})
        values = dict(declared.value) if isinstance(declared.value, dict) else {}
        values[_field(values, ("email", "user", "login", "name"), "email")] = account
        secret = _field(values, ("pass",), "password")
        if secret in values or len(values) == 1:
            values[secret] = WRONG_PASSWORD
        return Body(declared.content_type or JSON, values).request_args()

    def _compare(self, ctx: CheckContext, opts: EnumerationOptions, method: str, path: str,
                 kind: str, known: str, unknown: str) -> dict[str, Any]:
        seen: dict[str, dict[str, Any]] = {
            "known": {"statuses": [], "shapes": set(), "ms": []},
            "unknown": {"statuses": [], "shapes": set(), "ms": []}}
        row: dict[str, Any] = {"endpoint": f"{method} {path}", "kind": kind, "differs": [],
                               "why": {}}
        for _ in range(opts.samples):
            for who, account in (("known", known), ("unknown", unknown)):
                args = self._request(ctx, method, path, account)
                start = time.perf_counter()
                try:
                    r = ctx.client.request(method, path, auth=None, **args)
                except httpx.HTTPError as err:
                    row["undecided"] = f"request failed: {type(err).__name__}"
                    return row
                ms = (time.perf_counter() - start) * 1000
                if r.status_code == 429:
                    row["undecided"] = ("rate limited (429) during the comparison: run it "
                                        "before the limit is used up, or raise samples' bound")
                    return row
                seen[who]["statuses"].append(r.status_code)
                seen[who]["shapes"].add(_shape(r.content, (known, unknown)))
                seen[who]["ms"].append(ms)
        k, u = seen["known"], seen["unknown"]
        row["statuses"] = {"known": sorted(set(k["statuses"])),
                           "unknown": sorted(set(u["statuses"]))}
        if set(k["statuses"]) != set(u["statuses"]):
            row["differs"].append("status")
            row["why"]["status"] = (f"an existing account gets {row['statuses']['known']}, "
                                    f"an unknown one {row['statuses']['unknown']}")
        elif k["shapes"] != u["shapes"]:
            row["differs"].append("body")
            row["why"]["body"] = ("the answers differ once the account names are blanked out: "
                                  f"{sorted(k['shapes'])[0][:120]!r} vs "
                                  f"{sorted(u['shapes'])[0][:120]!r}")
        mk, mu = statistics.median(k["ms"]), statistics.median(u["ms"])
        spread = max(statistics.median([abs(x - mk) for x in k["ms"]]),
                     statistics.median([abs(x - mu) for x in u["ms"]]))
        bar = max(opts.min_gap_ms, 4 * spread)
        row["median_ms"] = {"known": round(mk, 2), "unknown": round(mu, 2), "bar": round(bar, 2)}
        if abs(mk - mu) > bar:
            row["differs"].append("time")
            row["why"]["time"] = (f"median {mk:.0f} ms for an existing account, {mu:.0f} ms "
                                  f"for an unknown one (noise bar {bar:.0f} ms, "
                                  f"{opts.samples} each)")
        return row
