"""Reports of a stored run: terminal, JSON, JUnit XML, HTML, and run comparison. They render
generic blocks (:mod:`golive.blocks`) and name no area."""

from __future__ import annotations

from golive.compare import Comparison, compare_runs
from golive.report.html_report import render_html
from golive.report.json_report import SCHEMA, report_dict, report_json
from golive.report.junit import render_junit
from golive.report.terminal import print_comparison, print_history, print_run

__all__ = [
    "SCHEMA", "Comparison", "compare_runs", "print_comparison", "print_history", "print_run",
    "render_html", "render_junit", "report_dict", "report_json",
]
