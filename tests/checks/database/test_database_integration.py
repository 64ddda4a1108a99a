"""The database area against the demo shop on a real PostgreSQL (throwaway cluster)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from golive.pgcluster import Cluster
from golive.results import Status
from tests.checks.database.conftest import Shop
from tests.checks.helpers import run_one

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
PgShop = Callable[[str], Shop]


def test_n_plus_one_found_on_exactly_the_endpoint_that_has_it(pg_shop: PgShop) -> None:
    shop = pg_shop("n_plus_one")
    r = run_one("database.n_plus_one", shop.url, database=shop.db)
    assert r.status is Status.FAIL, r.reason
    n1 = [f for f in r.findings if f.title.startswith("N+1 query: ")]
    # the title names the query (three N+1 findings once read "N+1 query" three times)
    assert "FROM shop_categories" in n1[0].title and len(n1[0].title) <= 102
    assert [f.location for f in n1] == ["GET /api/products"]
    assert "FROM shop_categories" in n1[0].detail and "1 time(s) per item" in n1[0].detail
    assert r.metrics["n_plus_one_endpoints"] == 1
    rows = {e["endpoint"]: e for e in r.evidence["endpoints"]}
    samples = rows["/api/products"]["samples"]
    assert [s["items"] for s in samples] == [5, 10, 20]
    # statements grow by exactly one per item
    counts = [s["statements"] for s in samples]
    assert counts[1] - counts[0] == 5 and counts[2] - counts[1] == 10
    assert rows["/api/products/{product_id}"]["n_plus_one"] == []
    # the report shows the growth as figures (it once printed "<built-in method items ...>")
    from datetime import UTC, datetime

    from golive.report import render_html
    from golive.store import RunRecord

    run = RunRecord(id=1, started_at=datetime.now(UTC), target=shop.url, profile="quick",
                    golive_version="0", status="complete", results=[r])
    html = render_html([("N+1", run)])
    growth = ", ".join(f"{s['items']} → {s['statements']}" for s in samples)
    assert growth in html and "built-in method" not in html
    assert "FROM shop_categories" in html and "(1/item)" in html


def test_tuned_shop_has_no_n_plus_one_and_few_statements(pg_shop: PgShop) -> None:
    shop = pg_shop("none")
    r = run_one("database.n_plus_one", shop.url, database=shop.db)
    assert r.status is Status.PASS, (r.reason, r.findings)
    assert r.findings == []
    assert r.metrics["endpoints"] >= 5
    assert 1 <= r.metrics["statements_per_request_max"] <= 6


def test_missing_index_is_advised_and_proven(pg_shop: PgShop) -> None:
    shop = pg_shop("missing_index")
    run_one("database.n_plus_one", shop.url, database=shop.db)  # traffic for the statistics
    r = run_one("database.indexes", shop.url, database=shop.db)
    assert r.status is Status.FAIL, r.reason
    advice = r.evidence["advice"]
    reviews = [a for a in advice if a["table"] == "shop_reviews"]
    assert reviews and reviews[0]["columns"][0] == "product_id"
    assert "CREATE INDEX CONCURRENTLY" in reviews[0]["create"]
    assert all(s["drop_pct"] >= 50 for s in reviews[0]["statements"])
    assert reviews[0]["size_bytes"] > 0
    # the advice is not for tables that already have the index
    assert all(a["table"] != "shop_products" or a["columns"] != ["category_id"] for a in advice)


def test_tuned_shop_gets_no_index_advice(pg_shop: PgShop) -> None:
    shop = pg_shop("none")
    run_one("database.n_plus_one", shop.url, database=shop.db)
    r = run_one("database.indexes", shop.url, database=shop.db)
    assert r.status is Status.PASS, r.findings
    assert r.evidence["advice"] == [] and r.metrics["statements_examined"] >= 5


def test_schema_hygiene_finds_the_unindexed_foreign_key(pg_shop: PgShop) -> None:
    bad = run_one("database.schema", pg_shop("missing_index").url,
                  database=pg_shop("missing_index").db)
    fk = [f for f in bad.findings if f.title == "Foreign key without an index"]
    assert [f.location for f in fk] == ["public.shop_reviews (product_id)"]
    good = run_one("database.schema", pg_shop("none").url, database=pg_shop("none").db)
    assert good.metrics["fk_without_index"] == 0 and good.metrics["tables_without_pk"] == 0
    # a fresh cluster has too little history to call an index unused: info only
    assert all(f.severity == "info" for f in good.findings if f.title == "Unused index")


def test_slow_queries_rank_and_flag_the_scan(pg_shop: PgShop) -> None:
    shop = pg_shop("missing_index")
    run_one("database.n_plus_one", shop.url, database=shop.db)
    r = run_one("database.slow_queries", shop.url, database=shop.db,
                options={"large_table_rows": 1000})
    assert r.evidence["by_total_time"] and r.evidence["by_mean_time"]
    scans = [f for f in r.findings if f.title == "Sequential scan of a large table"]
    assert any(f.location == "shop_reviews" for f in scans)
    assert r.metrics["slowest_mean_ms"] > 0


def test_pool_burst_sees_the_shop_sessions(pg_shop: PgShop) -> None:
    shop = pg_shop("missing_index")  # no response cache: every request reaches the database
    r = run_one("database.pool", shop.url, database=shop.db,
                options={"burst_users": 10, "burst_s": 2})
    apps = {a["application_name"]: a for a in r.evidence["activity"]["applications"]}
    assert "golive" not in apps
    assert apps["golive-demo"]["max_sessions"] >= 2
    assert r.metrics["max_connections"] == 100
    assert 0 < r.metrics["headroom_pct"] < 100
    assert r.evidence["burst"]["requests"] > 0


@pytest.fixture
def noise(pg_shop: PgShop) -> Iterator[None]:
    """Another client keeps the shop's database busy."""
    stop = threading.Event()
    db = pg_shop("none").db

    def hammer() -> None:
        with psycopg.connect(db, application_name="noise", autocommit=True) as conn:
            while not stop.is_set():
                conn.execute("SELECT count(*) FROM shop_reviews")

    thread = threading.Thread(target=hammer, daemon=True)
    thread.start()
    time.sleep(0.2)
    yield
    stop.set()
    thread.join(timeout=10)


