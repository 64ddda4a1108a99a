"""One real-browser pass over a page: what a visitor's Chromium loads, runs and paints.

Playwright (Python) drives the system Chromium with a cold cache. The ``web-vitals`` library
(shipped as package data) is injected before any page script and reports LCP, CLS, INP, FCP and
TTFB with attribution; the DevTools protocol gives JS and CSS coverage; the page itself tells
images, fonts, the service worker and the resource timings (sizes, render-blocking status).
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from typing import Any
from urllib.parse import urljoin, urlsplit

from golive.checks.frontend.tools import CHROME_FLAGS, Tools
from golive.safety import allowed, browser_args

#: Lighthouse's emulated screens
VIEWPORTS: dict[str, Any] = {"desktop": {"width": 1350, "height": 940},
                             "mobile": {"width": 412, "height": 823}}

_BOOT = """
window.__golive = {vitals: {}, attribution: {}};
(function () {
  // Playwright may wrap an init script in a function: look in both scopes
  var wv = typeof webVitals !== 'undefined' ? webVitals : window.webVitals;
  if (!wv) { window.__golive.error = 'web-vitals did not load'; return; }
  function keep(metric) {
    window.__golive.vitals[metric.name] = metric.value;
    var a = metric.attribution || {};
    var why = {};
    if (metric.name === 'LCP') { why.element = a.target || ''; why.url = a.url || ''; }
    if (metric.name === 'CLS') { why.element = a.largestShiftTarget || ''; }
    if (metric.name === 'INP') { why.element = a.interactionTarget || '';
                                 why.type = a.interactionType || ''; }
    window.__golive.attribution[metric.name] = why;
  }
  var all = {reportAllChanges: true};
  wv.onLCP(keep, all); wv.onCLS(keep, all); wv.onFCP(keep, all); wv.onTTFB(keep, all);
  wv.onINP(keep, {reportAllChanges: true, durationThreshold: 0});
})();
"""

_PAGE_FACTS = """
async () => {
  const vh = window.innerHeight;
  const images = [...document.images].map(img => {
    const r = img.getBoundingClientRect();
    return {url: img.currentSrc || img.src, natural_width: img.naturalWidth,
            natural_height: img.naturalHeight, width: r.width, height: r.height,
            top: r.top + window.scrollY, loading: img.loading || 'auto',
            fetchpriority: img.getAttribute('fetchpriority') || ''};
  });
  const faces = [];
  const walk = (rules, href) => {
    for (const rule of rules) {
      if (rule.constructor.name === 'CSSFontFaceRule') {
        faces.push({family: rule.style.getPropertyValue('font-family').replace(/["']/g, ''),
                    display: rule.style.getPropertyValue('font-display') || '',
                    src: rule.style.getPropertyValue('src'), sheet: href || location.href});
      } else if (rule.cssRules) { walk(rule.cssRules, href); }
    }
  };
  for (const sheet of document.styleSheets) {
    try { walk(sheet.cssRules, sheet.href); } catch (e) { /* cross-origin sheet */ }
  }
  const preloads = [...document.querySelectorAll('link[rel~="preload"][as="font"]')]
    .map(l => l.href);
  const entries = performance.getEntriesByType('resource').map(e => ({
    url: e.name, initiator: e.initiatorType, transfer: e.transferSize,
    encoded: e.encodedBodySize, decoded: e.decodedBodySize,
    blocking: e.renderBlockingStatus || '', start: e.startTime, first_byte: e.responseStart,
    end: e.responseEnd}));
  const nav = performance.getEntriesByType('navigation')[0];
  let sw = {supported: 'serviceWorker' in navigator, registrations: [], caches: {}};
  if (sw.supported) {
    const regs = await navigator.serviceWorker.getRegistrations();
    sw.registrations = regs.map(r => ({scope: r.scope,
      script: (r.active || r.waiting || r.installing || {}).scriptURL || ''}));
    sw.controlled = !!navigator.serviceWorker.controller;
  }
  if (window.caches) {
    for (const name of (await caches.keys()).slice(0, 10)) {
      const keys = await (await caches.open(name)).keys();
      sw.caches[name] = keys.slice(0, 50).map(k => k.url);
    }
  }
  // an <a> inside an SVG has an SVGAnimatedString href: resolve the attribute instead
  const links = [...document.querySelectorAll('a[href]')].map(a => {
    try { return new URL(a.getAttribute('href'), document.baseURI).href; } catch (e) { return ''; }
  }).filter(h => h);
  return {images, faces, preloads, entries, sw, links, viewport_height: vh,
          document: nav ? {transfer: nav.transferSize, decoded: nav.decodedBodySize,
                           encoded: nav.encodedBodySize, start: nav.startTime,
                           first_byte: nav.responseStart, end: nav.responseEnd} : null,
          golive: window.__golive || null};
}
"""


#: what a default interaction never clicks: it could change data or end the session
DESTRUCTIVE = re.compile(r"delete|remove|log ?out|sign ?out|unsubscribe|pay|buy|purchase|"
                         r"checkout|order|submit|cancel", re.IGNORECASE)


@dataclass
class Resource:
    url: str
    kind: str  # Playwright's resource type: document, script, stylesheet, image, font, ...
    status: int
    content_type: str = ""
    encoding: str = ""  # Content-Encoding
    cache_control: str = ""
    validator: bool = False  # ETag or Last-Modified
    transfer_bytes: int = 0
    encoded_bytes: int = 0
    decoded_bytes: int = 0
    render_blocking: bool = False
    #: Resource Timing, ms from the navigation's start (-1: the browser gave none, e.g. a
    #: request that failed): when it was asked for, its first byte, its last byte
    start_ms: float = -1.0
    first_byte_ms: float = -1.0
    end_ms: float = -1.0

    def timed(self, entry: dict[str, Any]) -> None:
        start, first, end = (entry.get(k) for k in ("start", "first_byte", "end"))
        if isinstance(start, (int, float)) and isinstance(end, (int, float)) and end > 0:
            self.start_ms = float(start)
            self.end_ms = float(end)
            # 0 when the timing is hidden (cross-origin without Timing-Allow-Origin)
            self.first_byte_ms = float(first) if isinstance(first, (int, float)) and first \
                else float(start)


@dataclass
class Coverage:
    url: str
    kind: str  # script | stylesheet
    total_bytes: int
    used_bytes: int

    @property
    def unused_bytes(self) -> int:
        return max(0, self.total_bytes - self.used_bytes)


@dataclass
class PageProfile:
    """Everything one visit measured."""

    page: str
    url: str
    vitals: dict[str, float] = field(default_factory=dict)  # lcp_ms, cls, inp_ms, fcp_ms, ttfb_ms
    attribution: dict[str, dict[str, str]] = field(default_factory=dict)
    interaction: str = ""  # what was clicked for INP ("" = nothing to click)
    resources: list[Resource] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    fonts: list[dict[str, Any]] = field(default_factory=list)
    font_preloads: list[str] = field(default_factory=list)
    service_worker: dict[str, Any] = field(default_factory=dict)
    viewport_height: int = 0
    links: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    #: subresources that did not load: url, kind, error, blocking, never_completed, refused
    failed: list[dict[str, Any]] = field(default_factory=list)
    #: the document arrived but its load event never fired (a subresource hung)
    load_timeout: bool = False
    notes: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: the URLs of <head> stylesheets and classic synchronous scripts: the browser renders nothing
#: until they load (a failed one is skipped, a hung one blocks the first paint)
_BLOCKING_IN_HEAD = """
() => [...document.head.querySelectorAll(
    'link[rel~="stylesheet"]:not([media="print"]):not([disabled]), ' +
    'script[src]:not([async]):not([defer]):not([type="module"])')].map(e => e.href || e.src)
"""


def failed_resources(responses: dict[str, Resource], errors: dict[str, tuple[str, str]],
                     hung: dict[str, str], blocking: set[str], page_url: str,
                     allow: tuple[str, ...]) -> list[dict[str, Any]]:
    """Subresources that did not load: answered >= 400, failed, or never completed; each
    with whether it blocks rendering and whether golive itself refused the host."""
    out = []
    for r in responses.values():
        if r.url != page_url and r.status >= 400 and r.url not in errors:
            out.append({"url": r.url, "kind": r.kind, "error": f"answered {r.status}",
                        "never_completed": False})
    for found, (kind, error) in errors.items():
        out.append({"url": found, "kind": kind, "error": error, "never_completed": False})
    for found, kind in hung.items():
        if found not in errors:
            out.append({"url": found, "kind": kind, "error": "never completed",
                        "never_completed": True})
    for item in out:
        host = urlsplit(str(item["url"])).hostname or ""
        item["blocking"] = item["url"] in blocking
        item["refused"] = bool(host) and not allowed(host, allow)
    return out


def web_vitals_script() -> str:
    return (files("golive") / "data" / "frontend" / "web-vitals.attribution.iife.js").read_text(
        encoding="utf-8")


def disjoint_used(ranges: list[tuple[int, int, int]]) -> int:
    """Bytes covered by executed code, from V8's nested block ranges (start, end, count): an
    inner range overrides the one around it (the rule DevTools and Puppeteer apply)."""
    points: list[tuple[int, int, int, int]] = []  # offset, type (1 end, 0 start), length, count
    for start, end, count in ranges:
        points.append((start, 0, end - start, count))
        points.append((end, 1, end - start, count))
    # ends before starts at one offset; longer ranges start first and end last
    points.sort(key=lambda p: (p[0], -p[1], -p[2] if p[1] == 0 else p[2]))
    stack: list[int] = []
    used = 0
    last = 0
    for offset, kind, _length, count in points:
        if stack and last < offset and stack[-1] > 0:
            used += offset - last
        last = offset
        if kind == 0:
            stack.append(count)
        elif stack:
            stack.pop()
    return used


def union_length(spans: list[tuple[int, int]]) -> int:
    total = 0
    end = -1
    for start, stop in sorted(spans):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


class Browser:
    """A Chromium launched once for a whole audit; each visit gets a fresh, cold context."""

    def __init__(self, tools: Tools, *, form_factor: str = "desktop",
                 headers: dict[str, str] | None = None, insecure: bool = False,
                 allow: tuple[str, ...] = ()) -> None:
        from playwright.sync_api import sync_playwright

        self.form_factor = form_factor
        self.headers = headers or {}
        self.insecure = insecure
        self.allow = allow
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(
                executable_path=tools.chromium, headless=True,
                args=[*(f for f in CHROME_FLAGS if not f.startswith("--headless")),
                      *browser_args(allow)])
        except Exception:
            self._pw.stop()
            raise
        self._vitals = web_vitals_script() + "\n" + _BOOT

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._pw.stop()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _context(self) -> Any:
        mobile = self.form_factor == "mobile"
        return self._browser.new_context(
            viewport=VIEWPORTS[self.form_factor], is_mobile=mobile, has_touch=mobile,
            device_scale_factor=1.75 if mobile else 1, ignore_https_errors=self.insecure,
            extra_http_headers=self.headers or None, service_workers="allow")

    def visit(self, base: str, page_path: str, *, interactions: list[str],
              timeout_s: float = 30) -> PageProfile:
        url = urljoin(base.rstrip("/") + "/", page_path.lstrip("/"))
        started = time.perf_counter()
        profile = PageProfile(page=page_path, url=url)
        context = self._context()
        try:
            context.add_init_script(script=self._vitals)
            page = context.new_page()
            page.set_default_timeout(timeout_s * 1000)
            responses: dict[str, Resource] = {}

            def on_response(response: Any) -> None:
                try:
                    headers = response.all_headers()
                except Exception:  # the page went away mid-response
                    headers = response.headers
                responses[response.url] = Resource(
                    url=response.url, kind=response.request.resource_type,
                    status=response.status,
                    content_type=headers.get("content-type", "").split(";")[0].strip(),
                    encoding=headers.get("content-encoding", ""),
                    cache_control=headers.get("cache-control", ""),
                    validator=bool(headers.get("etag") or headers.get("last-modified")))

            page.on("response", on_response)
            pending: dict[int, Any] = {}
            errors: dict[str, tuple[str, str]] = {}  # url -> (kind, error)
            page.on("request", lambda r: pending.__setitem__(id(r), r))
            page.on("requestfinished", lambda r: pending.pop(id(r), None))

            def on_failed(request: Any) -> None:
                pending.pop(id(request), None)
                errors[request.url] = (request.resource_type, str(request.failure or "failed"))

            page.on("requestfailed", on_failed)
            page.on("console", lambda m: profile.console_errors.append(m.text[:300])
                    if m.type == "error" else None)
            cdp = context.new_cdp_session(page)
            scripts: dict[str, str] = {}
            sheets: dict[str, tuple[str, int]] = {}
            cdp.on("Debugger.scriptParsed",
                   lambda e: scripts.__setitem__(e["scriptId"], e.get("url", "")))
            cdp.on("CSS.styleSheetAdded", lambda e: sheets.__setitem__(
                e["header"]["styleSheetId"],
                (e["header"].get("sourceURL", ""), int(e["header"].get("length", 0)))))
            cdp.send("Profiler.enable")
            cdp.send("Debugger.enable")
            cdp.send("Profiler.startPreciseCoverage", {"callCount": True, "detailed": True})
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            cdp.send("CSS.startRuleUsageTracking")

            try:
                page.goto(url, wait_until="load")
            except Exception:
                document = responses.get(page.url) or responses.get(url)
                if document is None or document.status >= 400:
                    raise  # the page itself did not come: nothing to measure
                # the document came, its load event did not: a subresource hangs
                profile.load_timeout = True
                profile.notes.append(f"the load event did not fire within {timeout_s:g} s")
            else:
                try:
                    page.wait_for_load_state("networkidle", timeout=5000)
                except Exception:
                    profile.notes.append("the network was not idle 5 s after load")
            profile.interaction = self._interact(page, interactions)
            if profile.interaction:  # web-vitals reports INP when the page is next idle
                try:
                    page.wait_for_function(
                        "() => window.__golive && 'INP' in window.__golive.vitals",
                        timeout=4000)
                except Exception:
                    profile.notes.append("no INP reported within 4 s of the interaction")

            coverage = cdp.send("Profiler.takePreciseCoverage")["result"]
            for entry in coverage:
                script_url = entry.get("url") or scripts.get(entry["scriptId"], "")
                if not script_url.startswith(("http://", "https://")):
                    continue
                try:
                    source = cdp.send("Debugger.getScriptSource",
                                      {"scriptId": entry["scriptId"]})["scriptSource"]
                except Exception:  # noqa: S112 - a script gone with its frame
                    continue
                ranges = [(r["startOffset"], r["endOffset"], r["count"])
                          for fn in entry["functions"] for r in fn["ranges"]]
                profile.coverage.append(Coverage(script_url, "script", len(source.encode()),
                                                 _used_bytes(source, ranges)))
            usage = cdp.send("CSS.stopRuleUsageTracking")["ruleUsage"]
            used_spans: dict[str, list[tuple[int, int]]] = {}
            for rule in usage:
                if rule.get("used"):
                    used_spans.setdefault(rule["styleSheetId"], []).append(
                        (int(rule["startOffset"]), int(rule["endOffset"])))
            for sheet_id, (sheet_url, length) in sheets.items():
                if sheet_url.startswith(("http://", "https://")) and length:
                    profile.coverage.append(Coverage(
                        sheet_url, "stylesheet", length,
                        union_length(used_spans.get(sheet_id, []))))

            facts = page.evaluate(_PAGE_FACTS)
            self._apply(profile, facts, responses)
            hung = {r.url: r.resource_type for r in pending.values() if r.url != url}
            profile.failed = failed_resources(
                responses, errors, hung, set(page.evaluate(_BLOCKING_IN_HEAD)), url,
                self.allow)
        finally:
            context.close()
        profile.duration_s = time.perf_counter() - started
        return profile

    def _interact(self, page: Any, selectors: list[str]) -> str:
        """Click what the config declares, else the first visible button that submits nothing
        and does not look destructive, else the first such link (its navigation prevented,
        so the page that is measured stays)."""
        done = []
        candidates = selectors or ["button[type=button]:visible, [role=button]:visible",
                                   "a[href]:visible"]
        for selector in candidates:
            target = page.locator(selector)
            if not selectors:
                target = target.filter(has_not_text=DESTRUCTIVE)
            target = target.first
            try:
                if target.count() == 0:
                    continue
                what = target.evaluate(
                    "e => e.tagName.toLowerCase() + ' \"' + (e.innerText || "
                    "e.getAttribute('aria-label') || '').trim().slice(0, 40) + '\"'")
                if what.startswith("a "):
                    page.evaluate("window.addEventListener('click', e => e.preventDefault(),"
                                  " {once: true})")
                target.click(timeout=3000)
                done.append(what)
            except Exception:  # noqa: S112 - hidden, detached or covered: try the next one
                continue
            if not selectors:  # the default: one interaction is enough
                break
        return ", ".join(done)

    @staticmethod
    def _apply(profile: PageProfile, facts: dict[str, Any],
               responses: dict[str, Resource]) -> None:
        golive = facts.get("golive") or {}
        if golive.get("error"):
            profile.notes.append(str(golive["error"]))
        names = {"LCP": "lcp_ms", "CLS": "cls", "INP": "inp_ms", "FCP": "fcp_ms",
                 "TTFB": "ttfb_ms"}
        for name, value in (golive.get("vitals") or {}).items():
            if name in names and isinstance(value, (int, float)):
                profile.vitals[names[name]] = float(value)
        profile.attribution = {names.get(k, k): v
                               for k, v in (golive.get("attribution") or {}).items()}
        for entry in facts.get("entries", []):
            resource = responses.get(entry["url"])
            if resource is None:
                continue
            resource.transfer_bytes = int(entry.get("transfer") or 0)
            resource.encoded_bytes = int(entry.get("encoded") or 0)
            resource.decoded_bytes = int(entry.get("decoded") or 0)
            resource.render_blocking = entry.get("blocking") == "blocking"
            resource.timed(entry)
        doc = facts.get("document")
        page_resource = responses.get(profile.url)
        if doc and page_resource is not None:
            page_resource.transfer_bytes = int(doc.get("transfer") or 0)
            page_resource.encoded_bytes = int(doc.get("encoded") or 0)
            page_resource.decoded_bytes = int(doc.get("decoded") or 0)
            page_resource.timed(doc)
        profile.resources = list(responses.values())
        profile.images = list(facts.get("images", []))
        profile.fonts = list(facts.get("faces", []))
        profile.font_preloads = list(facts.get("preloads", []))
        profile.service_worker = dict(facts.get("sw") or {})
        profile.viewport_height = int(facts.get("viewport_height") or 0)
        origin = urlsplit(profile.url)
        seen: list[str] = []
        for link in facts.get("links", []):
            if not isinstance(link, str):
                continue
            parts = urlsplit(link)
            if (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc):
                clean = parts.path + (f"?{parts.query}" if parts.query else "")
                if clean not in seen:
                    seen.append(clean)
        profile.links = seen

    def scripts_of(self, base: str, page_path: str, timeout_s: float = 15) -> dict[str, int]:
        """The JS one more page loads (URL -> decoded bytes); {} when it is not HTML."""
        url = urljoin(base.rstrip("/") + "/", page_path.lstrip("/"))
        context = self._context()
        try:
            page = context.new_page()
            page.set_default_timeout(timeout_s * 1000)
            response = page.goto(url, wait_until="load")
            if response is None or "html" not in response.headers.get("content-type", ""):
                return {}
            entries = page.evaluate(
                "performance.getEntriesByType('resource').filter(e => e.initiatorType === "
                "'script' || /\\.m?js(\\?|$)/.test(e.name)).map(e => [e.name, e.decodedBodySize])")
            return {str(u): int(n) for u, n in entries}
        finally:
            context.close()


def _used_bytes(source: str, ranges: list[tuple[int, int, int]]) -> int:
    """V8 offsets count UTF-16 code units; for the ASCII bundles of the web they are bytes. A
    source with other characters is scaled by its byte-to-character ratio."""
    used = disjoint_used(ranges)
    encoded = len(source.encode())
    return used if encoded == len(source) else round(used * encoded / max(1, len(source)))
