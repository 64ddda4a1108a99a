from __future__ import annotations

from golive.blocks import Waterfall, block_from_dict
from golive.report.svg import waterfall


def test_a_waterfall_marks_blocking_failed_and_untimed_requests() -> None:
    block = Waterfall("Network waterfall of /", (
        {"label": "/", "kind": "document", "start": 0, "first_byte": 20, "end": 25,
         "flags": []},
        {"label": "/app.css", "kind": "stylesheet", "start": 30, "first_byte": 35, "end": 400,
         "flags": ["render-blocking"]},
        {"label": "/missing.png", "kind": "image", "start": 40, "first_byte": 45, "end": 50,
         "flags": ["failed"]},
        {"label": "http://127.0.0.1:9/fonts.css", "kind": "stylesheet", "start": None,
         "first_byte": None, "end": None, "flags": ["render-blocking", "never completed"]},
    ), markers=(("FCP", 420.0), ("LCP", 610.0)))
    svg = str(waterfall(block))
    assert svg.startswith("<svg") and svg.count("<rect") >= 6
    assert 'stroke="#e65100"' in svg  # the render-blocking stylesheet, outlined
    assert svg.count('stroke="#c62828" stroke-width="2"') == 1 + 1  # the 404 + the legend
    assert "render-blocking, never completed (no timing from the browser)" in svg
    assert "LCP 610 ms" in svg and "FCP 420 ms" in svg
    assert "/app.css (stylesheet): starts 30 ms, first byte 35 ms, done 400 ms" in svg
    assert block_from_dict(block.to_dict()) == block  # kept in JSON reports as it is


def test_an_empty_waterfall_draws_nothing() -> None:
    assert str(waterfall(Waterfall("none", ()))) == ""