def test_other_traffic_makes_n_plus_one_inconclusive(pg_shop: PgShop, noise: None) -> None:
    shop = pg_shop("none")
    r = run_one("database.n_plus_one", shop.url, database=shop.db,
                options={"quiet_timeout_s": 0.5, "endpoints": ["/api/products"]})
    assert r.status is Status.INCONCLUSIVE
    assert "not quiet" in r.reason
    assert "statements_per_request_max" not in r.metrics


def test_missing_preconditions_skip_with_the_enabling_line(
        pg_cluster: Cluster, pg_shop: PgShop) -> None:
    shop = pg_shop("none")
    no_url = run_one("database.n_plus_one", shop.url)
    assert no_url.status is Status.SKIPPED and "--db" in no_url.reason
    bare = pg_cluster.create_database("bare")  # pg_stat_statements preloaded, not created
    r = run_one("database.n_plus_one", shop.url, database=bare)
    assert r.status is Status.SKIPPED
    assert "CREATE EXTENSION pg_stat_statements;" in r.reason
    stats_only = pg_cluster.create_database("stats_only", ["pg_stat_statements"])
    r = run_one("database.indexes", shop.url, database=stats_only)
    assert r.status is Status.SKIPPED and "CREATE EXTENSION hypopg;" in r.reason
    unreachable = run_one("database.schema", shop.url,
                          database="postgresql://postgres@127.0.0.1:1/none")
    assert unreachable.status is Status.SKIPPED and "cannot connect" in unreachable.reason


def test_server_without_preload_says_how_to_enable(pg_database: Callable[[], str],
                                                   pg_shop: PgShop) -> None:
    db = pg_database()  # the machine's server: pg_stat_statements is not preloaded there
    with psycopg.connect(db) as conn:
        preload = conn.execute("SHOW shared_preload_libraries").fetchone()
    if preload and "pg_stat_statements" in preload[0]:
        pytest.skip("this server preloads pg_stat_statements")
    r = run_one("database.n_plus_one", pg_shop("none").url, database=db)
    assert r.status is Status.SKIPPED
    assert "shared_preload_libraries = 'pg_stat_statements'" in r.reason


