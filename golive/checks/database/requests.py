"""Which requests to measure: list endpoints (with their page-size parameter) and detail
endpoints (with path parameters filled from a list response), from the config or OpenAPI."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from golive.checks import CheckContext
from golive.checks.http.pagination import SIZE_PARAMS, items_of

_PARAM = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class Endpoint:
    """One endpoint to measure. ``url(size)`` builds a concrete request."""

    template: str  # as in the OpenAPI document, e.g. /api/products/{product_id}
    path: str  # path parameters filled in
    size_param: str | None = None  # set for list endpoints
    query: tuple[tuple[str, str], ...] = ()  # required query parameters

    @property
    def kind(self) -> str:
        return "list" if self.size_param else "detail"

    def url(self, size: int | None = None) -> str:
        params = list(self.query)
        if self.size_param and size is not None:
            params.append((self.size_param, str(size)))
        sep = "&" if "?" in self.path else "?"
        return self.path + (sep + urlencode(params) if params else "")


def _example(param: dict[str, Any]) -> str | None:
    schema = param.get("schema") or {}
    for source in (param, schema):
        if "example" in source:
            return str(source["example"])
        examples = source.get("examples")
        if isinstance(examples, list) and examples:
            return str(examples[0])
        if isinstance(examples, dict) and examples:
            first = next(iter(examples.values()))
            if isinstance(first, dict) and "value" in first:
                return str(first["value"])
    if "default" in schema:
        return str(schema["default"])
    return None


def discover(ctx: CheckContext, explicit: list[str], limit: int) -> tuple[list[Endpoint],
                                                                          list[str]]:
    """Endpoints to measure, and notes on the ones left out (and why)."""
    notes: list[str] = []
    if explicit:
        found = []
        for raw in explicit:
            template = raw.split("?")[0]
            found.append(Endpoint(template, raw, _size_param_for(ctx, template)))
        return found[:limit], notes
    ops = [(p, op) for p, op in ctx.site.operations("get") if p != "/"]
    if not ops:
        lists = [Endpoint(p, p, _size_param_for(ctx, p) or "limit")
                 for p in ctx.site.list_endpoints]
        if not lists:
            notes.append("no OpenAPI document and no [target] list_endpoints")
        return lists[:limit], notes
    endpoints: list[Endpoint] = []
    for template, op in ops:
        params = [p for p in op.get("parameters", []) or [] if isinstance(p, dict)]
        names = [str(p.get("name", "")) for p in params]
        size = next((n for n in SIZE_PARAMS if n in names), None)
        query: list[tuple[str, str]] = []
        missing = ""
        for p in params:
            if p.get("in") == "query" and p.get("required") and p.get("name") != size:
                value = _example(p)
                if value is None:
                    missing = str(p.get("name"))
                    break
                query.append((str(p["name"]), value))
        if missing:
            notes.append(f"{template}: required parameter '{missing}' has no example")
            continue
        path = _fill_path(ctx, template)
        if path is None:
            notes.append(f"{template}: no value found for its path parameter(s)")
            continue
        endpoints.append(Endpoint(template, path, size, tuple(query)))
    # list endpoints first: they are where N+1 lives
    endpoints.sort(key=lambda e: (e.kind != "list", e.template))
    if len(endpoints) > limit:
        notes.append(f"measured the first {limit} of {len(endpoints)} endpoints "
                     "(raise max_endpoints)")
    return endpoints[:limit], notes


def _size_param_for(ctx: CheckContext, template: str) -> str | None:
    for path, op in ctx.site.operations("get"):
        if path == template:
            names = {str(p.get("name", "")) for p in op.get("parameters", []) or []}
            return next((n for n in SIZE_PARAMS if n in names), None)
    return "limit" if template in ctx.site.list_endpoints else None


def _fill_path(ctx: CheckContext, template: str) -> str | None:
    """Fill ``{param}`` from the first item of the closest list endpoint above it."""
    names = _PARAM.findall(template)
    if not names:
        return template
    prefix = template[:template.index("{")].rstrip("/")
    item = _first_item(ctx, prefix)
    if item is None:
        return None
    path = template
    for name in names:
        value = item.get(name, item.get("id")) if isinstance(item, dict) else None
        if value is None:
            return None
        path = path.replace("{" + name + "}", str(value), 1)
    return path


def _first_item(ctx: CheckContext, path: str) -> Any:
    try:
        response = ctx.site.get(path)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        items = items_of(response.json())
    except ValueError:
        return None
    return items[0] if items else None


def count_items(response: httpx.Response) -> int | None:
    try:
        items = items_of(response.json())
    except ValueError:
        return None
    return len(items) if items is not None else None
