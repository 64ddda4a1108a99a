"""Reading the history the way the server shows it: projects with their latest run, a
project's runs page by page (filtered by branch and kind), one figure over a project's runs,
the plan items of the last runs. Bounded queries only: every list has a page size."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from golive.store import RunRecord, Store, _aware
from golive.store.schema import metrics as metrics_t
from golive.store.schema import plan_items as plan_items_t
from golive.store.schema import projects as projects_t
from golive.store.schema import runs as runs_t

#: the most rows any list returns (a request asking for more gets this many)
MAX_PAGE = 200


@dataclass
class ProjectSummary:
    name: str
    runs: int
    latest: RunRecord | None
    #: the latest run's plan items: decided (pass/fail/warn), passing, manual, total
    plan: dict[str, int] = field(default_factory=dict)
    #: verdicts of the last runs, oldest first (the sparkline)
    verdicts: list[tuple[int, str | None]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "runs": self.runs,
                "latest": self.latest.to_dict() if self.latest else None,
                "plan": self.plan,
                "verdicts": [{"run": r, "verdict": v} for r, v in self.verdicts]}


def _records(store: Store, rows: list[sa.RowMapping]) -> list[RunRecord]:
    return [store._record(dict(r)) for r in rows]


def plan_counts(store: Store, run_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per run: its plan items decided, passing, manual and in all (subtasks included)."""
    if not run_ids:
        return {}
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(plan_items_t.c.run_id, plan_items_t.c.status, sa.func.count())
            .where(plan_items_t.c.run_id.in_(run_ids))
            .group_by(plan_items_t.c.run_id, plan_items_t.c.status)).all()
    out: dict[int, Counter[str]] = {}
    for run_id, status, n in rows:
        out.setdefault(int(run_id), Counter())[str(status)] += int(n)
    return {run_id: {"decided": c["pass"] + c["fail"] + c["warn"], "passing": c["pass"],
                     "failing": c["fail"], "manual": c["manual"], "total": sum(c.values())}
            for run_id, c in out.items()}


def project_summaries(store: Store, spark: int = 20) -> list[ProjectSummary]:
    """Every project with its run count, latest run, plan counts and last ``spark`` verdicts:
    four queries whatever the number of projects (the last runs by a window function)."""
    ranked = sa.select(runs_t, sa.func.row_number().over(
        partition_by=runs_t.c.project, order_by=runs_t.c.id.desc()).label("recent")).subquery()
    with store.engine.connect() as conn:
        names = [r[0] for r in conn.execute(
            sa.select(projects_t.c.name).order_by(projects_t.c.name).limit(MAX_PAGE))]
        counts: dict[str, int] = dict(conn.execute(sa.select(runs_t.c.project, sa.func.count())
                                                   .group_by(runs_t.c.project)).all())
        rows = conn.execute(sa.select(ranked).where(ranked.c.recent <= spark,
                                                    ranked.c.project.in_(names))
                            .order_by(ranked.c.project, ranked.c.id)).mappings().all()
    recent: dict[str, list[sa.RowMapping]] = {}
    for row in rows:
        recent.setdefault(str(row["project"]), []).append(row)
    latest = {name: store._record(dict(found[-1])) for name, found in recent.items()}
    plans = plan_counts(store, [r.id for r in latest.values()])
    return [ProjectSummary(name, int(counts.get(name, 0)), latest.get(name),
                           plans.get(latest[name].id, {}) if name in latest else {},
                           [(int(r["id"]), r["verdict"]) for r in recent.get(name, [])])
            for name in names]


def project_runs(store: Store, project: str, *, branch: str | None = None,
                 kind: str | None = None, page: int = 1, per_page: int = 50
                 ) -> tuple[list[RunRecord], int]:
    """One page of a project's runs, newest first, and how many there are in all."""
    per_page = max(1, min(per_page, MAX_PAGE))
    where = [runs_t.c.project == project]
    if branch:
        where.append(runs_t.c.git_branch == branch)
    if kind:
        where.append(runs_t.c.kind == kind)
    with store.engine.connect() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(runs_t)
                                 .where(*where)).scalar_one())
        rows = conn.execute(sa.select(runs_t).where(*where).order_by(runs_t.c.id.desc())
                            .offset((max(page, 1) - 1) * per_page).limit(per_page)
                            ).mappings().all()
    return _records(store, list(rows)), total


def branches(store: Store, project: str) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(runs_t.c.git_branch).distinct()
                            .where(runs_t.c.project == project,
                                   runs_t.c.git_branch.is_not(None))
                            .order_by(runs_t.c.git_branch).limit(MAX_PAGE)).all()
    return [str(r[0]) for r in rows]


@dataclass(frozen=True)
class Point:
    run_id: int
    started_at: datetime
    value: float
    branch: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"run": self.run_id, "started_at": self.started_at.isoformat(),
                "value": self.value, "branch": self.branch}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Point:
        return cls(int(data["run"]), datetime.fromisoformat(str(data["started_at"])),
                   float(data["value"]), data.get("branch"))


