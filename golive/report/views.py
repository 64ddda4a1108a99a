"""The blocks a stored run brings: each result's views (from its check's class) and the
run-level sections (from the ``golive_report_sections`` hook). A result whose check is not
installed here gets no views: the generic display (figures, findings, evidence) stays."""

from __future__ import annotations

from golive.blocks import Block, Note, Section
from golive.plugins import all_checks, plugin_manager
from golive.results import Result
from golive.store import RunRecord


def result_views(result: Result) -> list[Block]:
    cls = all_checks().get(result.check)
    if cls is None:
        return []
    try:
        return list(cls.views(result))
    except Exception as err:  # a plugin's view must not break the report
        return [Note(f"the view of {result.check} failed: {type(err).__name__}: {err}")]


def run_sections(run: RunRecord) -> list[Section]:
    sections: list[Section] = []
    for batch in plugin_manager().hook.golive_report_sections(run=run):
        sections += list(batch or [])
    return sections
