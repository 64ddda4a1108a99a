"""Which check decides which plan item.

Each area brings recognisers for the usual phrasing of its items ("API p95 response time
<500ms", "LCP <2.5s", "No N+1 queries remaining") through the ``golive_recognisers`` hook; they
take the threshold from the text itself, so "API p95 < 300ms" is checked against 300 ms. A
``[[mapping]]`` rule in golive.toml wins over them; items nothing recognises stay "manual" and
need a sign-off. The helpers here (:func:`pattern`, :func:`fixed`, :data:`NUM`, :data:`LT`,
:data:`GE`) are for the areas' recognisers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from golive.config import MappingRule
from golive.plan.model import Item

NUM = r"(\d+(?:\.\d+)?)"
LT = r"(?:<=?|≤|under|below|less than|at most)"
GE = r"(?:>=?|≥|at least|over|above)"


@dataclass(frozen=True)
class Mapping:
    check: str | None  # None: manual
    slo: tuple[str, ...] = ()
    source: str = "none"  # "builtin" | "config" | "none"
    note: str = ""


Recogniser = tuple[re.Pattern[str], Callable[[re.Match[str]], Mapping]]


def pattern(text: str) -> re.Pattern[str]:
    """A recogniser's pattern: case-insensitive."""
    return re.compile(text, re.IGNORECASE)


def fixed(check: str | None, *slo: str, note: str = "") -> Callable[[re.Match[str]], Mapping]:
    """A builder that maps every match to ``check`` with fixed thresholds (None: manual)."""
    return lambda _m: Mapping(check, tuple(slo), "builtin", note)


def mapped(check: str, *slo: str, note: str = "") -> Mapping:
    """A recogniser's result with thresholds read from the match."""
    return Mapping(check, tuple(slo), "builtin", note)


def map_item(item: Item, rules: Iterable[MappingRule] = ()) -> Mapping:
    """The check for one item: config rule first, then recognisers, else manual."""
    for rule in rules:
        if (rule.item and rule.item.lower() == item.key.lower()) or (
            rule.match and rule.match.lower() in item.text.lower()
        ):
            if rule.check == "manual":
                return Mapping(None, (), "config")
            return Mapping(rule.check, tuple(rule.slo), "config")
    from golive.plugins import recognisers

    for compiled, build in recognisers():
        match = compiled.search(item.text)
        if match:
            return build(match)
    return Mapping(None)
