"""The JSON report, schema ``golive.report/2`` (documented in docs/report-schema.md)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from golive.report.views import result_views, run_sections
from golive.results import Status
from golive.store import RunRecord
from golive.verdict import ExitStatus

SCHEMA = "golive.report/2"


def report_dict(run: RunRecord, *, exit_code: int | None = None) -> dict[str, Any]:
    counts = Counter(str(r.status) for r in run.results)
    criteria_counts = Counter(c["status"] for c in run.criteria)
    verdict = run.verdict or "incomplete"
    if exit_code is None:
        exit_code = run.exit_code
    if exit_code is None:  # a run stored before exit codes were
        exit_code = int({"ready": ExitStatus.READY, "not-ready": ExitStatus.NOT_READY}.get(
            verdict, ExitStatus.INCOMPLETE))
    return {
        "schema": SCHEMA,
        "verdict": verdict,
        "reason": run.reason or "",
        "exit_code": exit_code,
        "run": run.to_dict() | {"exit_code": exit_code},
        "counts": {str(s): counts.get(str(s), 0) for s in Status},
        "results": [r.to_dict() | {"views": [b.to_dict() for b in result_views(r)]}
                    for r in run.results],
        "criteria": [
            {"task": c["task"], "key": c["key"], "kind": c["kind"], "text": c["text"],
             "check": c["check"], "slo": c.get("slo", []), "status": c["status"],
             "note": c.get("note", "")}
            for c in run.criteria
        ],
        "criteria_counts": {str(s): criteria_counts.get(str(s), 0) for s in Status},
        "stale_signoffs": list(run.stale_signoffs),
        "sections": [s.to_dict() for s in run_sections(run)],
        "plan_text": run.plan_text,
    }


def report_json(run: RunRecord, *, exit_code: int | None = None) -> str:
    return json.dumps(report_dict(run, exit_code=exit_code), indent=2, ensure_ascii=False) + "\n"
