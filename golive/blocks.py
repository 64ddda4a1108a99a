"""Typed report blocks: what an area draws, rendered generically by every report.

A check's ``views(result)`` and an area's ``golive_report_sections`` hook return these; the
terminal, JSON, HTML reports and the server render them without knowing the area. A block is
plain data (``to_dict`` / ``block_from_dict``) so a JSON report keeps it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Cell = str | float | int | None


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    #: columns shown right-aligned as numbers
    numeric: tuple[str, ...] = ()
    #: columns whose cells are code (paths, queries)
    code: tuple[str, ...] = ()
    #: a column whose cells are statuses (pass, fail, ...) to colour
    status: str = ""
    kind: str = "table"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "columns": list(self.columns),
                "rows": [list(r) for r in self.rows], "numeric": list(self.numeric),
                "code": list(self.code), "status": self.status}


@dataclass(frozen=True)
class Series:
    """Values over time, e.g. a load run's per-second latency: points are (t_s, {name: v})."""

    title: str
    points: tuple[dict[str, Any], ...]
    #: the lines drawn on the left axis, in order (keys of each point besides ``t``)
    lines: tuple[str, ...] = ()
    unit: str = ""
    #: a key drawn as bars on the right axis, and its unit
    bars: str = ""
    bars_unit: str = ""
    #: ``key=value``: points whose key has that value are shaded (e.g. a measurement window)
    band: str = ""
    #: a key whose non-zero values are marked in red (e.g. errors in that second)
    marks: str = ""
    kind: str = "series"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "points": [dict(p) for p in self.points],
                "lines": list(self.lines), "unit": self.unit, "bars": self.bars,
                "bars_unit": self.bars_unit, "band": self.band, "marks": self.marks}


@dataclass(frozen=True)
class Waterfall:
    """Requests on a time axis, e.g. a page load as the browser saw it. Each row: ``label``,
    ``start``, ``first_byte``, ``end`` (in ``unit`` from the first request's start; an end of
    ``None`` = never completed) and ``flags`` (words such as ``render-blocking``, ``failed``,
    drawn as marks and said in the row's tooltip); ``markers``: named moments (FCP, LCP)."""

    title: str
    rows: tuple[dict[str, Any], ...]
    markers: tuple[tuple[str, float], ...] = ()
    unit: str = "ms"
    kind: str = "waterfall"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "rows": [dict(r) for r in self.rows],
                "markers": [list(m) for m in self.markers], "unit": self.unit}


@dataclass(frozen=True)
class Note:
    text: str
    title: str = ""
    kind: str = "note"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "text": self.text}


Block = Table | Series | Waterfall | Note


@dataclass(frozen=True)
class Section:
    """A run-level part of a report (e.g. the OWASP Top 10 table), from an area's hook."""

    id: str
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "blocks": [b.to_dict() for b in self.blocks]}


def block_from_dict(data: dict[str, Any]) -> Block:
    kind = data.get("kind")
    if kind == "table":
        return Table(data.get("title", ""), tuple(data.get("columns", ())),
                     tuple(tuple(r) for r in data.get("rows", ())),
                     tuple(data.get("numeric", ())), tuple(data.get("code", ())),
                     data.get("status", ""))
    if kind == "series":
        return Series(data.get("title", ""), tuple(data.get("points", ())),
                      tuple(data.get("lines", ())), data.get("unit", ""), data.get("bars", ""),
                      data.get("bars_unit", ""), data.get("band", ""), data.get("marks", ""))
    if kind == "waterfall":
        return Waterfall(data.get("title", ""), tuple(data.get("rows", ())),
                         tuple((str(m[0]), float(m[1])) for m in data.get("markers", ())),
                         data.get("unit", "ms"))
    return Note(str(data.get("text", "")), data.get("title", ""))
