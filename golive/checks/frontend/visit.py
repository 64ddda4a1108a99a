"""The frontend area's one browser pass, shared by its checks within an audit.

The first check that needs it visits every configured page (cold cache, one interaction) and
follows a bounded number of same-origin links to learn how much JS the whole site serves; the
others read the same :class:`BrowserPass` from ``ctx.shared``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from golive.checks import CheckContext
from golive.checks.frontend.browser import Browser, PageProfile
from golive.checks.frontend.settings import FrontendConfig
from golive.checks.frontend.tools import INSTALL, Tools, find_tools
from golive.results import Measurement

SHARED_KEY = "frontend.browser_pass"
#: links a crawler must not follow: a GET there may change state
_UNSAFE = re.compile(r"log-?out|sign-?out|delete|remove|unsubscribe", re.IGNORECASE)


@dataclass
class BrowserPass:
    profiles: list[PageProfile] = field(default_factory=list)
    #: every JS file seen on the audited pages and the crawled links: URL -> decoded bytes
    site_js: dict[str, int] = field(default_factory=dict)
    crawled: list[str] = field(default_factory=list)
    #: configured pages that could not be audited, with the reason
    left_out: list[str] = field(default_factory=list)
    skipped: str | None = None
    enable: str | None = None
    #: why the pass measured nothing although it could run (the checks are inconclusive)
    error: str | None = None
    duration_s: float = 0.0

    def gap(self) -> Measurement | None:
        """What a check reports when the pass could not measure (None when it did)."""
        if self.skipped:
            return Measurement.skip(self.skipped, self.enable)
        if self.error:
            return Measurement(inconclusive=self.error, evidence=self.evidence())
        return None

    def evidence(self) -> dict[str, Any]:
        return {"audited_pages": [p.page for p in self.profiles], "crawled": self.crawled,
                "left_out": self.left_out, "browser_pass_s": round(self.duration_s, 2)}


def not_html(ctx: CheckContext, page: str) -> str | None:
    """Why ``page`` cannot be audited in a browser (None when it is an HTML page)."""
    try:
        response = ctx.site.get(page)
    except httpx.HTTPError as err:
        return f"{page} could not be fetched: {err}"
    kind = response.headers.get("content-type", "")
    if response.status_code >= 400:
        return f"{page} answers {response.status_code}"
    if "html" not in kind and response.status_code < 300:
        return f"{page} is not an HTML page ({kind or 'no content-type'})"
    return None


def pages_or_skip(ctx: CheckContext) -> tuple[list[str], str | None, list[str]]:
    """The configured pages that are HTML, why none is (or None), and why some were left out."""
    pages = ctx.config.table(FrontendConfig).pages
    reasons = {p: r for p in pages if (r := not_html(ctx, p))}
    if len(reasons) == len(pages):
        return [], "; ".join(reasons.values()) + " (list the site's pages in [frontend] pages)", []
    return [p for p in pages if p not in reasons], None, list(reasons.values())


def browser_options(ctx: CheckContext) -> dict[str, Any]:
    return {"form_factor": ctx.config.table(FrontendConfig).form_factor,
            # the [auth] login's token (fresh: a browser pass outlives no refresh margin)
            "headers": {**ctx.config.target.headers,
                        **(ctx.auth.header_values() if ctx.auth else {})},
            "insecure": bool(ctx.config.target.ca_bundle),
            "allow": tuple(ctx.config.target.allow_targets)}


def browser_pass(ctx: CheckContext, tools: Tools | None = None) -> BrowserPass:
    cached = ctx.shared.get(SHARED_KEY)
    if isinstance(cached, BrowserPass):
        return cached
    result = _measure(ctx, tools or find_tools(ctx.config.table(FrontendConfig)))
    ctx.shared[SHARED_KEY] = result
    return result


def _measure(ctx: CheckContext, tools: Tools) -> BrowserPass:
    missing = tools.missing_browser()
    if missing:
        return BrowserPass(skipped=missing, enable=INSTALL)
    pages, why, left_out = pages_or_skip(ctx)
    if why:
        return BrowserPass(skipped=why)
    cfg = ctx.config.table(FrontendConfig)
    started = time.perf_counter()
    out = BrowserPass(left_out=left_out)
    try:
        browser = Browser(tools, **browser_options(ctx))
    except Exception as err:  # a broken browser install is a measurement gap, not a crash
        out.error = f"Chromium did not start ({tools.chromium}): {_first_line(err)}"
        return out
    with browser:
        for page in pages:
            ctx.progress(f"browser: {page}")
            try:
                profile = browser.visit(ctx.target, page, interactions=cfg.interactions)
            except Exception as err:  # the other pages still count
                out.left_out.append(f"{page} did not load in the browser: {_first_line(err)}")
                continue
            out.profiles.append(profile)
            for r in profile.resources:
                if r.kind == "script":
                    out.site_js[r.url] = max(out.site_js.get(r.url, 0), r.decoded_bytes)
        links = [link for p in out.profiles for link in p.links
                 if link not in pages and not _UNSAFE.search(link)]
        for link in list(dict.fromkeys(links))[:cfg.crawl]:
            ctx.progress(f"browser: JS of {link}")
            try:
                found = browser.scripts_of(ctx.target, link)
            except Exception as err:  # a page that does not load is not this pass's verdict
                found = {}
                out.crawled.append(f"{link} (not loaded: {type(err).__name__})")
            else:
                out.crawled.append(link)
            for url, size in found.items():
                out.site_js[url] = max(out.site_js.get(url, 0), size)
    out.duration_s = time.perf_counter() - started
    if not out.profiles:
        out.error = "no page could be measured: " + "; ".join(out.left_out)
    return out


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:300]
