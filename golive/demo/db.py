"""The shop's database: schema, fast seeding in SQL (SQLite or PostgreSQL), queries."""

from __future__ import annotations

import time

import sqlalchemy as sa

metadata = sa.MetaData()

categories = sa.Table(
    "shop_categories", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
)
products = sa.Table(
    "shop_products", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("category_id", sa.Integer, sa.ForeignKey("shop_categories.id"), nullable=False),
    sa.Column("price_cents", sa.Integer, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("rating_avg", sa.Float, nullable=False, server_default="0"),
    sa.Column("review_count", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_shop_products_category", "category_id"),
    sa.Index("ix_shop_products_name", "name"),  # search: name LIKE 'q%' ORDER BY name
)
reviews = sa.Table(
    "shop_reviews", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("shop_products.id"), nullable=False),
    sa.Column("author", sa.String(80), nullable=False),
    sa.Column("rating", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.Integer, nullable=False),  # unix seconds
)
orders = sa.Table(
    "shop_orders", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(200), nullable=False),
    sa.Column("total_cents", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Integer, nullable=False),
)
order_items = sa.Table(
    "shop_order_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("shop_orders.id"), nullable=False,
              index=True),
    sa.Column("product_id", sa.Integer, nullable=False),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("price_cents", sa.Integer, nullable=False),
)
#: the index the ``missing_index`` flaw leaves out (created by hand, not by create_all)
REVIEW_INDEX_SQL = ("CREATE INDEX ix_shop_reviews_product "
                    "ON shop_reviews (product_id, created_at)")

CATEGORY_NAMES = ["Books", "Garden", "Kitchen", "Toys", "Music", "Outdoor", "Office", "Tools",
                  "Games", "Bath", "Lighting", "Audio", "Bikes", "Camping", "Pets", "Art",
                  "Crafts", "Travel", "Tea", "Coffee"]


def make_engine(url: str) -> sa.Engine:
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        return sa.create_engine(url, connect_args={"check_same_thread": False},
                                pool_size=20, max_overflow=20)
    return sa.create_engine(url, pool_size=10, max_overflow=10,
                            connect_args={"application_name": "golive-demo"})


def _seq(dialect: str, n: int) -> str:
    if dialect == "sqlite":
        return (f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq "
                f"WHERE i < {int(n)}) ")
    return ""


def seed(engine: sa.Engine, *, n_products: int, n_reviews: int,
         index_reviews: bool) -> float:
    """Create the schema and fill it; returns the seconds it took."""
    start = time.perf_counter()
    dialect = engine.dialect.name
    metadata.drop_all(engine)
    metadata.create_all(engine)
    np_, nr = int(n_products), int(n_reviews)
    source = "seq" if dialect == "sqlite" else "generate_series(1, {n}) AS seq(i)"
    with engine.begin() as conn:
        conn.execute(categories.insert(), [{"id": i + 1, "name": n}
                                           for i, n in enumerate(CATEGORY_NAMES)])
        conn.execute(sa.text(
            "INSERT INTO shop_products (id, name, category_id, price_cents, description) "
            + _seq(dialect, np_)
            + "SELECT i, 'Product ' || i, 1 + (i % 20), 199 + ((i * 7919) % 20000), "
              "'A sturdy, well-made item number ' || i || ' for everyday use.' "
            + f"FROM {source.format(n=np_)}"))
        conn.execute(sa.text(
            "INSERT INTO shop_reviews (id, product_id, author, rating, body, created_at) "
            + _seq(dialect, nr)
            + f"SELECT i, 1 + ((i * 7919) % {np_}), 'user' || (i % 5000), 1 + ((i * 31) % 5), "
              "'Review ' || i || ': works as described, would buy again.', "
              "1700000000 + i * 60 "
            + f"FROM {source.format(n=nr)}"))
        conn.execute(sa.text(
            "UPDATE shop_products SET review_count = s.n, rating_avg = s.avg_rating "
            "FROM (SELECT product_id, count(*) AS n, avg(rating) AS avg_rating "
            "FROM shop_reviews GROUP BY product_id) AS s WHERE s.product_id = shop_products.id"))
    with engine.begin() as conn:
        if index_reviews:
            conn.execute(sa.text(REVIEW_INDEX_SQL))
        conn.execute(sa.text("ANALYZE"))
    return time.perf_counter() - start
