"""Readable excerpts of response bodies for findings: an HTML page is shown as its text (no
tags, scripts or styles, entities decoded, whitespace collapsed), never raw markup cut mid-tag."""

from __future__ import annotations

import html
import re

_HIDDEN = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>|<[^>]*$")
_SPACE = re.compile(r"\s+")
_LOOKS_HTML = re.compile(r"<(!doctype|html|head|body|div|p|pre|table|h\d|b|span)\b",
                         re.IGNORECASE)


def as_text(body: str) -> str:
    """The visible text of an HTML body (any other body with its whitespace collapsed)."""
    if _LOOKS_HTML.search(body[:5000]):
        body = html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", body)))
    return _SPACE.sub(" ", body).strip()


def excerpt(body: str, at: int = 0, width: int = 240, before: int = 40) -> str:
    """About ``width`` characters of text around position ``at`` of the raw ``body`` (a match
    of a pattern on the raw body), cut at word boundaries and marked with '…' where cut."""
    start = len(as_text(body[:at])) if at else 0
    text = as_text(body)
    lo = max(0, start - before)
    hi = min(len(text), lo + width)
    if lo > 0 and " " in text[lo:lo + 20]:
        lo = text.index(" ", lo) + 1
    if hi < len(text) and " " in text[max(lo, hi - 20):hi]:
        hi = text.rindex(" ", lo, hi)
    return ("…" if lo > 0 else "") + text[lo:hi].strip() + ("…" if hi < len(text) else "")
