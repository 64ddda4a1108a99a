"""The history: every run, its results and the human sign-offs.

SQLite at ``.golive/golive.db`` by default, PostgreSQL by URL; the schema is migrated with
Alembic when the store opens. A run is written when it starts and each result as it finishes,
so an interrupted audit keeps everything measured before the interruption.
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

from golive.exceptions import StoreError
from golive.results import Artifact, Result
from golive.store.schema import artifacts as artifacts_t
from golive.store.schema import baselines as baselines_t
from golive.store.schema import results as results_t
from golive.store.schema import runs as runs_t
from golive.store.schema import signoffs as signoffs_t

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
        }


def run_from_report(data: dict[str, Any]) -> RunRecord:
    """A run read back from a JSON report (``golive.report/1``), e.g. a baseline file."""
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


class Store:
    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        if self.url.startswith("sqlite:///"):
            path = Path(self.url[len("sqlite:///"):])
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreError(f"cannot create the store folder {path.parent}: {err}") from None
        try:
            self.engine = sa.create_engine(self.url)
        except (sa.exc.ArgumentError, ImportError) as err:
            raise StoreError(f"store URL {url!r} is not usable: {err}") from None
        self._migrate()

    def _migrate(self) -> None:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except sa.exc.OperationalError as err:
            first = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise StoreError(f"cannot open the store {self.safe_url}: {first}") from None

    @property
    def safe_url(self) -> str:
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # runs ---------------------------------------------------------------------------------
    def start_run(self, *, target: str, profile: str, golive_version: str, label: str = "",
                  plan_path: str | None = None, cwd: str | Path | None = None) -> int:
        commit, branch = git_info(cwd)
        with self.engine.begin() as conn:
            row = conn.execute(runs_t.insert().values(
                started_at=datetime.now(UTC), target=target, profile=profile, label=label,
                git_commit=commit, git_branch=branch, golive_version=golive_version,
                status="running", plan_path=plan_path,
            ).returning(runs_t.c.id)).one()
        return int(row[0])

    def add_result(self, run_id: int, position: int, result: Result) -> None:
        with self.engine.begin() as conn:
            conn.execute(results_t.insert().values(
                run_id=run_id, position=position, check_id=result.check, area=result.area,
                status=str(result.status), data=_jsonable(result.to_dict()),
            ))
            for artifact in result.artifacts:
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
                   criteria: list[dict[str, Any]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(runs_t.update().where(runs_t.c.id == run_id).values(
                finished_at=datetime.now(UTC), status=status, verdict=verdict, reason=reason,
                criteria=_jsonable(criteria),
            ))

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
        record = self._record(dict(row))
        record.results = [Result.from_dict(r[0]) for r in rows]
        return record

    def latest_result(self, check_id: str) -> tuple[int, datetime, Result] | None:
        """The newest stored result of one check (run id, run start, result), or None.
        Drills run on their own; an audit's plan takes their latest outcome from here."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(results_t.c.run_id, runs_t.c.started_at, results_t.c.data)
                .join(runs_t, runs_t.c.id == results_t.c.run_id)
                .where(results_t.c.check_id == check_id)
                .order_by(results_t.c.run_id.desc()).limit(1)).first()
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
            plan_path=row["plan_path"], criteria=list(row["criteria"] or []),
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
                    note: str | None = None) -> int:
        with self.engine.begin() as conn:
            row = conn.execute(signoffs_t.insert().values(
                created_at=datetime.now(UTC), item=item, text=text, by=by, evidence=evidence,
                note=note,
            ).returning(signoffs_t.c.id)).one()
        return int(row[0])

    def signoffs(self) -> list[Signoff]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(signoffs_t).order_by(signoffs_t.c.id)).mappings().all()
        return [Signoff(id=r["id"], created_at=_aware(r["created_at"]),  # type: ignore[arg-type]
                        item=r["item"], text=r["text"], by=r["by"], evidence=r["evidence"],
                        note=r["note"]) for r in rows]


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
