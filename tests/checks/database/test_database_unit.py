"""Unit tests of the database area's reasoning: fits, N+1 rules, candidates, plan flags."""

from __future__ import annotations

from typing import Any

from golive.checks.database.advisor import Candidate, best, candidates, covered
from golive.checks.database.nplusone import Sample, classify_list, classify_single, fit
from golive.checks.database.plans import flags, is_select, param_count
from golive.checks.database.stats import Stat, is_own


def _sample(items: int, calls: dict[int, int]) -> Sample:
    return Sample("/x", 200, items, {(1, q): Stat(c, 0.1 * c, c, f"q{q}", "app")
                                     for q, c in calls.items()}, 0.02)


def test_fit_is_exact_on_a_line() -> None:
    a, b, resid = fit([5, 10, 20], [7, 12, 22])
    assert round(a, 6) == 1 and round(b, 6) == 2 and resid < 1e-9


def test_n_plus_one_needs_whole_growth_and_a_source() -> None:
    samples = [_sample(n, {1: 1, 2: n, 3: 2 * n, 4: 5}) for n in (5, 10, 20)]
    out = classify_list(samples, 5)
    assert sorted(g.key[1] for g in out.n_plus_one) == [2, 3]
    assert [g.key[1] for g in out.repeated] == [4]
    assert [round(g.per_item) for g in sorted(out.n_plus_one, key=lambda g: g.key)] == [1, 2]
    # no statement once per request: growth is reported as repeated, not N+1
    orphan = classify_list([_sample(n, {2: n}) for n in (5, 10, 20)], 5)
    assert orphan.n_plus_one == [] and len(orphan.repeated) == 1
    # calls that do not follow the items are not N+1
    noisy = classify_list([_sample(n, {1: 1, 2: c}) for n, c in ((5, 9), (10, 3), (20, 30))], 5)
    assert noisy.n_plus_one == []


def test_unpaginated_endpoint_still_shows_n_plus_one() -> None:
    out = classify_list([_sample(2000, {1: 1, 2: 2000}) for _ in range(3)], 5)
    assert [g.key[1] for g in out.n_plus_one] == [2]


def test_detail_repeats() -> None:
    out = classify_single(_sample(0, {1: 1, 2: 7, 3: 2}), 5)
    assert [g.key[1] for g in out.repeated] == [2]


def test_own_statements_and_selects() -> None:
    assert is_own("SELECT ... FROM pg_stat_statements s")
    assert not is_own("SELECT * FROM orders")
    assert is_select("WITH x AS (SELECT 1) SELECT * FROM x")
    assert not is_select("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d")
    assert param_count("SELECT $1, $12") == 12


PLAN: dict[str, Any] = {
    "Node Type": "Limit", "Total Cost": 520.0, "Plans": [{
        "Node Type": "Sort", "Sort Key": ["shop_reviews.created_at DESC"], "Plans": [{
            "Node Type": "Seq Scan", "Relation Name": "shop_reviews", "Alias": "shop_reviews",
            "Filter": "(shop_reviews.product_id = $1)"}]}]}


def test_candidates_from_filter_and_sort() -> None:
    cols = {"shop_reviews": {"id", "product_id", "created_at", "body"}}
    found = [c.columns for c in candidates(PLAN, {"shop_reviews": 20000.0}, cols)]
    assert ("product_id",) in found and ("product_id", "created_at") in found
    assert ("created_at",) not in found  # a sort key alone does not lead an index
    assert candidates(PLAN, {}, cols) == []  # small tables are left alone


def test_covered_by_leading_columns() -> None:
    cand = Candidate("t", ("a",))
    assert covered(cand, [["a", "b"]])
    assert not covered(cand, [["b", "a"]])
    assert not covered(Candidate("t", ("a", "b")), [["a"]])


def test_best_keeps_dexters_bar_and_prefers_narrow() -> None:
    one, two = Candidate("t", ("a",)), Candidate("t", ("a", "b"))
    assert best(100.0, [(one, 60.0, 1)], 50) is None  # a 40 % drop is not enough
    assert best(100.0, [(one, 10.0, 1), (two, 9.8, 1)], 50) == (one, 10.0, 1)
    assert best(100.0, [(one, 40.0, 1), (two, 5.0, 1)], 50) == (two, 5.0, 1)


def test_plan_flags() -> None:
    assert [f.kind for f in flags(PLAN, {"shop_reviews": 20000.0})] == ["seq_scan"]
    whole = {"Node Type": "Seq Scan", "Relation Name": "big"}  # no filter: reads it all anyway
    assert flags(whole, {"big": 1e6}) == []
    spill = {"Node Type": "Sort", "Sort Space Type": "Disk", "Sort Space Used": 9000}
    assert [f.kind for f in flags(spill, {})] == ["sort_spill"]
    off = {"Node Type": "Index Scan", "Relation Name": "t", "Plan Rows": 10,
           "Actual Rows": 50000, "Actual Loops": 1}
    assert [f.kind for f in flags(off, {}, analyzed=True)] == ["bad_estimate"]
