"""The terminal report: grouped by area, failures first, one line per check with a short fix."""

from __future__ import annotations

from collections import Counter, defaultdict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from golive.blocks import Block, Note
from golive.blocks import Table as TableBlock
from golive.compare import IMPROVEMENT, REGRESSION, SAME, Comparison
from golive.report.views import result_views
from golive.results import STATUS_ORDER, Result, Status, format_number
from golive.store import RunRecord

STYLE = {
    Status.PASS: ("✓ pass", "green"),
    Status.FAIL: ("✗ FAIL", "bold red"),
    Status.WARN: ("! warn", "yellow"),
    Status.INCONCLUSIVE: ("? inconclusive", "magenta"),
    Status.SKIPPED: ("- skipped", "dim"),
    Status.ERROR: ("✗ ERROR", "bold magenta"),
    Status.MANUAL: ("… manual", "cyan"),
}
VERDICT_STYLE = {"ready": "bold green", "not-ready": "bold red", "incomplete": "bold magenta"}


def status_text(status: Status) -> Text:
    label, style = STYLE[status]
    return Text(label, style=style)


def print_run(console: Console, run: RunRecord, *, title: str = "") -> None:
    head = title or f"golive audit · run {run.id}"
    console.rule(Text(f"{head} · {run.target} · profile {run.profile}", style="bold"))
    by_area: dict[str, list[Result]] = defaultdict(list)
    for r in run.results:
        by_area[r.area].append(r)
    areas = sorted(by_area, key=lambda a: min(STATUS_ORDER[r.status] for r in by_area[a]))
    width = max((len(r.check) for r in run.results), default=10) + 2
    for area in areas:
        console.print(Text(f"area {area}", style="bold underline"))
        for r in sorted(by_area[area], key=lambda r: STATUS_ORDER[r.status]):
            label, style = STYLE[r.status]
            line = Text("  ")
            line.append(label.ljust(15), style=style)
            line.append(r.check.ljust(width), style="bold")
            figures = _figures(r)
            indent = 2 + 15 + width
            # a figure is never wrapped in the middle: those that do not fit go on lines of
            # their own under the first
            while figures and (len(line.plain) == indent
                               or len(line.plain) + len(figures[0]) <= console.width):
                line.append(figures.pop(0) + "  ")
            console.print(line, overflow="fold")
            for figure in figures:
                console.print(Text(" " * indent + figure), overflow="fold")
            for detail, style in _details(r):
                console.print(Text(" " * 17 + detail, style=style), overflow="fold")
            if r.status in (Status.FAIL, Status.WARN):
                for block in result_views(r):
                    _print_block(console, block)
    if run.criteria:
        _print_plan(console, run)
    counts = Counter(r.status for r in run.results)
    tally = ", ".join(f"{counts[s]} {s}" for s in Status if counts[s])
    verdict = (run.verdict or "incomplete").upper()
    line = Text("Verdict: ", style="bold")
    line.append(verdict, style=VERDICT_STYLE.get(run.verdict or "", "bold"))
    line.append(f"  ({tally}; {run.reason})" if run.reason else f"  ({tally})")
    if run.status == "interrupted":
        line.append("  [interrupted: partial run kept]", style="yellow")
    elif run.status == "error":
        line.append("  [golive failed: the results so far are kept]", style="bold magenta")
    console.print(line)


#: rows of a view shown in the terminal (the JSON and HTML reports show all)
TERMINAL_ROWS = 8


def _print_block(console: Console, block: Block) -> None:
    """A view in the terminal: tables (first rows) and notes; series only in HTML."""
    if isinstance(block, TableBlock):
        table = Table(title=block.title, title_justify="left", expand=True,
                      padding=(0, 1), box=None)
        for col in block.columns:
            table.add_column(col, justify="right" if col in block.numeric else "left",
                             overflow="fold")
        for row in block.rows[:TERMINAL_ROWS]:
            table.add_row(*(format_number(c) if isinstance(c, (int, float)) else
                            ("-" if c is None else str(c)) for c in row))
        console.print(table)
        if len(block.rows) > TERMINAL_ROWS:
            console.print(Text(f"  … {len(block.rows) - TERMINAL_ROWS} more rows (JSON, HTML)",
                               style="dim"))
    elif isinstance(block, Note):
        console.print(Text(" " * 17 + block.text, style="dim"), overflow="fold")


