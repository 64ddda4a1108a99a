"""Scenarios: a default one built from the target's OpenAPI document, and starter files."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from golive.checks.load.spec import LoadOptions
from golive.site import Site


def _param_value(param: dict[str, Any]) -> Any:
    schema = param.get("schema") or {}
    for source in (param, schema):
        if "example" in source:
            return source["example"]
        if source.get("examples"):
            ex = source["examples"]
            return ex[0] if isinstance(ex, list) else next(iter(ex.values())).get("value")
        if "default" in source:
            return source["default"]
    return None


def discovered_ids(site: Site, path: str, name: str, limit: int = 50) -> list[Any]:
    """Values for the path parameter ``name`` of ``path`` taken from its collection's list
    response (``/api/products/{product_id}`` -> the ``product_id`` or ``id`` of the items of
    ``GET /api/products``); [] when there is no such list."""
    from golive.checks.http.pagination import items_of

    collection = path.split("/{" + name + "}", 1)[0]
    if not collection or "{" in collection:
        return []
    try:
        response = site.get(collection)
        items = items_of(response.json()) if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return []
    values = []
    for item in items or []:
        if isinstance(item, dict):
            value = item.get(name, item.get("id"))
            if isinstance(value, (int, str)) and value not in values:
                values.append(value)
    return values[:limit]


def default_scenario(site: Site, *, logged_in: bool = False) -> dict[str, Any]:
    """GET operations of the OpenAPI document, equally weighted, never a write; those that
    declare they need credentials (401/403 or a security requirement) only with ``[auth]``
    (``logged_in``), whose users log in.

    A path parameter takes the ids its collection's list response holds (a random one per
    request), else its example or default, else, for an integer, a random value from 1 to
    100; required query parameters take their example or default (operations without a value
    are left out, and named in ``left_out``).
    """
    requests: list[dict[str, Any]] = []
    variables: dict[str, dict[str, Any]] = {}
    left_out: list[str] = []
    home = site.home
    if home is not None and home.status_code == 200:
        requests.append({"path": "/", "name": "/"})
    for path, op in site.operations("get"):
        guarded = op.get("security") or {"401", "403"} & set(map(str, op.get("responses") or {}))
        if guarded and not logged_in:
            left_out.append(f"{path}: needs credentials (configure [auth])")
            continue
        query = []
        missing = ""
        for param in op.get("parameters", []) or []:
            where, name = param.get("in"), param.get("name", "")
            if where == "path":
                if name in variables:
                    continue
                value = _param_value(param)
                ids = discovered_ids(site, path, name)
                if ids:
                    variables[name] = {"choice": ids}
                elif value is not None:
                    variables[name] = {"value": value}
                elif (param.get("schema") or {}).get("type") == "integer":
                    variables[name] = {"random_int": [1, 100]}
                else:
                    missing = name
            elif where == "query" and param.get("required"):
                value = _param_value(param)
                if value is None:
                    missing = name
                else:
                    query.append(f"{name}={quote(str(value))}")
        if missing:
            left_out.append(f"{path}: no value for {missing!r}")
        elif path != "/":
            full = path + ("?" + "&".join(query) if query else "")
            requests.append({"path": full, "name": path})
    return {"requests": requests, "vars": variables, "left_out": left_out}


def has_scenario(opts: LoadOptions) -> bool:
    return bool(opts.locustfile or opts.requests or opts.flows)


def with_default_scenario(opts: LoadOptions, site: Site, *, logged_in: bool = False
                          ) -> LoadOptions:
    """``opts`` with the OpenAPI default scenario filled in (its requests may be empty)."""
    scenario = default_scenario(site, logged_in=logged_in)
    return opts.model_validate({**opts.model_dump(by_alias=True),
                                "requests": scenario["requests"], "vars": scenario["vars"]})


def starter_toml(site: Site) -> str:
    """A starter scenario from the OpenAPI GETs: use it with `golive load --scenario FILE`,
    or paste its keys under `[checks."load.latency"]` in golive.toml."""
    scenario = default_scenario(site)
    lines = [
        "# golive load scenario (from the target's OpenAPI document). Edit freely.",
        "# Use: golive load --scenario THIS_FILE, or paste under [checks.\"load.latency\"].",
        'model = "closed"        # or "paced", with rate = requests per second',
        "users = 1000", "ramp_s = 30", "hold_s = 60", "think_min_s = 0.5", "think_max_s = 1.5",
        'slo = ["p(95) < 500ms", "p(99) < 1000ms", "error_rate < 1%"]', "",
    ]
    for name, rule in scenario["vars"].items():
        key, value = next(iter(rule.items()))
        lines.append(f"vars.{name} = {{ {key} = {_toml(value)} }}")
    lines.append("")
    for req in scenario["requests"]:
        lines += ["[[requests]]", f"path = {_toml(req['path'])}",
                  f"name = {_toml(req['name'])}", "weight = 1", ""]
    lines += ["# A flow: steps in order, with think time between them, and variables taken",
              "# from a response for the next step:",
              "# [[flows]]", '# name = "browse"', "# steps = [",
              '#   { path = "/api/products?limit=20", extract = { pid = "items[*].id" } },',
              '#   { path = "/api/products/{pid}", name = "/api/products/{id}" },', "# ]", ""]
    return "\n".join(lines)


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)
