"""Index hygiene from the catalog: unused and duplicate indexes, tables without a primary key,
foreign keys without an index on their columns. User schemas only."""

from __future__ import annotations

from typing import Any

import psycopg

from golive.results import Finding, Severity

USER_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'"

UNUSED_SQL = f"""
SELECT n.nspname AS schema, t.relname AS table, c.relname AS index,
       pg_relation_size(c.oid) AS bytes, s.idx_scan
FROM pg_stat_user_indexes s
JOIN pg_index i ON i.indexrelid = s.indexrelid
JOIN pg_class c ON c.oid = s.indexrelid
JOIN pg_class t ON t.oid = s.relid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
  AND {USER_SCHEMAS}
ORDER BY bytes DESC
"""

INDEXES_SQL = f"""
SELECT n.nspname AS schema, t.relname AS table, c.relname AS index, i.indisunique AS uniq,
       i.indisprimary AS primary, i.indkey::text AS keys, coalesce(i.indexprs::text, '') AS exprs,
       coalesce(i.indpred::text, '') AS pred, am.amname AS method,
       i.indclass::text AS opclasses, i.indcollation::text AS collations,
       pg_relation_size(c.oid) AS bytes
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = c.relam
WHERE {USER_SCHEMAS}
"""

NO_PK_SQL = f"""
SELECT n.nspname AS schema, c.relname AS table, c.reltuples::bigint AS rows
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMAS}
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
ORDER BY c.relname
"""

FK_SQL = f"""
SELECT n.nspname AS schema, c.relname AS table, k.conname AS constraint,
       (SELECT array_agg(a.attname ORDER BY u.ord) FROM unnest(k.conkey) WITH ORDINALITY
               AS u(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS columns,
       k.confrelid::regclass::text AS references
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'f' AND {USER_SCHEMAS}
  AND NOT EXISTS (
    SELECT 1 FROM pg_index i WHERE i.indrelid = k.conrelid AND i.indpred IS NULL
      AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] @> k.conkey
      AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] <@ k.conkey)
ORDER BY c.relname, k.conname
"""


def stats_age_hours(conn: psycopg.Connection[dict[str, Any]]) -> float:
    """How long index usage has been counted (since the last stats reset or cluster start)."""
    row = conn.execute(
        "SELECT extract(epoch FROM now() - coalesce(d.stats_reset, pg_postmaster_start_time()))"
        " / 3600.0 AS hours FROM pg_stat_database d WHERE d.datname = current_database()"
    ).fetchone()
    return float(row["hours"]) if row and row["hours"] is not None else 0.0


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def hygiene(conn: psycopg.Connection[dict[str, Any]], *, min_history_h: float = 24.0
            ) -> tuple[list[Finding], dict[str, Any]]:
    findings: list[Finding] = []
    age = stats_age_hours(conn)
    unused = conn.execute(UNUSED_SQL).fetchall()
    sure = age >= min_history_h
    for r in unused:
        findings.append(Finding(
            "Unused index", Severity.LOW if sure else Severity.INFO,
            location=f"{r['schema']}.{r['index']} on {r['table']}",
            detail=(f"no scan in {age:.1f} h of statistics, {_mb(r['bytes'])}"
                    + ("" if sure else f" (less than {min_history_h:g} h of history: "
                       "confirm on production statistics, and on replicas, before dropping)")),
            fix=f"DROP INDEX CONCURRENTLY {r['schema']}.{r['index']};"))
    indexes = conn.execute(INDEXES_SQL).fetchall()
    duplicates = []
    for a in indexes:
        for b in indexes:
            if a is b or (a["schema"], a["table"]) != (b["schema"], b["table"]):
                continue
            if (a["method"], a["exprs"], a["pred"]) != (b["method"], b["exprs"], b["pred"]):
                continue
            # an index is the same only with the same operator classes and collations per
            # column: (name varchar_pattern_ops), Django's "_like" index, serves LIKE 'x%'
            # where (name) cannot
            ka, kb = _columns(a), _columns(b)
            same = ka == kb and a["index"] > b["index"] and not (a["primary"] or a["uniq"])
            prefix = (len(ka) < len(kb) and kb[:len(ka)] == ka and not a["uniq"]
                      and not a["primary"] and a["method"] == "btree")
            if same or prefix:
                duplicates.append((a, b))
                findings.append(Finding(
                    "Duplicate index", Severity.LOW,
                    location=f"{a['schema']}.{a['index']} on {a['table']}",
                    detail=(f"{'same columns as' if same else 'a leading prefix of'} "
                            f"{b['index']}; {_mb(a['bytes'])} written on every insert"),
                    fix=f"DROP INDEX CONCURRENTLY {a['schema']}.{a['index']};"))
    for r in conn.execute(NO_PK_SQL).fetchall():
        findings.append(Finding(
            "Table without a primary key", Severity.MEDIUM, location=f"{r['schema']}.{r['table']}",
            detail=f"~{max(r['rows'], 0):,} rows; logical replication and many tools need one",
            fix=f"ALTER TABLE {r['schema']}.{r['table']} ADD PRIMARY KEY (...);"))
    fks = conn.execute(FK_SQL).fetchall()
    for r in fks:
        cols = ", ".join(r["columns"] or [])
        findings.append(Finding(
            "Foreign key without an index", Severity.MEDIUM,
            location=f"{r['schema']}.{r['table']} ({cols})",
            detail=(f"{r['constraint']} references {r['references']}: joins on it and every "
                    "delete or key update of the referenced row scan the table"),
            fix=(f"CREATE INDEX CONCURRENTLY ON {r['schema']}.{r['table']} ({cols});")))
    evidence = {"stats_age_hours": round(age, 2), "unused_indexes": len(unused),
                "duplicate_indexes": len(duplicates), "fk_without_index": len(fks)}
    return findings, evidence


def _columns(index: Any) -> list[tuple[str, str, str]]:
    """(column, operator class, collation) of each key of an index row of INDEXES_SQL."""
    return list(zip(index["keys"].split(), index["opclasses"].split(),
                    index["collations"].split(), strict=False))
