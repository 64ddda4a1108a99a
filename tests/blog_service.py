"""A small blog the way many services launch: FastAPI with the SQLAlchemy ORM on PostgreSQL,
a few hundred rows per table, and the indexes an ORM does not create by itself missing.

Its reads need four indexes that are not there unless ``indexed=True``:
- ``posts (created_at)``: the front page, ``ORDER BY created_at DESC LIMIT n`` with no filter;
- ``posts (author_id)``: a user's posts, a foreign key filtered on a 500-row table;
- ``post_tags (tag_id)``: posts by tag, a three-table join where the index removes one scan
  (the association table's primary key leads with ``post_id``);
- ``comments (post_id)``: a post's comments, a foreign key on a 1500-row table.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)


post_tags = sa.Table(
    "post_tags", Base.metadata,
    sa.Column("post_id", sa.ForeignKey("posts.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True))


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


#: what ``indexed=True`` adds (an sa.Index here would join the metadata: create_all makes it)
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_posts_created_at ON posts (created_at)",
    "CREATE INDEX IF NOT EXISTS ix_posts_author_id ON posts (author_id)",
    "CREATE INDEX IF NOT EXISTS ix_post_tags_tag_id ON post_tags (tag_id)",
    "CREATE INDEX IF NOT EXISTS ix_comments_post_id ON comments (post_id)",
)


def seed(engine: sa.Engine, *, posts: int = 500, users: int = 50, indexed: bool = False) -> None:
    Base.metadata.create_all(engine)
    if indexed:
        with engine.begin() as conn:
            for ddl in INDEXES:
                conn.execute(sa.text(ddl))
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        if session.scalar(sa.select(sa.func.count()).select_from(User)):
            return
        session.add_all(User(id=i, email=f"user{i}@example.org", name=f"user {i}")
                        for i in range(1, users + 1))
        session.add_all(Tag(id=i, name=f"tag{i}") for i in range(1, 21))
        session.flush()
        session.add_all(Post(id=i, author_id=1 + i % users, title=f"post {i}",
                             body="lorem ipsum " * 20, created_at=now - timedelta(hours=i))
                        for i in range(1, posts + 1))
        session.flush()
        session.execute(post_tags.insert(), [{"post_id": p, "tag_id": 1 + (p * 7 + k) % 20}
                                             for p in range(1, posts + 1) for k in range(3)])
        session.add_all(Comment(post_id=1 + i % posts, body=f"comment {i}",
                                created_at=now - timedelta(minutes=i))
                        for i in range(posts * 3))
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        conn.commit()


def app(db_url: str, *, indexed: bool = False) -> FastAPI:
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1),
                              pool_size=4)
    seed(engine, indexed=indexed)
    api = FastAPI(title="blog")

    def posts_json(rows: Any) -> dict[str, Any]:
        return {"items": [{"id": p.id, "title": p.title, "author_id": p.author_id,
                           "created_at": p.created_at.isoformat()} for p in rows]}

    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/api/posts")
    def front_page(limit: int = 20) -> dict[str, Any]:
        with Session(engine) as session:
            return posts_json(session.scalars(
                sa.select(Post).order_by(Post.created_at.desc()).limit(min(limit, 100))))

    @api.get("/api/users/{user_id}/posts")
    def by_author(user_id: int) -> dict[str, Any]:
        with Session(engine) as session:
            return posts_json(session.scalars(sa.select(Post).where(Post.author_id == user_id)))

    @api.get("/api/tags/{name}/posts")
    def by_tag(name: str) -> dict[str, Any]:
        with Session(engine) as session:
            return posts_json(session.scalars(
                sa.select(Post).join(post_tags, post_tags.c.post_id == Post.id)
                .join(Tag, Tag.id == post_tags.c.tag_id).where(Tag.name == name)))

    @api.get("/api/posts/{post_id}/comments")
    def comments(post_id: int) -> dict[str, Any]:
        with Session(engine) as session:
            rows = session.scalars(sa.select(Comment).where(Comment.post_id == post_id)
                                   .order_by(Comment.created_at))
            return {"items": [{"id": c.id, "body": c.body} for c in rows]}

    return api


#: requests that exercise every read above
REQUESTS = (["/api/posts?limit=20"] + [f"/api/users/{u}/posts" for u in (1, 2, 3)]
            + [f"/api/tags/tag{t}/posts" for t in (1, 2, 3)]
            + [f"/api/posts/{p}/comments" for p in (1, 2, 3)])
