from __future__ import annotations

import pytest

from golive.report.units import expression, human, metric_label


@pytest.mark.parametrize(("name", "label"), [
    ("p95_ms", "p95"), ("forged_tokens_accepted", "forged tokens accepted"),
    ("desktop_lcp_ms", "desktop LCP"), ("cls", "CLS"), ("js_bytes", "JS"), ("bytes", "bytes"),
    ("error_rate_pct", "error rate"), ("rps", "requests/s"),
    ("fk_without_index", "foreign keys without index"),
])
def test_labels_drop_the_unit_and_spell_the_words(name: str, label: str) -> None:
    assert metric_label(name) == label


@pytest.mark.parametrize(("name", "value", "shown"), [
    ("p95_ms", 248.0, "248 ms"), ("p95_ms", 2712.0, "2.71 s"), ("hold_ms", 90_000, "1.5 min"),
    ("transfer_bytes", 3_756_528, "3.6 MiB"), ("js_bytes", 900, "900 B"),
    ("js_bytes", 1_241_185, "1.2 MiB"), ("error_rate_pct", 0.5, "0.5 %"),
    ("duration_s", 3.2, "3.20 s"), ("rps", 12.5, "12.5/s"), ("cls", 0.04, "0.040"),
    ("missing_indexes", 3, "3"),
])
def test_values_are_shown_in_their_unit(name: str, value: float, shown: str) -> None:
    assert human(name, value) == shown


def test_thresholds_get_their_unit_spaced() -> None:
    assert expression("p(95) < 500ms") == "p(95) < 500 ms"
    assert expression("compressed_pct >= 100%") == "compressed_pct >= 100 %"
    assert expression("missing_indexes == 0") == "missing_indexes == 0"
