"""Unit tests of the database area's reasoning: fits, N+1 rules, candidates, plan flags."""

from __future__ import annotations

from typing import Any

from golive.checks.database.advisor import (
    Candidate,
    Table,
    Trial,
    best,
    candidates,
    covered,
    flat_output,
    near_misses,
    replaced_cost,
)
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


def test_one_request_follows_sentrys_rule() -> None:
    """Seven runs of one shape beside a source query are an N+1 (Sentry: >= 5 under one
    parent); without a once-run source they are a repeated query."""
    out = classify_single(_sample(0, {1: 1, 2: 7, 3: 2}), 5)
    assert [g.key[1] for g in out.n_plus_one] == [2] and out.repeated == []
    alone = classify_single(_sample(0, {2: 7, 3: 2}), 5)
    assert [g.key[1] for g in alone.repeated] == [2] and alone.n_plus_one == []


def test_transactions_opened_per_unit_of_work_are_not_an_n_plus_one() -> None:
    """Found when golive audited its own server: five `with engine.connect()` blocks in one
    request ran BEGIN and ROLLBACK five times each, beside queries run once."""
    stats = {(1, 1): Stat(1, 0.1, 1, "SELECT * FROM runs WHERE project = $1", "app"),
             (1, 2): Stat(5, 0.01, 0, "BEGIN", "app"),
             (1, 3): Stat(5, 0.01, 0, "ROLLBACK", "app"),
             (1, 4): Stat(5, 0.01, 0, "SET statement_timeout = $1", "app")}
    one = classify_single(Sample("/p/shop", 200, 0, stats, 0.02), 5)
    assert one.n_plus_one == [] and one.repeated == []
    grown = [Sample("/x", 200, n, {**stats, (1, 2): Stat(n, 0.01, 0, "begin", "app")}, 0.02)
             for n in (5, 10, 20)]
    assert classify_list(grown, 5).n_plus_one == []
    # a real query repeated per item beside them is still found
    real = {**stats, (1, 5): Stat(7, 0.7, 7, "SELECT * FROM results WHERE run_id = $1", "app")}
    assert [g.key[1] for g in classify_single(Sample("/x", 200, 0, real, 0.02), 5)
            .n_plus_one] == [5]


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


REVIEWS = Table(20000.0, frozenset({"id", "product_id", "created_at", "body"}))


def test_candidates_from_filter_and_sort() -> None:
    found = [c.columns for c in candidates(PLAN, {"shop_reviews": REVIEWS})]
    assert ("product_id",) in found and ("product_id", "created_at") in found
    assert ("created_at",) not in found  # with a filter, a sort key alone does not lead
    assert candidates(PLAN, {}) == []  # a table the advisor knows nothing about


SORT_ONLY: dict[str, Any] = {
    "Node Type": "Limit", "Total Cost": 44.5, "Plans": [{
        "Node Type": "Sort", "Total Cost": 45.7, "Sort Key": ["posts.created_at DESC"],
        "Plans": [{"Node Type": "Seq Scan", "Relation Name": "posts", "Alias": "posts",
                   "Total Cost": 22.0}]}]}
POSTS = Table(500.0, frozenset({"id", "author_id", "created_at"}), frozenset({"author_id"}))


def test_a_sort_without_a_filter_is_a_candidate_and_the_sort_is_what_it_replaces() -> None:
    """Issue 12, item 2: ``ORDER BY created_at DESC LIMIT 20`` alone gave no candidate."""
    (cand,) = candidates(SORT_ONLY, {"posts": POSTS})
    assert cand == Candidate("posts", ("created_at",), sort=True)
    assert replaced_cost(SORT_ONLY, cand) == 45.7  # the sort goes with the scan
    assert replaced_cost(SORT_ONLY, Candidate("posts", ("author_id",))) == 22.0
    assert flat_output(cand, POSTS, SORT_ONLY)  # under a LIMIT: rows handed on stay flat


JOIN: dict[str, Any] = {
    "Node Type": "Nested Loop", "Total Cost": 54.0, "Plans": [
        {"Node Type": "Hash Join", "Total Cost": 28.0, "Hash Cond": "(pt.tag_id = t.id)",
         "Plans": [
             {"Node Type": "Seq Scan", "Relation Name": "post_tags", "Alias": "pt",
              "Total Cost": 22.0},
             {"Node Type": "Hash", "Total Cost": 1.3, "Plans": [
                 {"Node Type": "Seq Scan", "Relation Name": "tags", "Alias": "t",
                  "Total Cost": 1.25, "Filter": "(t.name = $1)"}]}]},
        {"Node Type": "Index Scan", "Relation Name": "posts", "Total Cost": 0.35}]}