def series(store: Store, project: str, *, check: str, metric: str, scope: str = "overall",
           branch: str | None = None, limit: int = 50) -> list[Point]:
    """One figure over the project's last ``limit`` runs that measured it, oldest first."""
    return series_many(store, project, [(check, metric)], scope=scope, branch=branch,
                       limit=limit).get((check, metric), [])


def series_many(store: Store, project: str, pairs: list[tuple[str, str]], *,
                scope: str = "overall", branch: str | None = None, limit: int = 50
                ) -> dict[tuple[str, str], list[Point]]:
    """Several figures (check, metric) over the project's runs in one query: each its last
    ``limit`` points, oldest first."""
    if not pairs:
        return {}
    limit = max(1, min(limit, MAX_PAGE))
    where = [metrics_t.c.scope == scope, runs_t.c.project == project,
             sa.or_(*(sa.and_(metrics_t.c.check_id == c, metrics_t.c.name == m)
                      for c, m in pairs))]
    if branch:
        where.append(runs_t.c.git_branch == branch)
    ranked = (sa.select(metrics_t.c.check_id, metrics_t.c.name, metrics_t.c.run_id,
                        runs_t.c.started_at, metrics_t.c.value, runs_t.c.git_branch,
                        sa.func.row_number().over(
                            partition_by=(metrics_t.c.check_id, metrics_t.c.name),
                            order_by=metrics_t.c.run_id.desc()).label("recent"))
              .join(runs_t, runs_t.c.id == metrics_t.c.run_id).where(*where).subquery())
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(ranked).where(ranked.c.recent <= limit)
                            .order_by(ranked.c.run_id)).all()
    out: dict[tuple[str, str], list[Point]] = {}
    for check, name, run_id, started, value, run_branch, _ in rows:
        out.setdefault((str(check), str(name)), []).append(
            Point(int(run_id), _aware(started) or started, float(value), run_branch))
    return out


def measured(store: Store, project: str) -> list[tuple[str, str]]:
    """(check, metric) pairs the project's runs recorded overall."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(metrics_t.c.check_id, metrics_t.c.name).distinct()
            .join(runs_t, runs_t.c.id == metrics_t.c.run_id)
            .where(runs_t.c.project == project, metrics_t.c.scope == "overall")
            .order_by(metrics_t.c.check_id, metrics_t.c.name)).all()
    return [(str(r[0]), str(r[1])) for r in rows]


def latest_on_branch(store: Store, project: str, branch: str,
                     before: int | None = None) -> RunRecord | None:
    """The newest run of ``project`` on ``branch`` (older than run ``before`` when given)."""
    query = sa.select(runs_t).where(runs_t.c.project == project,
                                    runs_t.c.git_branch == branch,
                                    runs_t.c.status == "complete")
    if before is not None:
        query = query.where(runs_t.c.id < before)
    with store.engine.connect() as conn:
        row = conn.execute(query.order_by(runs_t.c.id.desc()).limit(1)).mappings().first()
    return store._record(dict(row)) if row is not None else None


@dataclass
class PlanBoard:
    runs: list[RunRecord]
    #: (task, kind, text) -> status per run of ``runs`` (None: not in that run's plan)
    items: dict[tuple[str, str, str], list[str | None]]
    notes: dict[tuple[str, str, str], str]

    def to_dict(self) -> dict[str, Any]:
        return {"runs": [r.id for r in self.runs],
                "items": [{"task": t, "kind": k, "text": x, "statuses": s,
                           "note": self.notes.get((t, k, x), "")}
                          for (t, k, x), s in self.items.items()]}


def plan_board(store: Store, project: str, last: int = 10) -> PlanBoard:
    """Every plan item of the project's last ``last`` runs with a plan, and its status in
    each (newest first); the note is the newest run's."""
    with store.engine.connect() as conn:
        run_rows = conn.execute(
            sa.select(runs_t).where(runs_t.c.project == project,
                                    runs_t.c.id.in_(sa.select(plan_items_t.c.run_id)))
            .order_by(runs_t.c.id.desc()).limit(max(1, min(last, 50)))).mappings().all()
        ids = [int(r["id"]) for r in run_rows]
        rows = conn.execute(
            sa.select(plan_items_t.c.run_id, plan_items_t.c.task, plan_items_t.c.kind,
                      plan_items_t.c.text, plan_items_t.c.status, plan_items_t.c.note)
            .where(plan_items_t.c.run_id.in_(ids))
            .order_by(plan_items_t.c.run_id.desc(), plan_items_t.c.position)).all() \
            if ids else []
    position = {run_id: i for i, run_id in enumerate(ids)}
    items: dict[tuple[str, str, str], list[str | None]] = {}
    notes: dict[tuple[str, str, str], str] = {}
    for run_id, task, kind, text, status, note in rows:
        key = (str(task), str(kind), str(text))
        items.setdefault(key, [None] * len(ids))[position[int(run_id)]] = str(status)
        notes.setdefault(key, str(note))
    return PlanBoard(_records(store, list(run_rows)), items, notes)
