"""The frontend area's logic on fabricated inputs: coverage arithmetic, the median run, report
parsing, asset rules and the skip without tools. The real browser is in the integration tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from golive.checks.frontend import assets as assets_mod
from golive.checks.frontend import scores as scores_mod
from golive.checks.frontend.browser import (
    Coverage,
    PageProfile,
    Resource,
    disjoint_used,
    union_length,
)
from golive.checks.frontend.lighthouse import (
    LighthouseError,
    command,
    failing_audits,
    median_run,
    parse_report,
)
from golive.checks.frontend.settings import FrontendConfig
from golive.checks.frontend.tools import Tools, find_tools
from golive.checks.frontend.visit import SHARED_KEY, BrowserPass
from golive.results import Result, Severity, Status
from golive.store import RunRecord
from tests.checks.helpers import run_one

HTML = httpx.MockTransport(lambda r: httpx.Response(
    200, html="<!doctype html><title>x</title>", headers={"content-type": "text/html"}))


# coverage --------------------------------------------------------------------------------------
def test_inner_unexecuted_blocks_override_the_function_around_them() -> None:
    # a 1000-byte script ran; one function (100-400) ran, a block inside it (200-300) did not;
    # another function (500-900) never ran
    ranges = [(0, 1000, 1), (100, 400, 1), (200, 300, 0), (500, 900, 0)]
    assert disjoint_used(ranges) == 1000 - 100 - 400


def test_nothing_is_used_without_executed_ranges() -> None:
    assert disjoint_used([]) == 0
    assert disjoint_used([(0, 50, 0)]) == 0


def test_used_css_spans_are_counted_once() -> None:
    assert union_length([(0, 10), (5, 20), (30, 40), (32, 35)]) == 30


# Lighthouse report -----------------------------------------------------------------------------
def _lhr(perf: float, fcp: float, tti: float, **extra: Any) -> dict[str, Any]:
    categories = {cid: {"score": s, "auditRefs": []} for cid, s in (
        ("performance", perf), ("accessibility", 1.0), ("best-practices", 0.96), ("seo", 1.0))}
    audits = {"first-contentful-paint": {"numericValue": fcp},
              "interactive": {"numericValue": tti},
              "largest-contentful-paint": {"numericValue": fcp + 100},
              "cumulative-layout-shift": {"numericValue": 0.02},
              "total-blocking-time": {"numericValue": 30},
              "speed-index": {"numericValue": fcp + 50}}
    return {"lighthouseVersion": "12.2.3", "categories": categories, "audits": audits,
            "configSettings": {"formFactor": "desktop", "throttlingMethod": "simulate"},
            "environment": {"benchmarkIndex": 2000}, **extra}


def test_report_figures_are_read_in_golive_units() -> None:
    run = parse_report(_lhr(0.87, 900, 1500))
    assert run.scores == {"performance_score": 87.0, "accessibility_score": 100.0,
                          "best_practices_score": 96.0, "seo_score": 100.0}
    assert run.timings["lcp_ms"] == 1000 and run.timings["cls"] == 0.02
    assert run.settings["formFactor"] == "desktop" and run.settings["benchmarkIndex"] == 2000


def test_a_runtime_error_is_no_result() -> None:
    with pytest.raises(LighthouseError, match="NO_FCP"):
        parse_report(_lhr(0.5, 1, 1, runtimeError={"code": "NO_FCP", "message": "blank"}))


def test_an_unscored_category_stays_unknown() -> None:
    lhr = _lhr(0.9, 900, 1500)
    lhr["categories"]["seo"]["score"] = None
    assert parse_report(lhr).scores["seo_score"] is None


def test_the_median_run_is_the_one_nearest_median_fcp_and_tti() -> None:
    runs = [parse_report(_lhr(0.99, 600, 900)), parse_report(_lhr(0.80, 1500, 2600)),
            parse_report(_lhr(0.91, 1000, 1700))]
    assert median_run(runs).scores["performance_score"] == 91.0
    assert median_run(runs[:1]) is runs[0]


def test_failing_audits_come_weightiest_first_with_their_urls() -> None:
    lhr = _lhr(0.7, 900, 1500)
    lhr["categories"]["performance"]["auditRefs"] = [{"id": "unused-javascript", "weight": 0},
                                                     {"id": "image-alt", "weight": 10}]
    lhr["audits"].update({
        "unused-javascript": {"title": "Reduce unused JavaScript", "score": 0.3,
                              "scoreDisplayMode": "metricSavings", "displayValue": "1 MiB",
                              "details": {"items": [{"url": "http://t/static/app.js"}]}},
        "image-alt": {"title": "Images have alt", "score": 0, "scoreDisplayMode": "binary"},
        "viewport": {"title": "Viewport", "score": 1, "scoreDisplayMode": "binary"},
        "diagnostics": {"title": "Diagnostics", "score": None, "scoreDisplayMode": "informative"},
    })
    found = failing_audits(lhr)
    assert [a["id"] for a in found] == ["image-alt", "unused-javascript"]
    assert found[1]["urls"] == ["http://t/static/app.js"]


def test_the_lighthouse_command_pins_categories_preset_and_crashing_audits() -> None:
    tools = Tools("/usr/bin/chromium", "/venv/node/lighthouse", "/usr/bin/node")
    args = command(tools, "http://127.0.0.1:1/", "/tmp/out", form_factor="desktop",
                   headers={"Authorization": "Bearer x"})
    assert args[:2] == ["/venv/node/lighthouse", "http://127.0.0.1:1/"]
    assert "--preset=desktop" in args and "--output=json" in args
    assert any(a.startswith("--skip-audits=") and "layout-shifts" in a for a in args)
    assert '--extra-headers={"Authorization": "Bearer x"}' in args
    assert "--preset=desktop" not in command(tools, "u", "/o", form_factor="mobile",
                                             headers={})


# tools and skips ---------------------------------------------------------------------------
def test_missing_tools_are_found_missing() -> None:
    tools = find_tools(FrontendConfig(chromium="/nonexistent/chromium",
                                      lighthouse="/nonexistent/lighthouse"))
    assert tools.chromium is None or tools.chromium != "/nonexistent/chromium"
    none = Tools(None, None, None)
    assert "Chromium" in (none.missing_lighthouse() or "")
    assert "Node.js" in (Tools("/c", None, None).missing_lighthouse() or "")
    assert "12.2.3" in (Tools("/c", None, "/n").missing_lighthouse() or "")


def test_without_tools_every_frontend_check_is_skipped_with_the_install_command(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scores_mod, "find_tools", lambda _cfg: Tools(None, None, None))
    from golive.checks.frontend import visit

    monkeypatch.setattr(visit, "find_tools", lambda _cfg: Tools(None, None, None))
    for check in ("frontend.lighthouse", "frontend.vitals", "frontend.bundle",
                  "frontend.assets"):
        result = run_one(check, "http://127.0.0.1:1", transport=HTML)
        assert result.status is Status.SKIPPED, check
        assert "make install" in result.reason and "lighthouse@12.2.3" in result.reason


def test_a_page_that_is_not_html_is_skipped_with_the_setting_to_change() -> None:
    api = httpx.MockTransport(lambda r: httpx.Response(200, json={"ok": True}))
    result = run_one("frontend.vitals", "http://127.0.0.1:1", transport=api)
    assert result.status is Status.SKIPPED
    assert "not an HTML page" in result.reason and "[frontend] pages" in result.reason


# assets, bundle, vitals on a fabricated browser pass ----------------------------------------
def _profile(**kw: Any) -> PageProfile:
    base = "http://t"
    resources = [
        Resource(f"{base}/", "document", 200, "text/html", "br", "no-cache", False, 900, 600,
                 2500),
        Resource(f"{base}/static/app.0123456789.js", "script", 200, "text/javascript", "", "",
                 False, 600_300, 600_000, 600_000, render_blocking=True),
        Resource(f"{base}/static/hero.png", "image", 200, "image/png", "",
                 "public, max-age=31536000", True, 400_300, 400_000, 400_000),
        Resource(f"{base}/static/low.webp", "image", 200, "image/webp", "",
                 "public, max-age=31536000", True, 5_300, 5_000, 5_000),
        Resource(f"{base}/static/face.woff2", "font", 200, "font/woff2", "",
                 "public, max-age=60", True, 20_300, 20_000, 20_000),
    ]
    images = [
        {"url": f"{base}/static/hero.png", "natural_width": 1600, "natural_height": 1200,
         "width": 320, "height": 240, "top": 100, "loading": "auto", "fetchpriority": ""},
        {"url": f"{base}/static/low.webp", "natural_width": 200, "natural_height": 150,
         "width": 200, "height": 150, "top": 2000, "loading": "auto", "fetchpriority": ""},
    ]
    fonts = [{"family": "Face", "display": "", "src": 'url("/static/face.woff2")',
              "sheet": f"{base}/static/app.css"}]
    defaults: dict[str, Any] = dict(
        page="/", url=f"{base}/", vitals={"lcp_ms": 1800.0, "cls": 0.02, "inp_ms": 40.0},
        resources=resources, images=images, fonts=fonts, viewport_height=940,
        coverage=[Coverage(f"{base}/static/app.0123456789.js", "script", 600_000, 30_000)],
        interaction="button:visible")
    defaults.update(kw)
    return PageProfile(**defaults)


def _run_on(check: str, profile: PageProfile, **kw: Any) -> Result:
    shared = {SHARED_KEY: BrowserPass(profiles=[profile],
                                      site_js={r.url: r.decoded_bytes for r in profile.resources
                                               if r.kind == "script"})}
    return run_one(check, "http://t", transport=HTML, shared=shared, **kw)


def test_asset_rules_name_each_offending_file() -> None:
    result = _run_on("frontend.assets", _profile())
    found = {(f.location, f.title.split(":")[0].split(" (")[0]) for f in result.findings}
    assert ("/static/app.0123456789.js", "Not compressed") in found
    assert ("/static/app.0123456789.js", "Static asset not cacheable") in found
    assert ("/static/app.0123456789.js", "Render-blocking script") in found
    assert ("/static/hero.png", "Image in a legacy format") in found
    assert ("/static/hero.png", "Image larger than displayed") in found
    assert ("/static/low.webp", "Image below the fold loads eagerly") in found
    assert ("/static/face.woff2", "Web font without font-display") in found
    assert ("/static/face.woff2", "Web font not preloaded") in found
    assert ("/static/face.woff2", "Fingerprinted asset cached only 60 s") not in found  # no hash
    assert result.status is Status.FAIL  # 375 KiB wasted on one image is high
    assert result.metrics["render_blocking_count"] == 1
    assert result.metrics["image_waste_bytes"] > 300_000
    assert result.metrics["service_worker"] == 0
    severities = [f.severity for f in result.findings]
    assert severities[0] is Severity.HIGH  # the worst first


def test_a_clean_page_has_no_asset_findings() -> None:
    base = "http://t"
    clean = _profile(
        resources=[Resource(f"{base}/static/app.0123456789.js", "script", 200,
                            "text/javascript", "br", "public, max-age=31536000, immutable",
                            True, 5_000, 4_700, 20_000)],
        images=[], fonts=[], coverage=[],
        service_worker={"registrations": [{"scope": f"{base}/", "script": f"{base}/sw.js"}]})
    result = _run_on("frontend.assets", clean)
    assert result.findings == [] and result.status is Status.PASS
    assert result.metrics["service_worker"] == 1


def test_a_mostly_unused_bundle_is_named_and_its_reduction_measured() -> None:
    result = _run_on("frontend.bundle", _profile())
    (finding,) = result.findings
    assert finding.location == "/static/app.0123456789.js" and finding.severity is Severity.HIGH
    assert result.metrics["unused_js_pct"] == 95.0
    assert "reduction_pct" not in result.metrics  # no baseline
    baseline = RunRecord(id=7, started_at=datetime.now(UTC), target="http://t",
                         profile="quick", golive_version="0", status="complete",
                         results=[Result("frontend.bundle", "frontend", "b", Status.FAIL,
                                         metrics={"bundle_bytes": 1_000_000.0})])
    shrunk = _run_on("frontend.bundle", _profile(), baseline=baseline)
    assert shrunk.metrics["reduction_pct"] == 40.0  # 1 000 000 -> 600 000 bytes
    assert shrunk.evidence["reduction"]["baseline_run"] == 7


def test_vitals_take_the_worst_page_and_say_why_inp_is_missing() -> None:
    quiet = _profile(page="/about", vitals={"lcp_ms": 3100.0, "cls": 0.0}, interaction="")
    shared = {SHARED_KEY: BrowserPass(profiles=[_profile(), quiet])}
    result = run_one("frontend.vitals", "http://t", transport=HTML, shared=shared)
    assert result.metrics["lcp_ms"] == 3100 and result.metrics["cls"] == 0.02
    assert result.status is Status.FAIL  # LCP 3.1 s breaks lcp_ms < 2500ms
    assert "INP not measured on /about (nothing to click" in result.summary
    assert "FID" in result.evidence["fid"]


def test_cache_lifetimes() -> None:
    assert assets_mod.max_age("public, max-age=31536000, immutable") == 31536000
    assert assets_mod.max_age("no-cache, max-age=600") is None
    assert assets_mod.max_age("") is None
    assert assets_mod.max_age("max-age=abc") is None


def test_pages_that_are_not_html_are_left_out_with_the_reason() -> None:
    from golive.checks import CheckContext
    from golive.checks.frontend.visit import pages_or_skip
    from golive.config import Config, TargetConfig
    from golive.site import Site

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200, html="<!doctype html>")
        if request.url.path == "/gone":
            return httpx.Response(404)
        return httpx.Response(200, json={})

    config = Config(target=TargetConfig(url="http://t"),
                    frontend=FrontendConfig(pages=["/", "/api/items", "/gone"]))
    with httpx.Client(base_url="http://t", transport=httpx.MockTransport(answer)) as client:
        ctx = CheckContext(target="http://t", config=config, client=client,
                           site=Site(client, "http://t", config.target))
        pages, why, left_out = pages_or_skip(ctx)
    assert (pages, why) == (["/"], None)
    assert left_out == ["/api/items is not an HTML page (application/json)", "/gone answers 404"]


def test_pages_must_be_paths() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="is not a path on the target"):
        FrontendConfig(pages=["https://elsewhere.example/"])
    with pytest.raises(ValidationError, match="at least one page"):
        FrontendConfig(pages=[])


def _fake_lighthouse(monkeypatch: pytest.MonkeyPatch, outcomes: list[Any]) -> list[str]:
    """Replace the Lighthouse child process by ``outcomes`` (an LHR dict or an exception)."""
    calls: list[str] = []
    monkeypatch.setattr(scores_mod, "find_tools", lambda _cfg: Tools("/c", "/lh", "/node"))

    def fake(_tools: Tools, url: str, **_kw: Any) -> Any:
        calls.append(url)
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return parse_report(outcome)

    monkeypatch.setattr(scores_mod, "run_lighthouse", fake)
    return calls


def test_every_failed_lighthouse_run_is_inconclusive_with_the_reason(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_lighthouse(monkeypatch, [LighthouseError("Lighthouse wrote no report: boom"),
                                           LighthouseError("Lighthouse wrote no report: boom")])
    result = run_one("frontend.lighthouse", "http://t", transport=HTML)
    assert result.status is Status.INCONCLUSIVE
    assert "every Lighthouse run failed" in result.reason and "boom" in result.reason
    assert len(calls) == 2  # one run in quick, and one retry


def test_an_unscored_run_is_retried_and_the_scored_one_counts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    unscored = _lhr(0.9, 900, 1500)
    unscored["categories"]["best-practices"]["score"] = None
    unscored["audits"]["errors-in-console"] = {"scoreDisplayMode": "error",
                                               "errorMessage": "frame_sequence"}
    _fake_lighthouse(monkeypatch, [unscored, _lhr(0.88, 900, 1500)])
    result = run_one("frontend.lighthouse", "http://t", transport=HTML)
    assert result.status is Status.PASS and result.metrics["min_score"] == 88
    assert "errors-in-console: frame_sequence" in result.evidence["failures"][0]
    assert {a.name for a in result.artifacts} == {"lighthouse-home.report.json"}


def test_three_runs_in_full_and_the_worst_page_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = [_lhr(p, f, t) for p, f, t in ((0.99, 600, 900), (0.70, 1500, 2600),
                                          (0.91, 1000, 1700))]
    runs += [_lhr(0.5, 3000, 5000)] * 3
    calls = _fake_lighthouse(monkeypatch, runs)
    result = run_one("frontend.lighthouse", "http://t", transport=HTML, profile="full",
                     frontend={"pages": ["/", "/slow"], "both_form_factors": False})
    assert calls == ["http://t/"] * 3 + ["http://t/slow"] * 3
    assert result.evidence["pages"]["/"]["median_run"] == 3
    assert result.metrics["performance_score"] == 50 and result.metrics["pages"] == 2
    assert result.metrics["mean_performance_score"] == 70.5  # (91 + 50) / 2
    assert result.status is Status.FAIL


def test_two_cls_figures_that_disagree_are_explained() -> None:
    """Issue 12, item 8: Lighthouse said 0.156, the browser pass 0.000, and nothing said why."""
    from golive.checks.frontend.browser import PageProfile
    from golive.checks.frontend.scores import LabVitals
    from golive.checks.frontend.vitals import CLS_WINDOWS, WebVitals, cls_differences
    from golive.results import Result, Status

    lab = LabVitals("mobile", {"/": {"cls": 0.156}, "/about": {"cls": 0.02}})
    profiles = [PageProfile("/", "http://t/", vitals={"cls": 0.0}),
                PageProfile("/about", "http://t/about", vitals={"cls": 0.03})]
    (said,) = cls_differences(lab, profiles)
    assert said == "On / Lighthouse measured CLS 0.156 (mobile) and the browser pass 0.000."
    assert cls_differences(None, profiles) == []
    result = Result(check="frontend.vitals", area="frontend", title="", status=Status.PASS,
                    evidence={"cls_differs": [said]})
    (note,) = WebVitals.views(result)
    assert note.title == "Two CLS figures" and CLS_WINDOWS in note.text
