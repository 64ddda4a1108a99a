from __future__ import annotations

import pytest

from golive.config import MappingRule
from golive.plan import map_item, parse_plan
from golive.plan.model import Item
from tests.conftest import SPEC


def _item(text: str, key: str = "T-1:criteria:1") -> Item:
    return Item(key=key, kind="criterion", text=text, line=1)


@pytest.mark.parametrize(
    ("text", "check", "slo"),
    [
        ("API p95 response time <500ms", "load.latency", ("p(95) < 500ms",)),
        ("API p99 response time <1000ms", "load.latency", ("p(99) < 1000ms",)),
        ("API p95 < 300 ms", "load.latency", ("p(95) < 300ms",)),
        ("Load testing completed (1000+ concurrent users)", "load.latency", ("users >= 1000",)),
        ("Lighthouse score ≥85", "frontend.lighthouse", ("min_score >= 85",)),
        ("LCP <2.5s", "frontend.vitals", ("lcp_ms < 2.5s",)),
        ("FID <100ms", "frontend.vitals", ("inp_ms < 200ms",)),
        ("CLS <0.1", "frontend.vitals", ("cls < 0.1",)),
        ("Bundle size reduced by 20%+", "frontend.bundle", ("reduction_pct >= 20%",)),
        ("Security headers implemented", "http.security_headers", ()),
        ("Rate limiting enforced", "security.rate_limit", ()),
        ("Health checks functional", "http.health", ()),
        ("No N+1 queries remaining", "database.n_plus_one", ()),
        ("No known vulnerabilities in dependencies", "security.dependencies", ()),
        ("Backup/restore procedures tested", "drills.backup", ()),
        ("Failover testing successful", "drills.failover", ()),
        ("Configure gzip/brotli compression", "http.compression", ()),
        ("Implement HTTPS enforcement", "http.tls", ()),
        ("Analyze bundle size", "frontend.bundle", ()),
        ("Optimize images (compression, WebP)", "frontend.assets", ("image_issues <= 0",)),
        ("Optimize fonts (subsetting, preloading)", "frontend.assets", ("font_issues <= 0",)),
        ("Implement service worker", "frontend.assets", ("service_worker >= 1",)),
        ("Analyze network waterfall (DevTools)", "frontend.assets",
         ("failed_resources <= 0", "render_blocking_count <= 0")),
    ],
)
def test_recognisers(text: str, check: str, slo: tuple[str, ...]) -> None:
    m = map_item(_item(text))
    assert (m.check, m.slo, m.source) == (check, slo, "builtin")


@pytest.mark.parametrize("text", ["Team trained on procedures", "Diagrams created and accurate",
                                  "Minify CSS/JS"])
def test_unrecognised_items_are_manual(text: str) -> None:
    assert map_item(_item(text)).check is None


def test_config_rule_wins() -> None:
    item = _item("API p95 response time <500ms", key="PHASE5-002:criteria:1")
    by_key = MappingRule(item="phase5-002:criteria:1", check="load.latency", slo=["p(95)<400ms"])
    assert map_item(item, [by_key]).slo == ("p(95)<400ms",)
    assert map_item(item, [by_key]).source == "config"
    manual = MappingRule(match="api p95", check="manual")
    assert map_item(item, [manual]).check is None


def test_spec_mapping_coverage() -> None:
    plan = parse_plan(SPEC)
    mapped = [i for _, i in plan.items() if i.kind != "subtask" and map_item(i).check]
    # the monitoring items stay manual until an area recognises them (issue 15)
    assert len(mapped) >= 32
