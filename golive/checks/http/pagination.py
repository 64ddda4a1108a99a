"""http.pagination: declared list endpoints return a bounded page, even when asked for more."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from golive.checks import Check, CheckContext, lower
from golive.results import Finding, Measurement, Severity

ITEM_KEYS = ("items", "data", "results", "records", "rows", "entries")
SIZE_PARAMS = ("limit", "page_size", "per_page", "size")


class PaginationOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_items: int = 100
    #: page size asked for to see whether the server caps it
    greedy_limit: int = 10_000


def items_of(data: Any) -> list[Any] | None:
    """The items of a list response: a top-level array, the array under a usual key, else the
    longest array."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ITEM_KEYS:
            if isinstance(data.get(key), list):
                return list(data[key])
        lists = [v for v in data.values() if isinstance(v, list)]
        if lists:
            return max(lists, key=len)
    return None


def count_items(data: Any) -> int | None:
    items = items_of(data)
    return len(items) if items is not None else None


class Pagination(Check):
    id = "http.pagination"
    title = "Bounded list endpoints"
    fix = "Paginate list endpoints: a default page size and a hard maximum (e.g. 100)."
    slo = ("items_max <= 100",)
    better = lower("items_max", "bytes_max")
    Options = PaginationOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: PaginationOptions = self.options  # type: ignore[assignment]
        endpoints = ctx.site.list_endpoints
        if not endpoints:
            return Measurement.skip(
                "no list endpoint declared or found in the OpenAPI document",
                enable="list them in [target] list_endpoints",
            )
        rows: list[dict[str, Any]] = []
        findings: list[Finding] = []
        for path in endpoints:
            param = self._size_param(ctx, path)
            sep = "&" if "?" in path else "?"
            for label, url in (("default", path),
                               ("greedy", f"{path}{sep}{param}={opts.greedy_limit}")):
                response = ctx.site.get(url) if label == "default" else ctx.client.get(url)
                try:
                    items = count_items(response.json()) if response.status_code == 200 else None
                except ValueError:
                    items = None
                rows.append({"path": url, "request": label, "status": response.status_code,
                             "items": items, "bytes": len(response.content)})
                if items is not None and items > opts.max_items:
                    findings.append(Finding(
                        "Unbounded list response", Severity.HIGH, location=url,
                        detail=f"{items} items, {len(response.content)} bytes in one response",
                        fix=self.fix,
                    ))
                    break
        counted = [r for r in rows if r["items"] is not None]
        if not counted:
            return Measurement(
                findings=findings, evidence={"requests": rows},
                inconclusive="no list endpoint returned a JSON list to count",
            )
        items_max = max(r["items"] for r in counted)
        return Measurement(
            metrics={"endpoints": float(len(endpoints)), "items_max": float(items_max),
                     "bytes_max": float(max(r["bytes"] for r in counted))},
            findings=findings, evidence={"requests": rows},
            summary=f"{len(endpoints)} list endpoint(s), at most {items_max} items per response",
        )

    def _size_param(self, ctx: CheckContext, path: str) -> str:
        for op_path, op in ctx.site.operations("get"):
            if op_path == path.split("?")[0]:
                names = [p.get("name", "") for p in op.get("parameters", []) or []]
                for name in SIZE_PARAMS:
                    if name in names:
                        return name
        return "limit"