def _figures(r: Result) -> list[str]:
    parts = []
    for o in r.thresholds:
        if o.actual is None:
            parts.append(f"{o.metric}: not measured")
        else:
            # a met threshold of a result that did not decide proves nothing: "?", as in HTML
            undecided = r.status in (Status.INCONCLUSIVE, Status.SKIPPED, Status.ERROR)
            mark = "✗ " if not o.ok else "? " if undecided else ""
            parts.append(f"{mark}{o.metric}={format_number(o.actual)} ({o.expression})")
    return parts


def _details(r: Result) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if r.status in (Status.SKIPPED, Status.INCONCLUSIVE, Status.ERROR):
        out.append((r.reason or r.summary, "dim" if r.status is Status.SKIPPED else ""))
        return out
    if r.summary:
        out.append((r.summary, "dim"))
    if r.status is Status.PASS:
        return out
    for f in r.findings[:4]:
        out.append((f"• [{f.severity}] {f.title}" + (f" — {f.location}" if f.location else ""),
                    ""))
    if len(r.findings) > 4:
        out.append((f"• … {len(r.findings) - 4} more (the JSON and HTML reports list all)", "dim"))
    if r.fix and r.status in (Status.FAIL, Status.WARN):
        out.append((f"fix: {r.fix}", "green"))
    return out


def _print_plan(console: Console, run: RunRecord) -> None:
    items = [c for c in run.criteria if c.get("kind") != "subtask"]
    subtasks = [c for c in run.criteria if c.get("kind") == "subtask"]
    counts = Counter(c["status"] for c in items)
    console.print(Text(
        f"Plan: {len(items)} acceptance criteria and checklist items — " + ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1])),
        style="bold"))
    decided = [c for c in items if c["status"] in ("pass", "fail", "warn")]
    for c in sorted(decided, key=lambda c: c["status"] != "fail"):
        line = Text("  ")
        line.append_text(status_text(Status(c["status"])).copy())
        line.append(f"  {c['task']}: {c['text']} — {c['note']}")
        console.print(line)
    ticked = sum(1 for c in subtasks if c["status"] == "pass")
    if subtasks:
        console.print(Text(f"  subtasks verified by evidence: {ticked} of "
                           f"{len(subtasks)}", style="dim"))
    for s in run.stale_signoffs:
        console.print(Text(f"  stale sign-off: {s['task']}: {s['text']!r} by {s['by']} matches "
                           "no item of the plan any more (sign the item off again)",
                           style="yellow"))


def print_history(console: Console, runs: list[RunRecord]) -> None:
    table = Table(title="golive history", title_justify="left", expand=True)
    for col in ("run", "started (UTC)", "label", "target", "profile", "commit", "status",
                "verdict"):
        table.add_column(col)
    for r in runs:
        table.add_row(str(r.id), f"{r.started_at:%Y-%m-%d %H:%M:%S}", r.label, r.target,
                      r.profile, (r.git_commit or "")[:8], r.status,
                      Text(r.verdict or "-", style=VERDICT_STYLE.get(r.verdict or "", "")))
    console.print(table)


VERDICT_COLOR = {IMPROVEMENT: "green", REGRESSION: "bold red"}


