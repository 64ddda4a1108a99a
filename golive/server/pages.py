"""The pages: projects, a project's runs and trends, a run (the same report as
``golive audit --html``), a comparison, the readiness board; each with a ``.json`` twin."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from golive.compare import compare_runs
from golive.exceptions import StoreError
from golive.plugins import all_checks
from golive.report import render_html
from golive.report.json_report import report_dict
from golive.report.units import metric_label
from golive.server.api import check_project, get_run, projects_data, run_id_param, runs_data
from golive.server.app import etagged, json_response, page, server
from golive.server.charts import trend
from golive.server.limiting import RedisCache
from golive.store import RunRecord
from golive.store.browse import (
    MAX_PAGE,
    Point,
    branches,
    latest_on_branch,
    plan_board,
    series_many,
)

#: a page's JSON twin is registered before the page (decorators apply bottom-up), so that
#: "/runs/5.json" is not read as the run "5.json"
router = APIRouter(include_in_schema=False)
KINDS = ("audit", "load", "drill", "smoke", "import")
#: trend charts on a project's page at most
MAX_TRENDS = 18


@router.get("/healthz")
def healthz() -> Response:
    return PlainTextResponse("ok")


@router.get("/readyz")
def readyz(request: Request) -> Response:
    s = server(request)
    try:
        s.store.revision()
    except Exception as err:  # the store is what this server needs to answer anything
        return PlainTextResponse(f"store unreachable: {type(err).__name__}", status_code=503)
    if isinstance(s.cache, RedisCache) and not s.cache.ping():
        return PlainTextResponse("redis unreachable", status_code=503)
    return PlainTextResponse("ready")


@router.get("/metrics")
def metrics(request: Request) -> Response:
    body, kind = server(request).metrics.exposition()
    return Response(body, media_type=kind)


@router.get("/static/golive.{digest}.css")
def stylesheet(request: Request, digest: str) -> Response:
    s = server(request)
    if digest != s.css_digest:
        raise HTTPException(404, "no such stylesheet")
    return Response(s.css, media_type="text/css",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


@router.get("/robots.txt")
def robots() -> Response:
    # the pages may be indexed where the server is reachable; the API is not for crawlers
    return PlainTextResponse("User-agent: *\nDisallow: /api/\n")


@router.get("/index.json")
@router.get("/")
def projects(request: Request) -> Response:
    return page(request, "projects.html.j2", projects_data(request), title="Projects",
                subtitle="Where each service stands against its plan", crumbs=[],
                base_url=str(request.base_url).rstrip("/"))


def _trend_metrics(latest: RunRecord) -> list[tuple[str, str]]:
    """The (check, metric) pairs a project's page charts: what each check declares, else the
    metrics of its thresholds, as far as the latest run measured them."""
    registry = all_checks()
    out: list[tuple[str, str]] = []
    for r in latest.results:
        cls = registry.get(r.check)
        names = list(cls.trends) if cls is not None and cls.trends else [
            t.metric for t in r.thresholds]
        out += [(r.check, n) for n in dict.fromkeys(names) if n in r.metrics]
    return out[:MAX_TRENDS]


def _trends(request: Request, project: str, runs: list[RunRecord], branch: str | None
            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    s = server(request)
    if not runs:
        return [], []
    latest = get_run(request, runs[0].id)
    pairs = _trend_metrics(latest)
    found = s.cache.get(f"series:{project}:{pairs}:{branch}", lambda: {
        f"{c}\t{m}": [p.to_dict() for p in points]
        for (c, m), points in series_many(s.store, project, pairs, branch=branch).items()})
    charts, data = [], []
    for check, metric in pairs:
        points = found.get(f"{check}\t{metric}", [])
        charts.append({"check": check, "metric": metric, "label": metric_label(metric),
                       "chart": trend([Point.from_dict(p) for p in points], metric)})
        data.append({"check": check, "metric": metric, "points": points})
    return charts, data


@router.get("/p/{project}")
@router.get("/p/{project}.json")
def project_page(request: Request, project: str, page_no: int = Query(1, alias="page", ge=1,
                                                                       le=100_000),
                 branch: str | None = Query(None, max_length=200),
                 kind: str | None = Query(None, max_length=32)) -> Response:
    check_project(project)
    s = server(request)
    branch, kind = branch or None, kind or None
    data, runs = runs_data(request, project, page=page_no, per_page=None, branch=branch,
                           kind=kind)
    if not data["total"] and page_no == 1 and not (branch or kind):
        raise HTTPException(404, f"no project {project!r} with runs")
    charts, trend_data = _trends(request, project, runs if page_no == 1 else
                                 runs_data(request, project, page=1, per_page=1,
                                           branch=branch, kind=kind)[1], branch)
    data["trends"] = trend_data

    def page_href(n: int) -> str:
        query = {k: v for k, v in (("page", n), ("branch", branch), ("kind", kind)) if v}
        return f"/p/{quote(project)}?{urlencode(query)}"

    for r, row in zip(runs, data["runs"], strict=True):
        seconds = (r.finished_at - r.started_at).total_seconds() if r.finished_at else None
        row["duration"] = f"{seconds:.0f} s" if seconds is not None else "-"
    return page(request, "project.html.j2", data, title=project,
                subtitle=f"{data['total']} run(s)", crumbs=[(project, f"/p/{quote(project)}")],
                branches=branches(s.store, project), kinds=KINDS, branch=branch, kind=kind,
                trends=charts, base_branch=s.settings.base_branch, page=page_no,
                pages=data["pages"], page_href=page_href)


def _artifact_links(request: Request, run: RunRecord) -> dict[tuple[int, str], list[
        tuple[str, str, int]]]:
    links: dict[tuple[int, str], list[tuple[str, str, int]]] = {}
    for check_id, artifact in server(request).store.artifacts(run.id):
        links.setdefault((run.id, check_id), []).append(
            (artifact.name, f"/runs/{run.id}/artifacts/{quote(check_id)}/{quote(artifact.name)}",
             artifact.bytes))
    return links


@router.get("/runs/{run_id}")
@router.get("/runs/{run_id}.json")
def run_page(request: Request, run_id: int = run_id_param()) -> Response:
    run = get_run(request, run_id)
    if request.url.path.endswith(".json"):
        return json_response(request, report_dict(run))
    s = server(request)
    crumbs = [(run.project, f"/p/{quote(run.project)}"), (f"run {run.id}", f"/runs/{run.id}")]
    if run.plan_text:
        crumbs.append(("updated plan", f"/runs/{run.id}/plan.md"))
    html = render_html([(f"Run {run.id} · {run.project}", run)],
                       title=f"golive run {run.id}", artifacts=_artifact_links(request, run),
                       stylesheet=s.stylesheet, crumbs=[("golive", "/"), *crumbs])
    return etagged(request, html.encode(), "text/html; charset=utf-8")


@router.get("/runs/{run_id}/plan.md")
def run_plan(request: Request, run_id: int = run_id_param()) -> Response:
    from golive.plan import outcomes_from_rows, parse_text, render_plan

    run = get_run(request, run_id)
    if not run.plan_text:
        raise HTTPException(404, f"run {run_id} audited no plan")
    plan = parse_text(run.plan_text, run.plan_path or "plan.md")
    text = render_plan(plan, outcomes_from_rows(plan, run.criteria), run.id)
    return etagged(request, text.encode(), "text/markdown; charset=utf-8")


@router.get("/runs/{run_id}/artifacts/{check}/{name}")
def artifact(request: Request, check: str, name: str, run_id: int = run_id_param()) -> Response:
    try:
        found = server(request).store.artifact(run_id, check, name)
    except StoreError:
        raise HTTPException(404, f"run {run_id} kept no {name!r} for {check}") from None
    # a kept file (a whole Lighthouse report) runs its own scripts, sandboxed: an opaque
    # origin without access to this server's pages
    return Response(found.data, media_type=found.media_type, headers={
        "Content-Security-Policy": "sandbox allow-scripts; default-src 'none'; "
                                   "script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                                   "img-src data:; font-src data:",
        "Cache-Control": "private, max-age=3600"})


@router.get("/compare/{a}/{b}")
@router.get("/compare/{a}/{b}.json")
def compare_page(request: Request, a: int = run_id_param(), b: int = run_id_param()) -> Response:
    before, after = get_run(request, a), get_run(request, b)
    comparison = compare_runs(before, after)
    if request.url.path.endswith(".json"):
        return json_response(request, comparison.to_dict())
    s = server(request)
    html = render_html(
        [(f"Run {a} ({before.git_branch or before.label or before.kind})", before),
         (f"Run {b} ({after.git_branch or after.label or after.kind})", after)], comparison,
        title=f"golive: run {a} → run {b}", stylesheet=s.stylesheet,
        crumbs=[("golive", "/"), (after.project, f"/p/{quote(after.project)}")])
    return etagged(request, html.encode(), "text/html; charset=utf-8")


@router.get("/p/{project}/compare")
def compare_with_base(request: Request, project: str,
                      base: str | None = Query(None, max_length=200),
                      run: int | None = Query(None, ge=1, le=2_147_483_647)) -> Response:
    """The run (default: the project's latest) against the latest earlier run of ``base``."""
    s = server(request)
    check_project(project)
    base = base or s.settings.base_branch
    if run is None:
        latest, _ = runs_data(request, project, page=1, per_page=1, branch=None, kind=None)
        if not latest["runs"]:
            raise HTTPException(404, f"no project {project!r} with runs")
        run = int(latest["runs"][0]["id"])
    head = get_run(request, run)
    if head.project != project:
        raise HTTPException(404, f"run {run} is not a run of {project!r}")
    against = latest_on_branch(s.store, project, base, before=head.id)
    if against is None:
        raise HTTPException(404, f"no complete run of {project!r} on {base!r} before run "
                                 f"{head.id}")
    return RedirectResponse(f"/compare/{against.id}/{head.id}", status_code=303)


@router.get("/p/{project}/plan")
@router.get("/p/{project}/plan.json")
def board(request: Request, project: str,
          last: int = Query(10, ge=1, le=50)) -> Response:
    s = server(request)
    check_project(project)
    found = plan_board(s.store, project, last)
    signoffs = [x for x in s.store.signoffs()][:MAX_PAGE]
    stale = found.runs[0].stale_signoffs if found.runs else []
    data = {"project": project, **found.to_dict(),
            "signoffs": [x.to_dict() for x in signoffs], "stale_signoffs": stale}
    return page(request, "board.html.j2", data, title=f"{project}: readiness board",
                subtitle="every plan item over the last runs, and who signed off what",
                crumbs=[(project, f"/p/{quote(project)}"),
                        ("plan", f"/p/{quote(project)}/plan")],
                board=found, signoffs=signoffs, stale=stale)
