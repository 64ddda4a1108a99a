"""JUnit XML: one testsuite per area, one testcase per check, so CI shows each check."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from golive.results import Result, Status
from golive.store import RunRecord


def _message(result: Result) -> str:
    return result.reason or result.summary or str(result.status)


def render_junit(run: RunRecord) -> str:
    suites = ET.Element("testsuites", name=f"golive run {run.id}")
    by_area: dict[str, list[Result]] = defaultdict(list)
    for r in run.results:
        by_area[r.area].append(r)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for area, results in by_area.items():
        suite = ET.SubElement(suites, "testsuite", name=area)
        counts = {"tests": len(results), "failures": 0, "errors": 0, "skipped": 0}
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=f"golive.{area}", name=r.check,
                                 time=f"{r.duration_s:.3f}")
            detail = "\n".join(
                f"[{f.severity}] {f.title} at {f.location}: {f.detail} (fix: {f.fix})"
                for f in r.findings)
            if r.status is Status.FAIL:
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=_message(r), type="fail").text = detail
            elif r.status is Status.ERROR:
                counts["errors"] += 1
                ET.SubElement(case, "error", message=_message(r), type="error").text = str(
                    r.evidence.get("traceback", ""))
            elif r.status in (Status.SKIPPED, Status.INCONCLUSIVE, Status.MANUAL):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=f"{r.status}: {_message(r)}")
            if r.summary or detail:
                ET.SubElement(case, "system-out").text = "\n".join(
                    x for x in (f"{r.status}: {r.summary}", detail) if x)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"
