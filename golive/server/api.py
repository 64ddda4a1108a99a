"""``/api/v1``: upload a run (bearer token), read projects, runs, figures over time and
comparisons. Everything a page shows is here as JSON too (and at the page's ``.json`` twin)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from golive.compare import compare_runs
from golive.exceptions import StoreError
from golive.report.json_report import report_dict
from golive.results import Artifact
from golive.server.app import json_response, server
from golive.server.upload import InvalidReport, validate_report
from golive.store import RunRecord, run_from_report
from golive.store.browse import MAX_PAGE, project_runs, project_summaries, series
from golive.store.tokens import Token, verify_token

router = APIRouter(prefix="/api/v1", tags=["api"])
def run_id_param() -> Any:
    """A run id parameter: it fits the store's integer column (larger: 422, never a 500).
    A new one per parameter: FastAPI names a shared one after its first parameter."""
    return Path(ge=1, le=2_147_483_647)
ERROR: dict[str, Any] = {"description": "the error: {\"error\": message, \"status\": code}"}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: ERROR}
PROJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def check_project(project: str) -> str:
    if not PROJECT.match(project):
        raise HTTPException(422, f"project {project!r}: letters, digits, '.', '_' and '-' "
                                 "only, up to 100, starting with a letter or digit")
    return project


def get_run(request: Request, run_id: int) -> RunRecord:
    try:
        return server(request).store.get_run(run_id)
    except StoreError:
        raise HTTPException(404, f"no run {run_id}") from None


def run_summary(r: RunRecord) -> dict[str, Any]:
    return {"id": r.id, "project": r.project, "kind": r.kind, "label": r.label,
            "target": r.target, "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "branch": r.git_branch, "commit": r.git_commit, "status": r.status,
            "verdict": r.verdict, "reason": r.reason, "url": f"/runs/{r.id}"}


def projects_data(request: Request) -> dict[str, Any]:
    s = server(request)
    summaries = s.cache.get("projects", lambda: [p.to_dict()
                                                  for p in project_summaries(s.store)])
    return {"projects": summaries}


@router.get("/projects", responses={422: ERROR})
def projects(request: Request) -> Response:
    return json_response(request, projects_data(request))


def runs_data(request: Request, project: str, *, page: int, per_page: int | None,
              branch: str | None, kind: str | None) -> tuple[dict[str, Any], list[RunRecord]]:
    s = server(request)
    size = per_page or s.settings.page_size
    runs, total = project_runs(s.store, check_project(project), branch=branch, kind=kind,
                               page=page, per_page=size)
    size = max(1, min(size, MAX_PAGE))
    return ({"project": project, "page": page, "per_page": size, "total": total,
             "pages": max(1, -(-total // size)), "runs": [run_summary(r) for r in runs]}, runs)


@router.get("/projects/{project}/runs", responses={422: ERROR})
def runs(request: Request, project: str, page: int = Query(1, ge=1, le=100_000),
         per_page: int | None = Query(None, ge=1, le=MAX_PAGE), branch: str | None = None,
         kind: str | None = None) -> Response:
    data, _ = runs_data(request, project, page=page, per_page=per_page, branch=branch,
                        kind=kind)
    return json_response(request, data)


@router.get("/runs/{run_id}", responses=NOT_FOUND)
def run(request: Request, run_id: int = run_id_param()) -> Response:
    return json_response(request, report_dict(get_run(request, run_id)))


@router.get("/projects/{project}/metrics", responses={422: ERROR})
def metrics(request: Request, project: str, check: str = Query(..., max_length=200),
            metric: str = Query(..., max_length=200),
            scope: str = Query("overall", max_length=500), branch: str | None = None,
            limit: int = Query(50, ge=1, le=MAX_PAGE)) -> Response:
    s = server(request)
    key = f"series:{project}:{check}:{metric}:{scope}:{branch}:{limit}"
    points = s.cache.get(key, lambda: [p.to_dict() for p in series(
        s.store, check_project(project), check=check, metric=metric, scope=scope,
        branch=branch, limit=limit)])
    return json_response(request, {"project": project, "check": check, "metric": metric,
                                   "scope": scope, "points": points})


@router.get("/compare/{a}/{b}", responses=NOT_FOUND)
def compare(request: Request, a: int = run_id_param(), b: int = run_id_param()) -> Response:
    return json_response(request, compare_runs(get_run(request, a), get_run(request, b))
                         .to_dict())


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _bearer(request: Request) -> str:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def authorise(request: Request, project: str) -> Token:
    """The request's token when it may upload to ``project`` (401/403/429 otherwise)."""
    s = server(request)
    text = _bearer(request)
    token = await run_in_threadpool(verify_token, s.store, text) if text else None
    if token is None:
        verdict = s.limiter.hit(s.settings.auth_failure_rate, "auth-failure", _client(request))
        if not verdict.allowed:
            raise HTTPException(429, "too many failed token checks from this address",
                                headers=verdict.headers())
        raise HTTPException(401, "a valid upload token is required (Authorization: Bearer "
                                 "glv_...; 'golive server token create --project NAME')",
                            headers={"WWW-Authenticate": 'Bearer realm="golive"'})
    if not token.allows(project):
        raise HTTPException(403, f"this token may not upload to project {project!r}")
    return token


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past ``limit`` bytes (also when it comes chunked)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the report is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/projects/{project}/runs", status_code=201, responses={
    401: ERROR, 403: ERROR, 413: ERROR, 422: ERROR, 429: ERROR})
