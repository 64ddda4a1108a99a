"""The report in Chromium: first-screen positions, and a PDF of a few readable pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from golive.compare import compare_runs
from golive.report import render_html
from golive.report.snapshot import (
    ReportBrowser,
    find_chromium,
    first_screen_parts,
    off_screen,
    pdf_pages,
)
from golive.results import Status
from tests.report.test_reports import _run

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(find_chromium() is None, reason="no Chromium (make install)")]


@pytest.fixture
def report(tmp_path: Path) -> Path:
    before, after = _run(1, 0, Status.FAIL), _run(2, 100, Status.PASS)
    path = tmp_path / "report.html"
    path.write_text(render_html([("Before", before), ("After", after)],
                                compare_runs(before, after)), encoding="utf-8")
    return path


def test_the_first_screen_holds_the_verdict_the_plan_and_the_failures(report: Path,
                                                                       tmp_path: Path) -> None:
    with ReportBrowser() as browser:
        boxes = browser.screenshot(report, tmp_path / "run-1.png", anchor="run-1",
                                   boxes=first_screen_parts("run-1"))
        assert off_screen(boxes) == [], boxes
        verdict, plan = boxes["#verdict-1"], boxes["#plan-1"]
        assert verdict is not None and plan is not None and verdict.bottom <= plan.top
        # on a screen too small for it, the same parts are reported as not shown
        small = browser.screenshot(report, tmp_path / "small.png", anchor="run-1",
                                   size=(1280, 60), boxes=first_screen_parts("run-1"))
        assert "#plan-1" in off_screen(small, height=60)
        assert (tmp_path / "run-1.png").read_bytes()[:4] == b"\x89PNG"


def test_the_pdf_is_a4_pages(report: Path, tmp_path: Path) -> None:
    with ReportBrowser() as browser:
        pages = browser.pdf(report, tmp_path / "r.pdf")
    data = (tmp_path / "r.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and pages == pdf_pages(data)
    assert 1 <= pages <= 4  # two small runs and their comparison
    sizes = {(round(float(w)), round(float(h))) for w, h in
             re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", data)}
    assert sizes == {(595, 842)}  # A4 in points
