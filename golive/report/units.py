"""Figures as a person reads them: a metric's label from its name, its value in the unit its
name carries (``_ms`` as ms or s, ``bytes`` as KiB/MiB, ``_pct`` as %, ``rps`` per second).
The raw name stays available (the HTML report puts it in a tooltip)."""

from __future__ import annotations

import re

from golive.results import format_number

_SUFFIXES = ("_ms", "_bytes", "_pct", "_s", "_count", "_rps")
#: names a suffix does not explain
_WORDS = {"cls": "CLS", "lcp": "LCP", "inp": "INP", "fcp": "FCP", "ttfb": "TTFB", "tbt": "TBT",
          "rps": "requests/s", "js": "JS", "css": "CSS", "fk": "foreign keys", "pk": "primary key",
          "tx": "transaction", "5xx": "5xx"}


def metric_label(name: str) -> str:
    """``p95_ms`` -> ``p95``, ``forged_tokens_accepted`` -> ``forged tokens accepted``,
    ``desktop_lcp_ms`` -> ``desktop LCP``."""
    base = name
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    if base == "bytes":
        return "bytes"
    words = [_WORDS.get(w, w) for w in base.split("_") if w]
    return " ".join(words).replace("n plus one", "N+1") or name


def human(name: str, value: float) -> str:
    """``value`` of metric ``name`` in its unit, short."""
    if name.endswith("_ms"):
        return duration_ms(value)
    if name.endswith("bytes"):
        return size(value)
    if name.endswith("_pct"):
        return f"{format_number(value)} %"
    if name.endswith("_s"):
        return duration_ms(value * 1000)
    if name == "rps" or name.endswith("_rps"):
        return f"{format_number(value)}/s"
    if name.endswith("cls"):
        return f"{value:.3f}"
    return format_number(value)


def duration_ms(value: float) -> str:
    if abs(value) >= 60_000:
        return f"{value / 60_000:.1f} min"
    if abs(value) >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{format_number(value)} ms"


def size(value: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""  # pragma: no cover


def expression(text: str) -> str:
    """A threshold as written (``p(95) < 500ms``) with its unit spaced: ``p(95) < 500 ms``."""
    return re.sub(r"(\d)(ms\b|s\b|%|KiB\b|MiB\b|kB\b|MB\b)", r"\1 \2", text)