async def upload(request: Request, project: str) -> Response:
    """Store a golive JSON report as a run of ``project`` (bearer upload token)."""
    s = server(request)
    check_project(project)
    token = await authorise(request, project)
    verdict = s.limiter.hit(s.settings.upload_rate, "upload", token.id)
    if not verdict.allowed:
        s.metrics.uploads.labels("rate_limited").inc()
        raise HTTPException(429, "too many uploads with this token", headers=verdict.headers())
    body = await read_body(request, s.settings.max_upload_bytes)
    try:
        data = validate_report(body)
    except InvalidReport as err:
        s.metrics.uploads.labels("invalid").inc()
        return JSONResponse({"error": f"not a golive report: {err}", "field": err.field},
                            status_code=422)
    record = run_from_report(data)
    run_id = await run_in_threadpool(s.store.import_run, record, project=project,
                                     kind=record.kind)
    s.cache.clear()
    s.metrics.uploads.labels("stored").inc()
    return JSONResponse({"id": run_id, "project": project, "url": f"/runs/{run_id}"},
                        status_code=201, headers={"Location": f"/runs/{run_id}",
                                                  **verdict.headers()})


@router.put("/runs/{run_id}/artifacts/{check}/{name}", responses={
    401: ERROR, 403: ERROR, 404: ERROR, 413: ERROR, 422: ERROR, 429: ERROR})
async def upload_artifact(request: Request, check: str, name: str,
                          run_id: int = run_id_param()) -> Response:
    """Keep the bytes of an artifact the uploaded run declares (its Lighthouse reports)."""
    s = server(request)
    found = await run_in_threadpool(get_run, request, run_id)
    token = await authorise(request, found.project)
    verdict = s.limiter.hit(s.settings.upload_rate, "upload", token.id)
    if not verdict.allowed:
        raise HTTPException(429, "too many uploads with this token", headers=verdict.headers())
    body = await read_body(request, s.settings.max_upload_bytes)
    artifact = Artifact(name, request.headers.get("content-type", "application/octet-stream"),
                        body)
    try:
        replaced = await run_in_threadpool(s.store.add_artifact, run_id, check, artifact)
    except StoreError as err:
        raise HTTPException(422, str(err)) from None
    return JSONResponse({"run": run_id, "check": check, "name": name, "bytes": len(body),
                         "url": f"/runs/{run_id}/artifacts/{quote(check)}/{quote(name)}"},
                        status_code=200 if replaced else 201, headers=verdict.headers())
