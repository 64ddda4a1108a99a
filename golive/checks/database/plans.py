"""Query plans for normalised statements, and what in a plan deserves a look.

pg_stat_statements keeps ``$1`` placeholders, not values. On PostgreSQL 15 a plan for such a
statement comes from PREPARE + ``plan_cache_mode = force_generic_plan`` + ``EXPLAIN EXECUTE``
with NULLs (FIELD-NOTES). ``EXPLAIN`` without ANALYZE never runs the statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg

_PARAM = re.compile(r"\$(\d+)")
_READ = re.compile(r"^\s*(\(\s*)*(select|with)\b", re.IGNORECASE)


def is_select(query: str) -> bool:
    return bool(_READ.match(query)) and not re.search(
        r"\b(insert|update|delete|merge)\b", query, re.IGNORECASE)


def param_count(query: str) -> int:
    return max((int(n) for n in _PARAM.findall(query)), default=0)


def generic_plan(conn: psycopg.Connection[dict[str, Any]], query: str, *,
                 settings: dict[str, str] | None = None) -> dict[str, Any] | None:
    """The planner's generic plan (JSON) for a normalised statement, or None when it cannot be
    prepared (e.g. a parameter whose type cannot be inferred). ``settings`` (planner GUCs such
    as ``enable_seqscan``) hold for this plan only."""
    n = param_count(query)
    extra = dict(settings or {})
    try:
        conn.execute("SET plan_cache_mode = force_generic_plan")
        for name, value in extra.items():
            conn.execute(f"SET {name} = {value}")
        conn.execute(f"PREPARE golive_plan AS {query}")
        try:
            args = "(" + ", ".join(["NULL"] * n) + ")" if n else ""
            row = conn.execute(f"EXPLAIN (FORMAT JSON) EXECUTE golive_plan{args}").fetchone()
        finally:
            conn.execute("DEALLOCATE golive_plan")
    except psycopg.Error:
        return None
    finally:
        try:
            conn.execute("RESET plan_cache_mode")
            for name in extra:
                conn.execute(f"RESET {name}")
        except psycopg.Error:
            pass
    if not row:
        return None
    value = next(iter(row.values()))
    return value[0]["Plan"] if isinstance(value, list) and value else None


def explain_analyze(conn: psycopg.Connection[dict[str, Any]], query: str,
                    timeout_ms: int = 10_000) -> dict[str, Any] | None:
    """EXPLAIN ANALYZE of a parameterless read-only statement, in a read-only transaction that
    is rolled back."""
    if param_count(query) or not is_select(query):
        return None
    try:
        with conn.transaction(force_rollback=True):
            conn.execute("SET TRANSACTION READ ONLY")
            conn.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            row = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query}").fetchone()
    except psycopg.Error:
        return None
    if not row:
        return None
    value = next(iter(row.values()))
    return value[0] if isinstance(value, list) and value else None


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []) or []:
        yield from nodes(child)


def total_cost(plan: dict[str, Any]) -> float:
    return float(plan.get("Total Cost", 0.0))


@dataclass(frozen=True)
class PlanFlag:
    kind: str  # seq_scan | sort_spill | bad_estimate
    relation: str
    detail: str


def flags(plan: dict[str, Any], big_tables: dict[str, float], *,
          analyzed: bool = False) -> list[PlanFlag]:
    """Sequential scans on large tables, sorts that spill to disk, row estimates off by 10x."""
    out = []
    for node in nodes(plan):
        kind = node.get("Node Type", "")
        rel = str(node.get("Relation Name", ""))
        # a scan that filters (an aggregate over the whole table has to read it all anyway)
        if kind == "Seq Scan" and rel in big_tables and node.get("Filter"):
            out.append(PlanFlag("seq_scan", rel,
                                f"sequential scan of {rel} (~{big_tables[rel]:,.0f} rows) "
                                f"filtering {node['Filter']}"))
        if kind in ("Sort", "Incremental Sort") and "disk" in str(node.get("Sort Space Type",
                                                                             "")).lower():
            out.append(PlanFlag("sort_spill", rel,
                                f"sort spilled {node.get('Sort Space Used', '?')} kB to disk "
                                f"(raise work_mem or sort less): {node.get('Sort Key')}"))
        if analyzed and "Actual Rows" in node:
            est, act = float(node.get("Plan Rows", 0)), float(node["Actual Rows"])
            loops = float(node.get("Actual Loops", 1)) or 1.0
            if max(est, act) >= 1000 and (max(est, 1) / max(act, 1) >= 10
                                          or max(act, 1) / max(est, 1) >= 10):
                out.append(PlanFlag("bad_estimate", rel,
                                    f"{kind}{' on ' + rel if rel else ''}: estimated {est:,.0f} "
                                    f"rows, got {act:,.0f} (x{loops:g} loops): run ANALYZE or "
                                    "raise the statistics target"))
    return out