def print_comparison(console: Console, comp: Comparison) -> None:
    console.rule(Text(f"compare run {comp.before.id} → run {comp.after.id}", style="bold"))
    table = Table(expand=True)
    hidden = 0
    for col in ("check", "scope", "metric", "before", "after", "change", "verdict"):
        table.add_column(col, justify="right" if col in ("before", "after", "change") else "left")
    for s in comp.statuses:
        table.add_row(Text(s.check, style="bold"), "", "status",
                      str(s.before or "-"), str(s.after or "-"), "",
                      Text(s.verdict if s.verdict != SAME else "",
                           style=VERDICT_COLOR.get(s.verdict, "")))
        for m in comp.of(s.check):
            if m.verdict == SAME:  # the JSON and HTML comparisons list every figure
                hidden += 1
                continue
            change = "" if m.change is None else format_number(m.change)
            if m.change_pct is not None and m.change:
                change += f" ({m.change_pct:+.0f}%)"
            table.add_row("", "" if m.scope == "overall" else m.scope, m.metric,
                          "-" if m.before is None else format_number(m.before),
                          "-" if m.after is None else format_number(m.after), change,
                          Text(m.verdict, style=VERDICT_COLOR.get(m.verdict, "dim")))
    console.print(table)
    if hidden:
        console.print(Text(f"{hidden} figure(s) the same in both runs are not shown "
                           "('golive compare A B --json' and the HTML report list them)",
                           style="dim"))
    console.print(Text(
        f"{len(comp.improved)} check(s) improved, {len(comp.regressed)} regressed; verdict "
        f"{comp.before.verdict} → {comp.after.verdict}", style="bold"))


def print_summary(console: Console, comp: Comparison, *, before_title: str = "",
                  after_title: str = "", report: str = "") -> None:
    """A comparison on one screen: the verdicts, each improved (and regressed) check in one
    line with its headline figure, what still fails afterwards, and where the report is."""
    from golive.report.summary import failures, headlines

    before_title = before_title or f"run {comp.before.id}"
    after_title = after_title or f"run {comp.after.id}"
    console.rule(Text(f"{before_title} → {after_title}", style="bold"))
    line = Text("Verdict: ", style="bold")
    line.append((comp.before.verdict or "incomplete").upper(),
                style=VERDICT_STYLE.get(comp.before.verdict or "", "bold"))
    line.append(" → ")
    line.append((comp.after.verdict or "incomplete").upper(),
                style=VERDICT_STYLE.get(comp.after.verdict or "", "bold"))
    line.append(f"   ({len(comp.improved)} check(s) improved, {len(comp.regressed)} regressed)")
    console.print(line)
    status_verdicts = {s.check: s.verdict for s in comp.statuses}
    rows = [h for h in headlines(comp) if status_verdicts[h.check] in (IMPROVEMENT, REGRESSION)]
    width = max((len(h.check) for h in rows), default=10) + 2
    for h in rows:
        mark, style = (("✓", "green") if status_verdicts[h.check] == IMPROVEMENT
                       else ("✗", "bold red"))
        text = Text(f"  {mark} ", style=style)
        text.append(h.check.ljust(width), style="bold")
        text.append(f"{h.before_status} → {h.after_status}".ljust(16))
        if h.metric:
            text.append(f"{h.label} {h.before} → {h.after}")
            if h.verdict not in (IMPROVEMENT, REGRESSION, SAME):
                text.append(f" ({h.verdict})", style="dim")
        console.print(text, overflow="ellipsis", no_wrap=True)
    still = failures(comp.after)
    if still:
        console.print(Text(f"Still failing in {after_title}:", style="bold red"))
        for f in still[:5]:
            console.print(Text(f"  ✗ {f.check}: " + (f.figures[0] if f.figures else f.title)),
                          overflow="ellipsis", no_wrap=True)
        if len(still) > 5:
            console.print(Text(f"  … {len(still) - 5} more (see the report)", style="dim"))
    else:
        console.print(Text(f"Still failing in {after_title}: no check.", style="green"))
    items = [c for c in comp.after.criteria
             if c["status"] == "fail" and c.get("kind") != "subtask"]
    if items:
        console.print(Text(f"Plan items failing ({len(items)}): " + "; ".join(
            f"{c['text']} ({c['note']})" for c in items[:3]), style="yellow"),
            overflow="ellipsis", no_wrap=True)
    if report:
        console.print(Text(f"Report: {report}", style="bold"))
