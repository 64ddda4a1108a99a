"""http.caching: static assets are cacheable: long max-age with immutable, or revalidated (304)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from golive.checks import Check, CheckContext, higher
from golive.results import Finding, Measurement, Severity


class CachingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: a "long" max-age, in seconds (default 30 days)
    min_max_age_s: int = 30 * 24 * 3600
    max_assets: int = 20


def parse_cache_control(value: str) -> dict[str, str | None]:
    directives: dict[str, str | None] = {}
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, arg = part.partition("=")
        directives[name.strip().lower()] = arg.strip().strip('"') or None
    return directives


class StaticCaching(Check):
    id = "http.caching"
    title = "Cache headers on static assets"
    fix = ("Serve fingerprinted assets with 'Cache-Control: public, max-age=31536000, immutable',"
           " others with an ETag answered by 304.")
    slo = ("cacheable_pct >= 100%",)
    better = higher("cacheable_pct")
    Options = CachingOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: CachingOptions = self.options  # type: ignore[assignment]
        assets = ctx.site.static_assets[: opts.max_assets]
        if not assets:
            return Measurement.skip(
                "no static assets found: the home page links none",
                enable="list asset paths in [target] static_paths",
            )
        rows, findings = [], []
        for asset in assets:
            response = ctx.client.get(asset.url)
            if response.status_code != 200:
                findings.append(Finding(
                    f"Static asset answers {response.status_code}", Severity.MEDIUM,
                    location=asset.url, fix="Fix the broken link or the asset route.",
                ))
                continue
            cc = parse_cache_control(response.headers.get("cache-control", ""))
            max_age = _int(cc.get("s-maxage") or cc.get("max-age"))
            immutable = "immutable" in cc
            etag = response.headers.get("etag")
            modified = response.headers.get("last-modified")
            revalidated = None
            if etag or modified:
                conditional = {}
                if etag:
                    conditional["If-None-Match"] = etag
                if modified:
                    conditional["If-Modified-Since"] = modified
                revalidated = ctx.client.get(asset.url, headers=conditional).status_code
            long_lived = max_age is not None and max_age >= opts.min_max_age_s
            if "no-store" in cc:
                long_lived = False
            ideal = (long_lived and immutable) or revalidated == 304
            row = {
                "path": asset.url, "kind": asset.kind,
                "cache_control": response.headers.get("cache-control", ""),
                "max_age_s": max_age, "immutable": immutable, "etag": bool(etag),
                "last_modified": bool(modified), "conditional_status": revalidated,
                "cacheable": ideal or long_lived,
            }
            rows.append(row)
            cc_text = row["cache_control"] or "(none)"
            if ideal:
                continue
            if long_lived:
                findings.append(Finding(
                    "Long max-age without immutable", Severity.LOW, location=asset.url,
                    detail=f"Cache-Control '{cc_text}': browsers revalidate on reload",
                    fix="Add 'immutable' to fingerprinted assets.",
                ))
            elif revalidated is not None:
                findings.append(Finding(
                    "Validators not honoured", Severity.MEDIUM, location=asset.url,
                    detail=f"Cache-Control '{cc_text}', conditional GET -> {revalidated}",
                    fix="Answer If-None-Match / If-Modified-Since with 304. " + self.fix,
                ))
            else:
                findings.append(Finding(
                    "Static asset not cacheable", Severity.HIGH, location=asset.url,
                    detail=f"Cache-Control '{cc_text}', no ETag or Last-Modified",
                    fix=self.fix,
                ))
        if not rows:
            return Measurement(findings=findings, summary="no static asset could be fetched",
                               inconclusive="every static asset failed to load")
        good = sum(1 for r in rows if r["cacheable"])
        return Measurement(
            metrics={"assets": float(len(rows)),
                     "cacheable_pct": round(100.0 * good / len(rows), 1)},
            findings=findings, evidence={"assets": rows},
            summary=f"{good}/{len(rows)} static assets cacheable",
        )


def _int(value: str | None) -> int | None:
    if value is None or not re.fullmatch(r"\d+", value):
        return None
    return int(value)
