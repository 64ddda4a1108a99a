"""The dashboard's critical paths in a real browser (Playwright driving the system Chromium):
upload two runs with their Lighthouse reports, open the project, follow a trend point to its
run, open the run's Lighthouse report, compare the branch with main, open the readiness board;
by keyboard too; no console error on any page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive.report.snapshot import FLAGS, find_chromium
from golive.results import Artifact, Result, Status
from golive.server.app import create_app
from golive.server.settings import ServerSettings
from golive.store import Store
from golive.store.tokens import create_token
from tests.server.conftest import make_run, report_bytes, running

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(find_chromium() is None, reason="no Chromium (make install)")]


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=find_chromium(), headless=True,
                                      args=list(FLAGS))
        yield launched
        launched.close()


def test_the_critical_paths_in_a_browser(tmp_path: Path, browser: Any) -> None:
    store = Store(f"sqlite:///{tmp_path / 'e2e.db'}")
    token = create_token(store, "upload", "shop")[1]
    with running(create_app(ServerSettings(store="unused"), store=store)) as url:
        lighthouse = b"<!doctype html><title>Lighthouse Report</title><h1>Lighthouse</h1>"
        for n, branch, p95 in ((1, "main", 120.0), (2, "feature", 640.0)):
            run = make_run(n, branch=branch, p95=p95)
            run.results.append(Result(
                check="frontend.lighthouse", area="frontend", title="Lighthouse",
                status=Status.PASS, metrics={"min_score": 97.0},
                artifacts=[Artifact("lighthouse-home.report.html", "text/html", lighthouse)]))
            auth = {"Authorization": f"Bearer {token}"}
            r = httpx.post(f"{url}/api/v1/projects/shop/runs", content=report_bytes(run),
                           headers=auth)
            assert r.status_code == 201, r.text
            put = httpx.put(f"{url}/api/v1/runs/{r.json()['id']}/artifacts/"
                            "frontend.lighthouse/lighthouse-home.report.html",
                            content=lighthouse, headers={**auth, "Content-Type": "text/html"})
            assert put.status_code == 201, put.text
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))

        page.goto(url + "/")
        page.get_by_role("link", name="shop", exact=True).click()
        page.wait_for_url(f"{url}/p/shop")
        assert page.get_by_role("heading", name="Runs").is_visible()
        # a trend point is a link to the run it was measured in
        page.locator("svg.trend a").last.click()
        page.wait_for_url(f"{url}/runs/*")
        assert page.locator("#verdict-" + page.url.rsplit("/", 1)[1]).is_visible()
        assert page.get_by_text("What fails").is_visible()
        # the run's Lighthouse report, kept with it: its link opens it
        page.locator("details.area[id$='-frontend'] > summary").click()
        page.get_by_role("link", name="lighthouse-home.report.html").click()
        page.wait_for_url(f"{url}/runs/*/artifacts/frontend.lighthouse/*")
        assert page.get_by_role("heading", name="Lighthouse").is_visible()
        page.go_back()
        page.go_back()
        page.get_by_role("link", name="compare the latest run with main").click()
        page.wait_for_url(f"{url}/compare/*/*")
        assert page.locator("#compare-verdict").is_visible()
        assert page.locator("#headlines").get_by_text("regression").first.is_visible()
        page.goto(f"{url}/p/shop")
        page.get_by_role("link", name="readiness board").click()
        page.wait_for_url(f"{url}/p/shop/plan")
        assert page.get_by_text("API p95 response time <500ms").is_visible()

        # by keyboard: the first Tab reaches the first link, Enter follows it
        page.goto(f"{url}/p/shop")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getAttribute('href')")
        assert focused == "/"
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/")
        for path in ("/", "/p/shop", "/runs/1", "/compare/1/2", "/p/shop/plan"):
            page.goto(url + path)
        assert errors == []
    store.close()