def test_pool_counts_the_targets_database_not_the_whole_cluster(pg_shop: PgShop,
                                                                pg_cluster: Cluster) -> None:
    """Issue 12, item 5: another service's sessions on the same cluster are not this pool;
    they still count against the cluster's max_connections."""
    shop = pg_shop("missing_index")
    other = pg_cluster.url("postgres", application_name="other-service")
    with contextlib.ExitStack() as stack:
        for _ in range(12):
            stack.enter_context(psycopg.connect(other))
        r = run_one("database.pool", shop.url, database=shop.db,
                    options={"burst_users": 4, "burst_s": 1.5})
    apps = {a["application_name"] for a in r.evidence["activity"]["applications"]}
    assert "other-service" not in apps and "golive-demo" in apps
    assert r.metrics["peak_sessions_cluster"] >= r.metrics["peak_sessions"] + 12
    assert r.metrics["pool_size_max"] < 12 + 1  # the shop's own sessions only
    assert "on this database" in r.summary


def test_an_index_with_another_operator_class_is_not_a_duplicate(pg_cluster: Cluster,
                                                                 pg_shop: PgShop) -> None:
    """Issue 12, item 6: (name) and (name varchar_pattern_ops), Django's "_like" pair, serve
    different queries; the same index twice is a duplicate."""
    db = pg_cluster.create_database("opclasses", ["pg_stat_statements"])
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("CREATE TABLE people (id int PRIMARY KEY, name varchar(50))")
        conn.execute("CREATE INDEX people_name ON people (name)")
        conn.execute("CREATE INDEX people_name_like ON people (name varchar_pattern_ops)")
        conn.execute("CREATE INDEX people_name_again ON people (name)")
    r = run_one("database.schema", pg_shop("none").url, database=db)
    dupes = [f.location for f in r.findings if f.title == "Duplicate index"]
    assert dupes == ["public.people_name_again on people"], dupes
    assert r.metrics["duplicate_indexes"] == 1


def test_a_clean_service_with_a_database_free_health_endpoint_passes(pg_cluster: Cluster
                                                                     ) -> None:
    """Issue 12, item 3: an endpoint that sends no statement is a measurement (0), not a gap;
    a clean ORM service passes and says what it saw."""
    from tests.clean_service import app
    from tests.targets import serve_asgi

    db = pg_cluster.create_database("books", ["pg_stat_statements"])
    with serve_asgi(app(db)) as url:
        r = run_one("database.n_plus_one", url, database=db)
    assert r.status is Status.PASS, (r.reason, r.summary)
    rows = {e["endpoint"]: e for e in r.evidence["endpoints"]}
    assert rows["/health"].get("no_statements") is True
    assert rows["/api/books"]["n_plus_one"] == []
    counts = [s["statements"] for s in rows["/api/books"]["samples"]]
    assert len(counts) == 3 and len(set(counts)) == 1, counts  # eager loading: constant
    assert "sent no statement to the database" in r.summary and "/health" in r.summary
    assert r.metrics["n_plus_one_endpoints"] == 0


def test_an_unmeasurable_endpoint_is_named_and_does_not_sink_the_check(pg_cluster: Cluster
                                                                        ) -> None:
    from tests.clean_service import app
    from tests.targets import serve_asgi

    db = pg_cluster.create_database("books_report", ["pg_stat_statements"])
    with serve_asgi(app(db, broken_report=True)) as url:
        r = run_one("database.n_plus_one", url, database=db)
    assert r.status is Status.PASS, (r.reason, r.summary)
    assert "could not measure /api/report: /api/report answered 500" in r.summary
    assert r.evidence["unmeasured"] == ["/api/report: /api/report answered 500"]


