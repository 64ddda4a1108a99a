"""What golive learns about a target once and shares between checks.

The home page (and the assets it links), the OpenAPI document and the endpoints it declares.
Every fetch is cached for the run, so checks in several areas do not repeat the same requests.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from golive.config import TargetConfig


def tls_verify(ca_bundle: str) -> ssl.SSLContext | bool:
    """httpx ``verify=``: the system trust store, or one that trusts ``ca_bundle`` too."""
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True


@dataclass(frozen=True)
class Asset:
    url: str  # path relative to the target, or absolute URL when cross-origin
    kind: str  # script | style | image | icon | font | other


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[Asset] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.assets.append(Asset(a["src"], "script"))
        elif tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower()
            if "stylesheet" in rel:
                self.assets.append(Asset(a["href"], "style"))
            elif "icon" in rel:
                self.assets.append(Asset(a["href"], "icon"))
            elif "preload" in rel:
                self.assets.append(Asset(a["href"], a.get("as", "other") or "other"))
        elif tag in ("img", "source") and (a.get("src") or a.get("srcset")):
            src = a.get("src") or a.get("srcset", "").split(",")[0].strip().split(" ")[0]
            self.assets.append(Asset(src, "image"))


class Site:
    """Cached knowledge of one target."""

    def __init__(self, client: httpx.Client, target: str, config: TargetConfig) -> None:
        self.client = client
        self.target = target.rstrip("/")
        self.config = config
        self._cache: dict[str, httpx.Response] = {}

    def get(self, path: str) -> httpx.Response:
        """GET a path once per run (cached)."""
        if path not in self._cache:
            self._cache[path] = self.client.get(path)
        return self._cache[path]

    def same_origin(self, url: str) -> str | None:
        """The path of ``url`` if it is on the target, else None."""
        absolute = urljoin(self.target + "/", url)
        t, u = urlsplit(self.target), urlsplit(absolute)
        if (u.scheme, u.netloc) != (t.scheme, t.netloc):
            return None
        return u.path + (f"?{u.query}" if u.query else "")

    @cached_property
    def home(self) -> httpx.Response | None:
        try:
            response = self.get("/")
        except httpx.HTTPError:
            return None
        return response

    @cached_property
    def static_assets(self) -> list[Asset]:
        """Same-origin assets the home page links, plus ``static_paths`` from the config."""
        found: list[Asset] = []
        home = self.home
        if home is not None and "html" in home.headers.get("content-type", ""):
            parser = _AssetParser()
            parser.feed(home.text)
            for asset in parser.assets:
                path = self.same_origin(asset.url)
                if path is not None:
                    found.append(Asset(path, asset.kind))
        for path in self.config.static_paths:
            found.append(Asset(path, _kind_from_path(path)))
        unique: dict[str, Asset] = {}
        for asset in found:
            unique.setdefault(asset.url, asset)
        return list(unique.values())

    @cached_property
    def openapi(self) -> dict[str, Any] | None:
        if not self.config.openapi_path:
            return None
        try:
            response = self.get(self.config.openapi_path)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        try:
            doc = response.json()
        except ValueError:
            return None
        return doc if isinstance(doc, dict) and "paths" in doc else None

    def operations(self, method: str) -> list[tuple[str, dict[str, Any]]]:
        """(path, operation) pairs of the OpenAPI document for one method."""
        doc = self.openapi or {}
        ops = []
        for path, item in (doc.get("paths") or {}).items():
            if isinstance(item, dict) and isinstance(item.get(method.lower()), dict):
                ops.append((path, item[method.lower()]))
        return ops

    @cached_property
    def list_endpoints(self) -> list[str]:
        """Declared list endpoints: from the config, else OpenAPI GETs taking a page size."""
        if self.config.list_endpoints:
            return list(self.config.list_endpoints)
        found = []
        for path, op in self.operations("get"):
            if "{" in path:
                continue
            names = {p.get("name", "").lower() for p in op.get("parameters", []) or []}
            if names & {"limit", "page_size", "per_page", "size", "page", "offset", "cursor"}:
                found.append(path)
        return found

    @cached_property
    def post_endpoints(self) -> list[str]:
        """Endpoints that take a JSON body: from the config, else OpenAPI POSTs."""
        if self.config.post_endpoints:
            return list(self.config.post_endpoints)
        found = []
        for path, op in self.operations("post"):
            content = ((op.get("requestBody") or {}).get("content")) or {}
            if "{" not in path and "application/json" in content:
                found.append(path)
        return found

    @cached_property
    def get_endpoints(self) -> list[str]:
        """GET endpoints without path parameters (from OpenAPI), the home page first."""
        return ["/"] + [p for p, _ in self.operations("get") if "{" not in p and p != "/"]


def _kind_from_path(path: str) -> str:
    lower = path.lower().split("?")[0]
    for ext, kind in ((".js", "script"), (".mjs", "script"), (".css", "style"),
                      (".woff2", "font"), (".woff", "font"), (".ttf", "font")):
        if lower.endswith(ext):
            return kind
    if lower.endswith((".png", ".jpg", ".jpeg", ".webp", ".avif", ".gif", ".svg")):
        return "image"
    return "other"
