"""Write the report files an audit asks for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from golive.report.artifacts import export_artifacts
from golive.report.html_report import render_html
from golive.report.json_report import report_json
from golive.report.junit import render_junit
from golive.store import RunRecord, Store

if TYPE_CHECKING:
    from golive.plan import Plan
    from golive.runner import AuditOutcome


def write_outputs(run: RunRecord, outcome: AuditOutcome, plan: Plan | None, *, exit_code: int,
                  json_out: str | None = None, html_out: str | None = None,
                  junit_out: str | None = None, plan_out: str | None = None,
                  pdf_out: str | None = None, echo: Callable[[str], None] = print,
                  store: Store | None = None) -> None:
    from golive.plan import render_plan

    if json_out:
        Path(json_out).write_text(report_json(run, exit_code=exit_code), encoding="utf-8")
        echo(f"wrote {json_out}")
    title = f"golive readiness report: run {run.id}"
    if html_out:
        links = export_artifacts(store, [run.id], html_out) if store is not None else {}
        Path(html_out).write_text(render_html([(title, run)], title=title, artifacts=links),
                                  encoding="utf-8")
        echo(f"wrote {html_out}" + (f" (and the {sum(len(v) for v in links.values())} "
                                    "artifacts it links, in the folder beside it)"
                                    if links else ""))
    if pdf_out:
        from golive.report.snapshot import write_pdf

        pages = write_pdf(render_html([(title, run)], title=title), pdf_out)
        echo(f"wrote {pdf_out} ({pages} A4 page{'s' if pages != 1 else ''})")
    if junit_out:
        Path(junit_out).write_text(render_junit(run), encoding="utf-8")
        echo(f"wrote {junit_out}")
    if plan_out and plan is not None:
        Path(plan_out).write_text(render_plan(plan, outcome.items, run.id), encoding="utf-8")
        echo(f"wrote {plan_out}")
