"""The history: every run, its results and the human sign-offs.

SQLite at ``.golive/golive.db`` by default, PostgreSQL by URL. The schema is migrated with
Alembic: explicitly by ``golive db upgrade``, and by the commands that write runs when they
open the store (``Store(url)``); commands that only read open it with ``migrate=False`` and
say when the schema is behind. A run is written when it starts and each result as it
finishes, so an interrupted audit keeps everything measured before the interruption.
"""

from __future__ import annotations

import gzip
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from golive.exceptions import StoreError
from golive.results import Artifact, Result
from golive.store.schema import artifacts as artifacts_t
from golive.store.schema import baselines as baselines_t
from golive.store.schema import metrics as metrics_t
from golive.store.schema import plan_items as plan_items_t
from golive.store.schema import projects as projects_t
from golive.store.schema import results as results_t
from golive.store.schema import runs as runs_t
from golive.store.schema import signoffs as signoffs_t
from golive.verdict import metric_unit

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class RunRecord:
    id: int
    started_at: datetime
    target: str
    profile: str
    golive_version: str
    status: str
    label: str = ""
    finished_at: datetime | None = None
    git_commit: str | None = None
    git_branch: str | None = None
    verdict: str | None = None
    reason: str | None = None
    plan_path: str | None = None
    criteria: list[dict[str, Any]] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    project: str = "default"
    kind: str = "audit"  # audit | load | drill | smoke | import
    exit_code: int | None = None
    plan_text: str | None = None
    #: sign-offs whose item no longer matches any item of the plan (never transferred)
    stale_signoffs: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "target": self.target,
            "profile": self.profile,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "git_commit": self.git_commit,
            "git_branch": self.git_branch,
            "golive_version": self.golive_version,
            "status": self.status,
            "verdict": self.verdict,
            "reason": self.reason,
            "plan": self.plan_path,
            "project": self.project,
            "kind": self.kind,
            "exit_code": self.exit_code,
        }


def run_from_report(data: dict[str, Any]) -> RunRecord:
    """A run read back from a JSON report (``golive.report/1`` or ``/2``), e.g. a baseline."""
    run = data["run"]

    def when(value: str | None) -> datetime | None:
        return _aware(datetime.fromisoformat(value)) if value else None

    record = RunRecord(
        id=run["id"], started_at=when(run["started_at"]) or datetime.now(UTC),
        finished_at=when(run.get("finished_at")), target=run["target"],
        profile=run["profile"], golive_version=run["golive_version"], status=run["status"],
        label=run.get("label", ""), git_commit=run.get("git_commit"),
        git_branch=run.get("git_branch"), verdict=run.get("verdict"),
        reason=run.get("reason"), plan_path=run.get("plan"),
        criteria=list(data.get("criteria") or []),
        project=run.get("project") or "default", kind=run.get("kind") or "audit",
        exit_code=run.get("exit_code", data.get("exit_code")),
        plan_text=data.get("plan_text"),
        stale_signoffs=list(data.get("stale_signoffs") or []),
    )
    record.results = [Result.from_dict(r) for r in data.get("results") or []]
    return record