def _blog_audit(pg_cluster: Cluster, name: str, tmp_path: object, *, indexed: bool
                ) -> dict[str, Any]:
    """The blog (tests/blog_service.py) served, its reads sent three times, then
    database.indexes and database.schema in one audit (the second reads the first's fact)."""
    import httpx

    from golive.config import Config, DatabaseConfig, TargetConfig
    from golive.session import AuditRequest, run_session
    from golive.store import Store
    from tests.blog_service import REQUESTS, app
    from tests.targets import serve_asgi

    db = pg_cluster.create_database(name, ["pg_stat_statements", "hypopg"])
    with serve_asgi(app(db, indexed=indexed)) as url:
        for _ in range(3):
            for path in REQUESTS:
                assert httpx.get(url + path).status_code == 200, path
        config = Config(target=TargetConfig(url=url), database=DatabaseConfig(url=db))
        store = Store(f"sqlite:///{tmp_path}/{name}.db")
        try:
            outcome = run_session(AuditRequest(target=url, config=config, store=store,
                                               only=("database.indexes", "database.schema")))
        finally:
            store.close()
    return {r.check: r for r in outcome.results}


def test_index_advice_finds_what_a_small_orm_service_is_missing(pg_cluster: Cluster,
                                                                tmp_path: object) -> None:
    """Issue 12, item 2: on tables of a few hundred rows the advisor found none of these four
    (small tables were never considered, a sort-only list gave no candidate, the bar was put
    to the whole three-table join)."""
    by = _blog_audit(pg_cluster, "blog_bare", tmp_path, indexed=False)
    r = by["database.indexes"]
    assert r.status is Status.FAIL, r.summary
    found = {f.location: f for f in r.findings if f.title == "Missing index"}
    assert set(found) == {"posts (created_at)", "posts (author_id)", "post_tags (tag_id)",
                          "comments (post_id)"}, list(found)
    join = found["post_tags (tag_id)"]  # one scan of three: judged on that scan
    assert join.severity == "high" and "% of the scan it replaces" in join.detail
    (stmt,) = next(a for a in r.evidence["advice"] if a["table"] == "post_tags")["statements"]
    assert stmt["drop_pct"] >= 50 > stmt["statement_drop_pct"]
    author = found["posts (author_id)"]  # 500 rows: the planner gains little today
    assert author.severity == "medium" and "small table (500 rows" in author.detail
    assert "at 100,000 rows" in author.detail
    assert "ORDER BY posts.created_at DESC" in found["posts (created_at)"].detail
    assert r.metrics["missing_indexes"] == 4
    # the foreign-key finding and the advisor agree
    fks = {f.location: f.detail for f in by["database.schema"].findings
           if f.title == "Foreign key without an index"}
    assert set(fks) == {"public.posts (author_id)", "public.post_tags (tag_id)",
                        "public.comments (post_id)"}
    assert all("database.indexes proved the index" in d for d in fks.values()), fks


def test_the_same_service_with_its_indexes_gets_no_advice(pg_cluster: Cluster,
                                                         tmp_path: object) -> None:
    by = _blog_audit(pg_cluster, "blog_indexed", tmp_path, indexed=True)
    r = by["database.indexes"]
    assert r.status is Status.PASS, (r.summary, [f.location for f in r.findings])
    assert r.metrics["missing_indexes"] == 0 and r.metrics["statements_examined"] >= 4
    assert not [f for f in by["database.schema"].findings
                if f.title == "Foreign key without an index"]


def test_an_n_plus_one_in_a_request_that_times_out_is_still_found(pg_cluster: Cluster) -> None:
    """Issue 17: with an unpaginated N+1 list each request ran 20,000 statements, timed out,
    and the check said only "request failed". The database still ran them: read once quiet."""
    from tests.clean_service import app
    from tests.targets import serve_asgi

    db = pg_cluster.create_database("books_shelf", ["pg_stat_statements"])
    with serve_asgi(app(db, slow_shelf=True)) as url:
        r = run_one("database.n_plus_one", url, database=db, timeout_s=0.3,
                    options={"endpoints": ["/api/shelf"]})
    assert r.status is Status.FAIL, (r.reason, r.summary)
    (n1,) = [f for f in r.findings if f.title.startswith("N+1 query: ")]
    assert "FROM authors" in n1.title and n1.location == "GET /api/shelf"
    assert "which failed: no answer within 0.3 s" in n1.detail
    # 400 books: the author query ran once per distinct author not yet in the session (30)
    row = next(e for e in r.evidence["endpoints"] if e["endpoint"] == "/api/shelf")
    assert row["failed_request"] and row["samples"][0]["statements"] >= 30
