"""security.rate_limit: a bounded burst against login-like endpoints (FIELD-NOTES method).

Send requests one after another until the first 429 (at most ``max_requests``, at most
``max_s``), read ``Retry-After`` and the ``RateLimit-*`` headers, wait as told (bounded by
``max_wait_s``) and confirm one request is served again. No 429 within the bound is
inconclusive (no proof that there is no limit), unless the plan requires rate limiting: then it
fails."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, lower
from golive.checks.security.settings import SecurityConfig
from golive.results import Finding, Measurement, Severity

LOGIN_LIKE = ("login", "signin", "sign-in", "auth", "token", "session", "password")


class RateLimitOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_requests: int = Field(60, ge=2, le=1000)
    max_s: float = Field(20.0, gt=0, le=120)
    max_wait_s: float = Field(15.0, ge=0, le=120)
    #: fail (instead of inconclusive) when no limit is seen, even without a plan that asks
    required: bool = False


_LITERAL = re.compile(r"^\^?([A-Za-z0-9_.-]+)\$?$")


def sample_body(schema: dict[str, Any], doc: dict[str, Any], depth: int = 0) -> Any:
    """A value that fits a JSON schema well enough for a request to reach the handler: the
    schema's example, default or first enum value; an object's required properties only (all
    of them when it lists none); a pattern that is one literal word, that word."""
    if "$ref" in schema and depth < 8:
        node: Any = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return sample_body(node, doc, depth + 1)
    for key in ("example", "default", "const"):
        if key in schema and schema[key] is not None:
            return schema[key]
    if schema.get("examples") and isinstance(schema["examples"], list):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key) or [] if o.get("type") != "null"]
        if options and depth < 8:
            return sample_body(options[0], doc, depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        wanted = schema.get("required") or list(props)
        return {k: sample_body(v, doc, depth + 1) for k, v in props.items() if k in wanted}
    if kind == "array":
        return [sample_body(schema.get("items") or {}, doc, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    literal = _LITERAL.match(str(schema.get("pattern", "")))
    if literal:
        return literal.group(1)
    hint = (str(schema.get("title", "")) + " " + str(schema.get("format", ""))).lower()
    return "golive-probe@example.invalid" if "mail" in hint else "golive-probe"


#: statuses that say the request body itself was refused: the handler never ran
BODY_REFUSED = (415, 422)
#: body media types golive can send, in the order it prefers them
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"


@dataclass(frozen=True)
class Body:
    """A request body as the endpoint declares it (its OpenAPI ``requestBody``)."""

    content_type: str = ""  # "" = no body
    value: Any = None

    def request_args(self) -> dict[str, Any]:
        """httpx keyword arguments that send this body with its own content type."""
        if not self.content_type:
            return {}
        if self.content_type == JSON:
            return {"json": self.value}
        fields = {k: v if isinstance(v, str) else json.dumps(v)
                  for k, v in (self.value or {}).items()} if isinstance(self.value, dict) else {}
        if self.content_type == MULTIPART:  # fields only: (None, value) parts have no file name
            return {"files": {k: (None, v) for k, v in fields.items()} or {"_": (None, "")}}
        return {"data": fields}


def endpoints(ctx: CheckContext) -> list[tuple[str, str, Body]]:
    """(method, path, body) to burst: [security] rate_limited, else login-like POSTs."""
    configured = ctx.config.table(SecurityConfig).rate_limited
    doc = ctx.site.openapi or {}
    ops = {p: op for p, op in ctx.site.operations("post")}
    chosen = []
    for entry in configured:
        method, _, path = entry.partition(" ") if " " in entry else ("POST", "", entry)
        chosen.append((method.upper(), path, request_body(ops.get(path), doc)))
    if chosen:
        return chosen
    for path, op in ops.items():
        if any(word in path.lower() for word in LOGIN_LIKE):
            chosen.append(("POST", path, request_body(op, doc)))
    return chosen


def request_body(op: dict[str, Any] | None, doc: dict[str, Any]) -> Body:
    """The body the operation declares, in the media type it declares (JSON first, then a
    form, then multipart); no body when it declares none golive can send."""
    content = ((op or {}).get("requestBody") or {}).get("content") or {}
    for kind in (JSON, FORM, MULTIPART):
        media = next((v for k, v in content.items() if k.split(";")[0].strip() == kind), None)
        if media is not None:
            schema = media.get("schema")
            return Body(kind, sample_body(schema, doc) if schema else {})
    return Body()


class RateLimit(Check):
    id = "security.rate_limit"
    title = "Rate limiting on login and abuse-prone endpoints"
    fix = ("Limit requests per client on login and write endpoints (429 with Retry-After and "
           "RateLimit headers).")
    slo = ("unlimited_endpoints == 0",)
    better = lower("unlimited_endpoints")
    Options = RateLimitOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: RateLimitOptions = self.options  # type: ignore[assignment]
        targets = endpoints(ctx)
        if not targets:
            return Measurement.skip(
                "no login-like POST endpoint in the OpenAPI document",
                enable='list them in [security] rate_limited, e.g. ["POST /api/login"]')
        required = opts.required or self.id in ctx.required
        rows: list[dict[str, Any]] = []
        findings: list[Finding] = []
        unlimited: list[str] = []
        unexercised: list[str] = []
        for method, path, body in targets:
            row = self._burst(ctx, opts, method, path, body)
            rows.append(row)
            where = f"{method} {path}"
            if not row["exercised"]:  # every answer refused the body: no handler ran
                codes = ", ".join(str(c) for c in sorted(row["statuses"]))
                unexercised.append(f"{where} (every one of {row['sent']} requests answered "
                                   f"{codes} to the {row['content_type']} body)")
                continue
            if row["first_429"] is None:
                unlimited.append(where)
                if required:
                    findings.append(Finding(
                        "No rate limit", Severity.HIGH, location=where,
                        detail=(f"{row['sent']} requests in {row['elapsed_s']:.1f} s, no 429 "
                                f"(statuses {row['statuses']})"), fix=self.fix))
                continue
            if not row["retry_after"] and not row["ratelimit_headers"]:
                findings.append(Finding(
                    "429 without Retry-After or RateLimit headers", Severity.LOW, location=where,
                    detail="clients cannot tell when to retry",
                    fix="Send Retry-After (and RateLimit-Limit/Remaining/Reset) with 429."))
            if row.get("beyond_bound_s"):
                findings.append(Finding(
                    "Recovery after the rate-limit window not confirmed", Severity.INFO,
                    location=where,
                    detail=(f"Retry-After asks for {row['beyond_bound_s']:g} s, beyond the "
                            f"{opts.max_wait_s:g} s this check waits"),
                    fix="raise max_wait_s to confirm that requests are served again"))
            if row["recovered"] is False:
                findings.append(Finding(
                    "No recovery after the rate-limit window", Severity.MEDIUM, location=where,
                    detail=f"still 429 after waiting {row['waited_s']:.1f} s",
                    fix="Let the window expire as Retry-After says."))
        metrics = {"endpoints": float(len(rows)), "unlimited_endpoints": float(len(unlimited))}
        limits = [r["first_429"] for r in rows if r["first_429"] is not None]
        if limits:
            metrics["first_429_at"] = float(min(limits))
        summary = ", ".join(
            f"{r['endpoint']}: " + (f"429 after {r['first_429']} requests" if r["first_429"]
                                    else f"no 429 in {r['sent']} requests")
            + ("" if r["exercised"] else " (the body was refused every time)") for r in rows)
        metrics["unexercised_endpoints"] = float(len(unexercised))
        if unexercised and len(unexercised) == len(rows):
            return Measurement(
                metrics=metrics, findings=findings, evidence={"bursts": rows}, summary=summary,
                inconclusive=("the burst could not exercise " + "; ".join(unexercised)
                              + ": the limit was never reached by a request the handler saw; "
                              "give the endpoint a valid body (its OpenAPI requestBody "
                              "example) or list it in [security] rate_limited"))
        if unexercised:
            summary += "; could not exercise " + "; ".join(unexercised)
        if unlimited and not required:
            return Measurement(
                metrics=metrics, findings=findings, evidence={"bursts": rows}, summary=summary,
                inconclusive=(f"no 429 within {opts.max_requests} requests on "
                              f"{', '.join(unlimited)}: the limit may be higher (or absent); "
                              "a plan item on rate limiting, or required = true, makes it fail"))
        return Measurement(metrics=metrics, findings=findings, evidence={"bursts": rows},
                           summary=summary)

    def _burst(self, ctx: CheckContext, opts: RateLimitOptions, method: str, path: str,
               body: Body) -> dict[str, Any]:
        statuses: dict[int, int] = {}
        first: int | None = None
        last: httpx.Response | None = None
        start = time.monotonic()
        sent = 0
        while sent < opts.max_requests and time.monotonic() - start < opts.max_s:
            try:
                last = ctx.client.request(method, path, **body.request_args())
            except httpx.HTTPError:
                break
            sent += 1
            statuses[last.status_code] = statuses.get(last.status_code, 0) + 1
            if last.status_code == 429:
                first = sent
                break
        refused = sum(n for code, n in statuses.items() if code in BODY_REFUSED)
        row: dict[str, Any] = {"endpoint": f"{method} {path}", "sent": sent,
                               "content_type": body.content_type or "(no body)",
                               "exercised": first is not None or not sent or refused < sent,
                               "elapsed_s": round(time.monotonic() - start, 3),
                               "statuses": statuses, "first_429": first, "retry_after": "",
                               "ratelimit_headers": {}, "recovered": None, "waited_s": 0.0}
        if first is None or last is None:
            return row
        row["retry_after"] = last.headers.get("retry-after", "")
        row["ratelimit_headers"] = {k: v for k, v in last.headers.items()
                                    if k.lower().startswith(("ratelimit", "x-ratelimit"))}
        try:
            wait = float(row["retry_after"]) if row["retry_after"] else 1.0
        except ValueError:
            wait = 1.0
        if wait > opts.max_wait_s:  # told to wait longer than the bound: not tried, said
            row["recovered"] = None
            row["beyond_bound_s"] = wait
            return row
        deadline = time.monotonic() + opts.max_wait_s
        time.sleep(min(wait + 0.2, opts.max_wait_s))
        waited = start_wait = time.monotonic()
        while True:
            try:
                again = ctx.client.request(method, path, **body.request_args())
            except httpx.HTTPError:
                break
            waited = time.monotonic()
            if again.status_code != 429:
                row["recovered"] = True
                break
            if time.monotonic() >= deadline:
                row["recovered"] = False
                break
            time.sleep(0.5)
        row["waited_s"] = round(min(wait + 0.2, opts.max_wait_s) + (waited - start_wait), 3)
        return row