@dataclass
class Signoff:
    id: int
    created_at: datetime
    item: str
    text: str
    by: str
    evidence: str | None = None
    note: str | None = None
    task: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at.isoformat(), "task": self.task,
                "item": self.item, "text": self.text, "by": self.by,
                "evidence": self.evidence, "note": self.note}


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def git_info(cwd: str | Path | None = None) -> tuple[str | None, str | None]:
    def run(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                                 timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() or None if out.returncode == 0 else None

    return run("rev-parse", "HEAD"), run("rev-parse", "--abbrev-ref", "HEAD")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def has_history(url: str) -> bool:
    """False only for a SQLite store whose file does not exist yet (a reader creates none)."""
    url = normalise_url(url)
    return not url.startswith("sqlite:///") or Path(url[len("sqlite:///"):]).exists()


def _alembic() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return str(ScriptDirectory.from_config(_alembic()).get_current_head())


class Store:
    def __init__(self, url: str, *, migrate: bool = True, check: bool = True) -> None:
        self.url = normalise_url(url)
        if self.url.startswith("sqlite:///"):
            path = Path(self.url[len("sqlite:///"):])
            if not migrate and check and not has_history(self.url):  # a reader creates none
                raise StoreError(f"no golive history at {path} yet: run an audit first (or "
                                 "pass --store URL)")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreError(f"cannot create the store folder {path.parent}: {err}") from None
        try:
            self.engine = sa.create_engine(self.url)
        except (sa.exc.ArgumentError, ImportError) as err:
            raise StoreError(f"store URL {url!r} is not usable: {err}") from None
        if migrate:
            self.upgrade()
        elif check:
            self._require_current()

    def revision(self) -> str | None:
        """The schema revision the store is at (None: no schema yet)."""
        try:
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except sa.exc.OperationalError as err:
            first = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise StoreError(f"cannot open the store {self.safe_url}: {first}") from None

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate the schema to the newest revision: (revision before, revision after)."""
        cfg = _alembic()
        before = self.revision()
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except sa.exc.OperationalError as err:
            first = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise StoreError(f"cannot open the store {self.safe_url}: {first}") from None
        return before, head_revision()

    def _require_current(self) -> None:
        current, head = self.revision(), head_revision()
        if current is None:
            raise StoreError(f"the store {self.safe_url} holds no golive history yet: run an "
                             "audit first, or 'golive db upgrade' to create it")
        if current != head:
            raise StoreError(f"the store {self.safe_url} is at schema {current}, this golive "
                             f"needs {head}: run 'golive db upgrade' (it keeps every run)")

    @property
    def safe_url(self) -> str:
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # runs ---------------------------------------------------------------------------------
    def _ensure_project(self, conn: sa.Connection, project: str) -> None:
        found = conn.execute(sa.select(projects_t.c.name)
                             .where(projects_t.c.name == project)).first()
        if found is None:
            conn.execute(projects_t.insert().values(name=project, created_at=datetime.now(UTC)))

    def start_run(self, *, target: str, profile: str, golive_version: str, label: str = "",
                  plan_path: str | None = None, cwd: str | Path | None = None,
                  project: str = "default", kind: str = "audit",
                  plan_text: str | None = None) -> int:
        commit, branch = git_info(cwd)
        with self.engine.begin() as conn:
            self._ensure_project(conn, project)
            row = conn.execute(runs_t.insert().values(
                started_at=datetime.now(UTC), target=target, profile=profile, label=label,
                git_commit=commit, git_branch=branch, golive_version=golive_version,
                status="running", plan_path=plan_path, project=project, kind=kind,
                plan_text=plan_text,
            ).returning(runs_t.c.id)).one()
        return int(row[0])

    def projects(self) -> list[tuple[str, datetime]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(projects_t).order_by(projects_t.c.name)).all()
        return [(r.name, _aware(r.created_at)) for r in rows]  # type: ignore[misc]

    def add_result(self, run_id: int, position: int, result: Result) -> None:
        with self.engine.begin() as conn:
            self._insert_result(conn, run_id, position, result)

    def _insert_result(self, conn: sa.Connection, run_id: int, position: int,
                       result: Result) -> None:
        conn.execute(results_t.insert().values(
            run_id=run_id, position=position, check_id=result.check, area=result.area,
            status=str(result.status), data=_jsonable(result.to_dict()),
        ))
        figures = [("overall", k, v) for k, v in result.metrics.items()]
        figures += [(scope, k, v) for scope, values in result.scoped.items()
                    for k, v in values.items()]
        rows = [{"run_id": run_id, "check_id": result.check, "scope": scope[:500],
                 "name": name, "value": float(value), "unit": metric_unit(name) or ""}
                for scope, name, value in figures
                if isinstance(value, (int, float)) and value == value]  # NaN is not a figure
        if rows:
            conn.execute(metrics_t.insert(), rows)
        for artifact in result.artifacts:
            if not artifact.data:  # read back from a report: the bytes stayed behind
                continue
            conn.execute(artifacts_t.insert().values(
                run_id=run_id, check_id=result.check, name=artifact.name,
                media_type=artifact.media_type, size=len(artifact.data),
                data=gzip.compress(artifact.data, compresslevel=6)))

    def artifact(self, run_ref: str | int, check_id: str, name: str) -> Artifact:
        """One stored artifact with its bytes."""
        run_id = self.resolve_run_id(run_ref)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(artifacts_t.c.media_type, artifacts_t.c.data).where(
                artifacts_t.c.run_id == run_id, artifacts_t.c.check_id == check_id,
                artifacts_t.c.name == name)).first()
        if row is None:
            raise StoreError(f"run {run_id} keeps no artifact {name!r} of {check_id}: "
                             "see the artifacts list of 'golive show' for what it keeps")
        data = gzip.decompress(row.data)
        return Artifact(name, row.media_type, data, len(data))

    def add_artifact(self, run_id: int, check_id: str, artifact: Artifact) -> bool:
        """Keep the bytes of an artifact the run's result of ``check_id`` declares (a run
        uploaded as a JSON report lists its artifacts without their bytes); True when it
        replaced one. Anything the result does not declare, or of another size, is refused."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(results_t.c.data).where(
                results_t.c.run_id == run_id, results_t.c.check_id == check_id)).first()
            declared = {a.get("name"): a for a in (row[0].get("artifacts") or [])} if row else {}
            found = declared.get(artifact.name)
            if found is None:
                raise StoreError(f"run {run_id} declares no artifact {artifact.name!r} of "
                                 f"{check_id}")
            if int(found.get("bytes", -1)) != len(artifact.data):
                raise StoreError(f"{artifact.name!r} of run {run_id} is {found.get('bytes')} "
                                 f"bytes in its report, not {len(artifact.data)}")
            done = conn.execute(artifacts_t.delete().where(
                artifacts_t.c.run_id == run_id, artifacts_t.c.check_id == check_id,
                artifacts_t.c.name == artifact.name))
            conn.execute(artifacts_t.insert().values(
                run_id=run_id, check_id=check_id, name=artifact.name,
                media_type=str(found.get("media_type") or artifact.media_type),
                size=len(artifact.data), data=gzip.compress(artifact.data, compresslevel=6)))
        return bool(done.rowcount)

    def artifacts(self, run_ref: str | int, *,
                  with_data: bool = False) -> list[tuple[str, Artifact]]:
        """(check id, artifact) for every artifact a run keeps, in one query; the bytes only
        when ``with_data`` asks for them."""
        run_id = self.resolve_run_id(run_ref)
        columns = [artifacts_t.c.check_id, artifacts_t.c.name, artifacts_t.c.media_type,
                   artifacts_t.c.size] + ([artifacts_t.c.data] if with_data else [])
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*columns).where(artifacts_t.c.run_id == run_id)
                                .order_by(artifacts_t.c.id)).all()
        return [(r.check_id, Artifact(r.name, r.media_type,
                                      gzip.decompress(r.data) if with_data else b"", r.size))
                for r in rows]

    def finish_run(self, run_id: int, *, status: str, verdict: str, reason: str,
                   criteria: list[dict[str, Any]], exit_code: int | None = None,
                   stale_signoffs: list[dict[str, Any]] | None = None) -> None:
        """Close a run in one transaction: its status, verdict, exit code and plan items."""
        with self.engine.begin() as conn:
            conn.execute(runs_t.update().where(runs_t.c.id == run_id).values(
                finished_at=datetime.now(UTC), status=status, verdict=verdict, reason=reason,
                exit_code=exit_code, stale_signoffs=_jsonable(stale_signoffs or []),
            ))
            self._insert_items(conn, run_id, criteria)

    @staticmethod
    def _insert_items(conn: sa.Connection, run_id: int, criteria: list[dict[str, Any]]) -> None:
        conn.execute(plan_items_t.delete().where(plan_items_t.c.run_id == run_id))
        rows = [{"run_id": run_id, "position": i, "task": c["task"], "key": c.get("key", ""),
                 "kind": c.get("kind", ""), "text": c["text"], "check_id": c.get("check"),
                 "slo": list(c.get("slo") or []), "status": c["status"],
                 "note": c.get("note", "")} for i, c in enumerate(criteria)]
        if rows:
            conn.execute(plan_items_t.insert(), rows)

    def import_run(self, record: RunRecord, *, project: str | None = None,
                   kind: str = "import") -> int:
        """Store a run read from a JSON report (another machine's audit) as a new run of kind
        ``kind`` (``import``; an upload to the server keeps the report's own kind); every
        field of the report is kept."""
        project = project or record.project or "default"
        with self.engine.begin() as conn:
            self._ensure_project(conn, project)
            row = conn.execute(runs_t.insert().values(
                started_at=record.started_at, finished_at=record.finished_at,
                target=record.target, profile=record.profile, label=record.label,
                git_commit=record.git_commit, git_branch=record.git_branch,
                golive_version=record.golive_version, status=record.status,
                verdict=record.verdict, reason=record.reason, plan_path=record.plan_path,
                project=project, kind=kind, exit_code=record.exit_code,
                plan_text=record.plan_text, stale_signoffs=_jsonable(record.stale_signoffs),
            ).returning(runs_t.c.id)).one()
            run_id = int(row[0])
            for position, result in enumerate(record.results):
                self._insert_result(conn, run_id, position, result)
            self._insert_items(conn, run_id, record.criteria)
        return run_id

    def metric_series(self, *, check: str, name: str, project: str = "default",
                      scope: str = "overall", limit: int = 20) -> list[tuple[int, float]]:
        """(run id, value) of one figure over the project's last ``limit`` runs, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(metrics_t.c.run_id, metrics_t.c.value)
                .join(runs_t, runs_t.c.id == metrics_t.c.run_id)
                .where(metrics_t.c.check_id == check, metrics_t.c.name == name,
                       metrics_t.c.scope == scope, runs_t.c.project == project)
                .order_by(metrics_t.c.run_id.desc()).limit(limit)).all()
        return [(int(r[0]), float(r[1])) for r in reversed(rows)]

    def list_runs(self, limit: int = 20) -> list[RunRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(runs_t).order_by(runs_t.c.id.desc()).limit(limit)
            ).mappings().all()
        return [self._record(dict(r)) for r in rows]

    def resolve_run_id(self, ref: str | int) -> int:
        """A run id from ``7``, ``last``, ``last~1`` (the one before) or a label."""
        text = str(ref).strip()
        with self.engine.connect() as conn:
            if text.isdigit():
                found = conn.execute(sa.select(runs_t.c.id).where(runs_t.c.id == int(text)))
            elif text == "last" or text.startswith("last~"):
                back = int(text[5:] or 0) if text[5:].isdigit() or text == "last" else -1
                if back < 0:
                    raise StoreError(f"run {text!r}: write 'last' or 'last~N'")
                found = conn.execute(sa.select(runs_t.c.id).order_by(runs_t.c.id.desc())
                                     .offset(back).limit(1))
            else:
                found = conn.execute(sa.select(runs_t.c.id).where(runs_t.c.label == text)
                                     .order_by(runs_t.c.id.desc()).limit(1))
            row = found.first()
        if row is None:
            raise StoreError(
                f"no run {text!r} in {self.safe_url} ('golive history' lists the runs)")
        return int(row[0])

    def get_run(self, ref: str | int) -> RunRecord:
        run_id = self.resolve_run_id(ref)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(runs_t).where(runs_t.c.id == run_id)).mappings().one()
            rows = conn.execute(
                sa.select(results_t.c.data).where(results_t.c.run_id == run_id)
                .order_by(results_t.c.position)
            ).all()
            items = conn.execute(
                sa.select(plan_items_t).where(plan_items_t.c.run_id == run_id)
                .order_by(plan_items_t.c.position)).mappings().all()
        record = self._record(dict(row))
        record.results = [Result.from_dict(r[0]) for r in rows]
        record.criteria = [{"task": i["task"], "key": i["key"], "kind": i["kind"],
                            "text": i["text"], "check": i["check_id"], "slo": list(i["slo"]),
                            "status": i["status"], "note": i["note"]} for i in items]
        return record

    def latest_result(self, check_id: str, *, project: str | None = None,
                      target: str | None = None) -> tuple[int, datetime, Result] | None:
        """The newest stored result of one check (run id, run start, result), or None; with
        ``project`` and ``target``, only of runs of that project against that target. Drills
        run on their own; an audit's plan takes their latest outcome from here."""
        query = (sa.select(results_t.c.run_id, runs_t.c.started_at, results_t.c.data)
                 .join(runs_t, runs_t.c.id == results_t.c.run_id)
                 .where(results_t.c.check_id == check_id))
        if project is not None:
            query = query.where(runs_t.c.project == project)
        if target is not None:
            query = query.where(runs_t.c.target == target)
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(results_t.c.run_id.desc()).limit(1)).first()
        if row is None:
            return None
        return int(row[0]), _aware(row[1]), Result.from_dict(row[2])  # type: ignore[return-value]

    @staticmethod
    def _record(row: dict[str, Any]) -> RunRecord:
        return RunRecord(
            id=row["id"], started_at=_aware(row["started_at"]),  # type: ignore[arg-type]
            finished_at=_aware(row["finished_at"]), target=row["target"],
            profile=row["profile"], label=row["label"] or "", git_commit=row["git_commit"],
            git_branch=row["git_branch"], golive_version=row["golive_version"],
            status=row["status"], verdict=row["verdict"], reason=row["reason"],
            plan_path=row["plan_path"], project=row["project"], kind=row["kind"],
            exit_code=row["exit_code"], plan_text=row["plan_text"],
            stale_signoffs=list(row["stale_signoffs"] or []),
        )

    # baselines ----------------------------------------------------------------------------
    def save_baseline(self, name: str, run_ref: str | int) -> int:
        run_id = self.resolve_run_id(run_ref)
        with self.engine.begin() as conn:
            conn.execute(baselines_t.delete().where(baselines_t.c.name == name))
            conn.execute(baselines_t.insert().values(name=name, run_id=run_id,
                                                     created_at=datetime.now(UTC)))
        return run_id

    def baselines(self) -> list[tuple[str, int, datetime]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(baselines_t).order_by(baselines_t.c.name)).all()
        return [(r.name, r.run_id, _aware(r.created_at)) for r in rows]  # type: ignore[misc]

    def baseline_run(self, ref: str) -> RunRecord:
        """A baseline by name, else any run reference (id, 'last', label)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(baselines_t.c.run_id)
                               .where(baselines_t.c.name == ref)).first()
        return self.get_run(row[0] if row else ref)

    # sign-offs ----------------------------------------------------------------------------
    def add_signoff(self, *, item: str, text: str, by: str, evidence: str | None = None,
                    note: str | None = None, task: str | None = None) -> int:
        with self.engine.begin() as conn:
            row = conn.execute(signoffs_t.insert().values(
                created_at=datetime.now(UTC), item=item, text=text, by=by, evidence=evidence,
                note=note, task=task,
            ).returning(signoffs_t.c.id)).one()
        return int(row[0])

    def signoffs(self) -> list[Signoff]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(signoffs_t).order_by(signoffs_t.c.id)).mappings().all()
        return [Signoff(id=r["id"], created_at=_aware(r["created_at"]),  # type: ignore[arg-type]
                        item=r["item"], text=r["text"], by=r["by"], evidence=r["evidence"],
                        note=r["note"], task=r["task"]) for r in rows]


def _jsonable(value: Any) -> Any:
    """JSON-safe copy (NaN/inf become None, unknown objects become strings)."""
    import json
    import math

    def clean(v: Any) -> Any:
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return None
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if v is None or isinstance(v, (str, int, float, bool)):
            return v
        return str(v)

    return json.loads(json.dumps(clean(value)))