def test_the_bar_applies_to_the_scan_the_index_replaces() -> None:
    """A join of three scans where one index removes one: -25 % of the statement, -61 % of
    the scan; the statement-level floor keeps a scan that hardly matters out."""
    pt = Table(1500.0, frozenset({"post_id", "tag_id"}))
    (cand,) = [c for c in candidates(JOIN, {"post_tags": pt}) if c.table == "post_tags"]
    assert cand.columns == ("tag_id",)
    trial = Trial(cand, 54.0, 40.5, replaced_cost(JOIN, cand), pt.rows, 1, chosen=True)
    assert trial.replaced == 22.0
    assert round(trial.statement_drop_pct) == 25 and round(trial.node_drop_pct) == 61
    assert best([trial], 50, 10) == trial
    assert best([trial], 50, 30) is None  # the statement floor
    assert best([Trial(cand, 54.0, 45.0, 22.0, pt.rows, 1, chosen=True)], 50, 10) is None


def test_small_tables_are_projected_and_only_when_their_output_stays_flat() -> None:
    cand = Candidate("posts", ("author_id",))
    scan = {"Node Type": "Seq Scan", "Relation Name": "posts", "Total Cost": 25.2,
            "Filter": "(posts.author_id = $1)"}
    now = Trial(cand, 25.2, 20.6, 25.2, 500.0, 1, chosen=True)
    assert now.node_drop_pct < 50  # at 500 rows an index hardly helps
    grown = Trial(cand, 25.2, 20.6, 25.2, 500.0, 1, chosen=True, projected_rows=100_000)
    assert grown.node_drop_pct > 99 and best([grown], 50, 10) == grown
    assert flat_output(cand, POSTS, scan)  # a foreign key: children grow with parents
    status = Candidate("posts", ("status",))
    assert not flat_output(status, POSTS, scan)  # a few fixed values: rows grow with it
    assert flat_output(status, Table(500.0, frozenset(), growing=frozenset({"status"})), scan)
    indexed = Table(500.0, frozenset(), frozenset({"author_id"}), indexes=(("author_id",),))
    assert not flat_output(cand, indexed, scan)  # an index exists: it serves once grown
    # a projection never beats advice proven at today's size
    other = Trial(Candidate("posts", ("id",)), 25.2, 5.0, 25.2, 500.0, 1, chosen=True)
    assert best([grown, other], 50, 10) == other


def test_covered_by_leading_columns() -> None:
    cand = Candidate("t", ("a",))
    assert covered(cand, [["a", "b"]])
    assert not covered(cand, [["b", "a"]])
    assert not covered(Candidate("t", ("a", "b")), [["a"]])


def test_best_keeps_dexters_bar_and_prefers_narrow() -> None:
    one, two = Candidate("t", ("a",)), Candidate("t", ("a", "b"))

    def trial(c: Candidate, after: float) -> Trial:
        return Trial(c, 100.0, after, 100.0, 5000.0, 1, chosen=True)

    assert best([trial(one, 60.0)], 50, 10) is None  # a 40 % drop is not enough
    assert best([trial(one, 10.0), trial(two, 9.8)], 50, 10) == trial(one, 10.0)
    assert best([trial(one, 40.0), trial(two, 5.0)], 50, 10) == trial(two, 5.0)
    assert near_misses([trial(one, 55.0), trial(two, 70.0)], 50) == [trial(one, 55.0)]


def test_plan_flags() -> None:
    assert [f.kind for f in flags(PLAN, {"shop_reviews": 20000.0})] == ["seq_scan"]
    whole = {"Node Type": "Seq Scan", "Relation Name": "big"}  # no filter: reads it all anyway
    assert flags(whole, {"big": 1e6}) == []
    spill = {"Node Type": "Sort", "Sort Space Type": "Disk", "Sort Space Used": 9000}
    assert [f.kind for f in flags(spill, {})] == ["sort_spill"]
    off = {"Node Type": "Index Scan", "Relation Name": "t", "Plan Rows": 10,
           "Actual Rows": 50000, "Actual Loops": 1}
    assert [f.kind for f in flags(off, {}, analyzed=True)] == ["bad_estimate"]
