"""The pages and their JSON twins: a real server (uvicorn on loopback) on a real history."""

from __future__ import annotations

import re

import pytest
from httpx import Client

from golive.store import Store


def test_projects_list_latest_verdict_plan_and_sparkline(client: Client) -> None:
    html = client.get("/")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert '<a href="/p/shop">shop</a>' in html.text and "5 run(s)" in html.text
    # the sparkline: a dot per run linked to it, oldest first
    row = html.text[html.text.index('<a href="/p/shop">'):]
    spark = row[row.index('<svg class="spark"'):row.index("</tr>")]
    assert spark.index('href="/runs/1"') < spark.index('href="/runs/5"')
    data = client.get("/index.json").json()
    shop = next(p for p in data["projects"] if p["name"] == "shop")
    assert shop["latest"]["id"] == 5 and shop["latest"]["git_branch"] == "feature"
    assert shop["plan"] == {"decided": 1, "passing": 0, "failing": 1, "manual": 0, "total": 1}
    assert [v["verdict"] for v in shop["verdicts"]] == [
        "not-ready", "ready", "ready", "ready", "not-ready"]


def test_a_project_pages_its_runs_filters_them_and_charts_its_figures(
        client: Client) -> None:
    data = client.get("/p/shop.json?branch=main").json()
    assert data["total"] == 3 and [r["id"] for r in data["runs"]] == [4, 2, 1]
    paged = client.get("/api/v1/projects/shop/runs?per_page=2&page=2").json()
    assert [r["id"] for r in paged["runs"]] == [3, 2] and paged["pages"] == 3
    assert client.get("/api/v1/projects/shop/runs?per_page=1000").status_code == 422
    trends = {(t["check"], t["metric"]): t for t in data["trends"]}
    # the load check declares its trends; the others chart their thresholds' metrics
    assert {("load.latency", "p95_ms"), ("load.latency", "p99_ms"),
            ("http.compression", "compressed_pct")} <= set(trends)
    assert [p["value"] for p in trends[("load.latency", "p95_ms")]["points"]] == [
        900, 400, 120]
    html = client.get("/p/shop?branch=main").text
    # each point of a trend is a link to its run
    assert re.search(r'<a href="/runs/1"><circle[^>]*><title>run 1 \(main, [^)]*\): 900 ms',
                     html)
    assert '<option selected>main</option>' in html
    assert client.get("/p/nobody").status_code == 404


def test_a_run_is_the_audit_report_with_the_servers_stylesheet(client: Client) -> None:
    page = client.get("/runs/5")
    assert page.status_code == 200
    assert 'id="verdict-5"' in page.text and "What fails" in page.text
    css = re.search(r'<link rel="stylesheet" href="(/static/golive\.[0-9a-f]+\.css)">',
                    page.text)
    assert css is not None and "style=" not in page.text and "<style" not in page.text
    sheet = client.get(css[1])
    assert sheet.status_code == 200 and "immutable" in sheet.headers["cache-control"]
    assert client.get("/static/golive.0000.css").status_code == 404
    assert client.get("/runs/5.json").json()["schema"] == "golive.report/2"
    plan = client.get("/runs/5/plan.md")
    assert plan.status_code == 200 and "golive run 5" in plan.text
    assert client.get("/runs/999").status_code == 404
    assert client.get("/runs/999.json").json() == {"error": "no run 999", "status": 404}


def test_a_branch_run_is_compared_with_the_latest_earlier_run_of_the_base(
        client: Client) -> None:
    r = client.get("/p/shop/compare?base=main&run=5", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/compare/4/5"
    comparison = client.get("/compare/4/5.json").json()
    p95 = next(c for c in comparison["changes"]
               if c["check"] == "load.latency" and c["metric"] == "p95_ms")
    assert (p95["before"], p95["after"], p95["verdict"]) == (120, 700, "regression")
    assert client.get("/api/v1/compare/4/5").json() == comparison
    html = client.get("/compare/4/5").text
    assert "What changed" in html and 'id="headlines"' in html
    # found by golive's own API fuzzing: an id past the store's integer is a 422, not a 500
    assert client.get("/api/v1/runs/99999999999").status_code == 422
    assert client.get("/p/shop/compare?base=release").status_code == 404


def test_the_readiness_board_shows_each_item_over_the_runs(client: Client,
                                                           store: Store) -> None:
    store.add_signoff(item="PHASE5-010:criteria:1", task="PHASE5-010",
                      text="Runbooks reviewed by team", by="dana")
    board = client.get("/p/shop/plan.json").json()
    assert board["runs"] == [5, 4, 3, 2, 1]
    (item,) = board["items"]
    assert item["text"] == "API p95 response time <500ms"
    assert item["statuses"] == ["fail", "pass", "pass", "pass", "fail"]
    assert board["signoffs"][0]["by"] == "dana"
    html = client.get("/p/shop/plan").text
    assert "Runbooks reviewed by team" in html and "readiness board" in html


def test_pages_carry_etags_and_the_security_headers(client: Client) -> None:
    first = client.get("/p/shop")
    again = client.get("/p/shop", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    h = first.headers
    assert "default-src 'none'" in h["content-security-policy"]
    assert "unsafe-inline" not in h["content-security-policy"]
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    assert h["cross-origin-opener-policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{32}", h["x-request-id"])
    big = client.get("/runs/5", headers={"Accept-Encoding": "br"})
    assert big.headers["content-encoding"] == "br"


def test_health_readiness_and_metrics(client: Client) -> None:
    assert client.get("/healthz").text == "ok"
    assert client.get("/readyz").text == "ready"
    client.get("/p/shop")
    client.get("/")
    client.get("/")
    text = client.get("/metrics").text
    assert re.search(r'golive_server_requests_total\{method="GET",route="/p/\{project\}",'
                     r'status="200"\} 1\.0', text)
    assert 'golive_server_request_duration_seconds_bucket{le="0.005",method="GET",' \
           'route="/"' in text
    # the second project list came from the cache
    assert re.search(r'golive_server_cache_total\{outcome="hit"\} [1-9]', text)


def test_a_failure_inside_is_a_500_with_its_request_id_and_no_traceback(
        client: Client, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ref: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(store, "get_run", broken)
    for path in ("/runs/1", "/api/v1/runs/1"):
        r = client.get(path)
        assert r.status_code == 500
        assert f"internal error (request {r.headers['x-request-id']})" in r.text
        assert "secret internals" not in r.text and "Traceback" not in r.text
