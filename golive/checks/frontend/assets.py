"""frontend.assets: what the browser pass saw of each asset: compression, caching, images,
fonts, render-blocking resources, the service worker, and the page weight per resource type."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from golive.blocks import Block
from golive.checks import Check, CheckContext, higher, lower
from golive.checks.frontend.browser import PageProfile, Resource
from golive.checks.frontend.bundle import KIB, kib, short
from golive.checks.frontend.settings import FrontendConfig
from golive.checks.frontend.visit import browser_pass
from golive.checks.frontend.waterfall import page_waterfall, waterfall_views
from golive.results import SEVERITY_RANK, Finding, Measurement, Result, Severity

COMPRESSIBLE = re.compile(r"^(text/|application/(javascript|x-javascript|json|xml|ld\+json|"
                          r"manifest\+json)|image/svg\+xml|font/(ttf|otf)|application/font-sfnt)")
#: below this a response gains nothing from compression (Lighthouse ignores < 1.4 KiB savings)
COMPRESS_MIN = 1400
STATIC_KINDS = ("script", "stylesheet", "image", "font")
FINGERPRINT = re.compile(r"[.-][0-9a-f]{8,}[.-]|[.-][0-9a-f]{8,}$|[?&]v=", re.IGNORECASE)
WEEK_S = 7 * 24 * 3600
#: Lighthouse's thresholds: modern formats save > 8 KiB, responsive images > 4 KiB (12 KiB
#: for its audit; golive reports smaller savings too, as medium findings)
LEGACY_MIN = 8 * KIB
OVERSIZE_MIN = 4 * KIB
OVERSIZE_HIGH = 250 * KIB
FONT_LARGE = 100 * KIB


def max_age(cache_control: str) -> int | None:
    """The lifetime a browser may reuse the response for, None when there is none."""
    directives = [d.strip().lower() for d in cache_control.split(",") if d.strip()]
    if any(d in ("no-store", "no-cache") for d in directives):
        return None
    for d in directives:
        if d.startswith("max-age="):
            try:
                return int(d.split("=", 1)[1].strip('"'))
            except ValueError:
                return None
    return None


def _font_url(src: str, sheet: str) -> str | None:
    match = re.search(r"url\((['\"]?)([^'\")]+)\1\)", src)
    return urljoin(sheet, match.group(2)) if match else None


class AssetAudit(Check):
    id = "frontend.assets"
    title = "Assets: compression, caching, images, fonts, render-blocking, service worker"
    better = (lower("render_blocking_count", "uncompressed_count", "uncached_count",
                    "image_issues", "font_issues", "image_waste_bytes", "transfer_bytes",
                    "requests", "issues", "failed_resources") | higher("service_worker"))
    fix = ("Fix each finding: compress text assets (br or gzip), fingerprint static files and "
           "cache them for a year, serve WebP/AVIF at displayed size, font-display: swap, defer "
           "scripts.")

    @classmethod
    def views(cls, result: Result) -> list[Block]:
        return waterfall_views(result.evidence)

    def run(self, ctx: CheckContext) -> Measurement:
        visit = browser_pass(ctx)
        if (gap := visit.gap()) is not None:
            return gap
        findings: list[Finding] = []
        counts = {"render_blocking_count": 0, "uncompressed_count": 0, "uncached_count": 0,
                  "image_issues": 0, "font_issues": 0, "failed_resources": 0}
        failed: list[dict[str, Any]] = []
        seen_failed: set[str] = set()
        waste = 0
        by_type: dict[str, dict[str, int]] = {}
        seen: set[str] = set()
        blocking: list[dict[str, Any]] = []
        service_worker: dict[str, Any] = {}
        dpr = 1.75 if ctx.config.table(FrontendConfig).form_factor == "mobile" else 1.0
        for profile in visit.profiles:
            for r in profile.resources:
                if r.url in seen:
                    continue
                seen.add(r.url)
                totals = by_type.setdefault(r.kind, {"requests": 0, "transfer_bytes": 0,
                                                     "decoded_bytes": 0})
                totals["requests"] += 1
                totals["transfer_bytes"] += r.transfer_bytes
                totals["decoded_bytes"] += r.decoded_bytes
                for finding, counter in self._resource(r):
                    findings.append(finding)
                    counts[counter] += 1
                if r.render_blocking:
                    blocking.append({"url": short(r.url), "kind": r.kind,
                                     "bytes": r.decoded_bytes})
                    blocked = _blocking(r)
                    if blocked is not None:
                        findings.append(blocked)
                        counts["render_blocking_count"] += 1
            for item in profile.failed:
                if item["url"] in seen_failed:
                    continue
                seen_failed.add(item["url"])
                failed.append({**item, "page": profile.page})
                finding = _failed(item, profile)
                findings.append(finding)
                if not item["refused"]:
                    counts["failed_resources"] += 1
            image_findings, wasted = _images(profile, dpr)
            waste += wasted
            findings += image_findings
            counts["image_issues"] += len(image_findings)
            font_findings = _fonts(profile)
            findings += font_findings
            counts["font_issues"] += len(font_findings)
            if profile.service_worker.get("registrations"):
                service_worker = profile.service_worker
        findings.sort(key=lambda f: -SEVERITY_RANK[f.severity])
        metrics: dict[str, float] = {k: float(v) for k, v in counts.items()}
        metrics["image_waste_bytes"] = float(waste)
        metrics["service_worker"] = 1.0 if service_worker else 0.0
        metrics["requests"] = float(sum(t["requests"] for t in by_type.values()))
        metrics["transfer_bytes"] = float(sum(t["transfer_bytes"] for t in by_type.values()))
        evidence: dict[str, Any] = {
            "by_type": by_type, "render_blocking": blocking, "failed": failed,
            "service_worker": service_worker or (visit.profiles[0].service_worker
                                                 if visit.profiles else {}),
            "images": [{**i, "url": short(i["url"])} for p in visit.profiles for i in p.images],
            "fonts": [f for p in visit.profiles for f in p.fonts],
            "resources": [{"url": short(r.url), "kind": r.kind, "encoding": r.encoding,
                           "cache_control": r.cache_control, "transfer_bytes": r.transfer_bytes,
                           "decoded_bytes": r.decoded_bytes}
                          for p in visit.profiles for r in p.resources],
            "waterfall": {p.page: page_waterfall(p) for p in visit.profiles},
            **visit.evidence(),
        }
        summary = (f"{int(metrics['requests'])} requests, {kib(metrics['transfer_bytes'])} "
                   f"transferred; {len(findings)} finding(s)")
        if service_worker:
            summary += "; a service worker is registered"
        if counts["failed_resources"]:
            summary += f"; {counts['failed_resources']} resource(s) did not load"
        refused = sorted({urlsplit(str(f["url"])).netloc for f in failed if f["refused"]})
        if refused:
            summary += (f"; not loaded because golive does not contact {', '.join(refused)} "
                        "(the page was measured without them)")
        return Measurement(metrics=metrics, findings=findings, evidence=evidence,
                           summary=summary)

    @staticmethod
    def _resource(r: Resource) -> list[tuple[Finding, str]]:
        out: list[tuple[Finding, str]] = []
        if r.status >= 300:
            return out
        if (COMPRESSIBLE.match(r.content_type) and not r.encoding
                and r.decoded_bytes >= COMPRESS_MIN):
            out.append((Finding(
                f"Not compressed: {kib(r.decoded_bytes)} of {r.content_type} sent as is",
                Severity.MEDIUM, location=short(r.url),
                fix="enable brotli (or gzip) for text responses on the server or CDN"),
                "uncompressed_count"))
        static = r.kind in STATIC_KINDS or r.content_type.startswith(("image/", "font/"))
        if static and r.kind != "document":
            lifetime = max_age(r.cache_control)
            if lifetime is None or lifetime <= 0:
                severity = Severity.LOW if r.validator else Severity.MEDIUM
                what = ("revalidated on every visit (a validator, no lifetime)" if r.validator
                        else "not cacheable: no Cache-Control lifetime and no ETag or "
                             "Last-Modified")
                out.append((Finding(f"Static asset {what}", severity, location=short(r.url),
                                    detail=f"Cache-Control: {r.cache_control or '(none)'}",
                                    fix="fingerprint the file name and send Cache-Control: "
                                        "public, max-age=31536000, immutable"),
                            "uncached_count"))
            elif lifetime < WEEK_S and FINGERPRINT.search(r.url):
                out.append((Finding(
                    f"Fingerprinted asset cached only {lifetime} s", Severity.LOW,
                    location=short(r.url), detail=f"Cache-Control: {r.cache_control}",
                    fix="a fingerprinted file never changes: cache it for a year, immutable"),
                    "uncached_count"))
        return out


def _failed(item: dict[str, Any], profile: PageProfile) -> Finding:
    """A subresource that did not load: the worst is one that blocks rendering and never
    completes (nothing is painted while the browser waits for it)."""
    kind = item["kind"]
    host = urlsplit(str(item["url"])).netloc
    # another origin's resource is named with its host: that host is the problem
    url = short(item["url"]) if host == urlsplit(profile.url).netloc else str(item["url"])
    if item["refused"]:
        return Finding(f"Not loaded: {kind} from {host}", Severity.INFO, location=url,
                       detail=(f"golive does not contact {host} (not loopback, not in [target] "
                               "allow_targets), so the page was measured without it"
                               + ("; it blocks rendering" if item["blocking"] else "")),
                       fix=f"add '{host}' to [target] allow_targets to measure it")
    where = f"on {profile.page}"
    if item["blocking"] and item["never_completed"]:
        return Finding(f"Render-blocking {kind} never completed", Severity.HIGH, location=url,
                       detail=(f"{where}: nothing is painted until it loads, and it did not "
                               + ("(the load event never fired)" if profile.load_timeout
                                  else "before the visit ended")),
                       fix=("serve it from the site's own origin, or load it without blocking "
                            "(media/onload for CSS, defer for scripts), with a timeout"))
    if item["blocking"]:
        return Finding(f"Render-blocking {kind} failed to load", Severity.HIGH, location=url,
                       detail=(f"{where}: {item['error']}; the page waits for it before the "
                               "first paint, then renders without it"),
                       fix="fix or remove the reference; serve critical CSS and JS yourself")
    if item["never_completed"]:
        return Finding(f"Request never completed: {kind}", Severity.MEDIUM, location=url,
                       detail=f"{where}: still pending when the visit ended",
                       fix="fix the server that should answer it, or remove the reference")
    return Finding(f"Resource failed to load: {kind}", Severity.MEDIUM, location=url,
                   detail=f"{where}: {item['error']}",
                   fix="fix or remove the reference (the browser console shows it too)")


def _blocking(r: Resource) -> Finding | None:
    if r.kind == "script":
        return Finding(f"Render-blocking script ({kib(r.decoded_bytes)})", Severity.MEDIUM,
                       location=short(r.url),
                       detail="a synchronous script in <head>: nothing is painted until it "
                              "has loaded and run",
                       fix="add defer (or async, or type=module), or move it to the end of "
                           "<body>")
    if r.decoded_bytes > 50 * KIB:
        return Finding(f"Large render-blocking stylesheet ({kib(r.decoded_bytes)})",
                       Severity.LOW, location=short(r.url),
                       fix="inline the critical CSS and load the rest without blocking "
                           "(media or rel=preload), or split it by page")
    return None


def _images(profile: PageProfile, dpr: float) -> tuple[list[Finding], int]:
    sizes = {r.url: r for r in profile.resources}
    findings: list[Finding] = []
    wasted_total = 0
    lcp_url = profile.attribution.get("lcp_ms", {}).get("url", "")
    for image in profile.images:
        url = image["url"]
        r = sizes.get(url)
        size = (r.encoded_bytes or r.transfer_bytes) if r else 0
        ctype = r.content_type if r else ""
        if ctype in ("image/png", "image/jpeg", "image/gif", "image/bmp") and size > LEGACY_MIN:
            findings.append(Finding(
                f"Image in a legacy format ({ctype.split('/')[1].upper()}, {kib(size)})",
                Severity.MEDIUM, location=short(url),
                fix="serve WebP or AVIF (a <picture> with fallbacks, or the image CDN's auto "
                    "format)"))
        natural = image["natural_width"] * image["natural_height"]
        shown = (image["width"] * dpr) * (image["height"] * dpr)
        if natural and shown and natural > 1.5 * shown and size:
            wasted = int(size * (1 - shown / natural))
            if wasted >= OVERSIZE_MIN:
                wasted_total += wasted
                findings.append(Finding(
                    f"Image larger than displayed: {image['natural_width']}x"
                    f"{image['natural_height']} shown at {image['width']:.0f}x"
                    f"{image['height']:.0f} ({kib(wasted)} wasted)",
                    Severity.HIGH if wasted >= OVERSIZE_HIGH else Severity.MEDIUM,
                    location=short(url),
                    fix="resize to the displayed size (srcset and sizes for several widths)"))
        below = profile.viewport_height and image["top"] >= profile.viewport_height
        if below and image["loading"] != "lazy":
            findings.append(Finding(
                "Image below the fold loads eagerly", Severity.LOW, location=short(url),
                detail=f"{image['top']:.0f} px from the top; the viewport is "
                       f"{profile.viewport_height} px high",
                fix='add loading="lazy" (and keep width and height)'))
        if lcp_url and url == lcp_url and image["loading"] == "lazy":
            findings.append(Finding(
                "The LCP image is lazy-loaded", Severity.MEDIUM, location=short(url),
                fix='load the largest image above the fold eagerly (fetchpriority="high")'))
    return findings, wasted_total


def _fonts(profile: PageProfile) -> list[Finding]:
    fonts = {r.url: r for r in profile.resources if r.kind == "font"}
    preloaded = set(profile.font_preloads)
    findings: list[Finding] = []
    for face in profile.fonts:
        url = _font_url(face.get("src", ""), face.get("sheet", ""))
        where = short(url) if url else short(face.get("sheet", ""))
        display = (face.get("display") or "").strip().lower()
        if display in ("", "auto", "block"):
            findings.append(Finding(
                f"Web font without font-display ({face.get('family', '?')}): text stays "
                "invisible until it loads", Severity.MEDIUM, location=where,
                detail=f"@font-face in {short(face.get('sheet', ''))}; font-display: "
                       f"{display or 'not set (auto)'}",
                fix="add font-display: swap (or optional) to the @font-face rule"))
        r = fonts.get(url or "")
        if r is None:
            continue  # declared but not used on this page
        if url not in preloaded:
            findings.append(Finding(
                f"Web font not preloaded ({face.get('family', '?')})", Severity.LOW,
                location=where,
                fix='<link rel="preload" href="..." as="font" type="font/woff2" crossorigin>'))
        if r.decoded_bytes > FONT_LARGE:
            findings.append(Finding(
                f"Large web font ({kib(r.decoded_bytes)})", Severity.LOW, location=where,
                fix="subset it to the characters the site uses (pyftsubset, glyphhanger) and "
                    "serve WOFF2"))
    return findings
