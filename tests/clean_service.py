"""A clean service nobody here wrote the way golive's demo is written: FastAPI with the
SQLAlchemy ORM on PostgreSQL, eager loading on its list (no N+1), and a health endpoint that
touches no database (as most health endpoints do)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, HTTPException
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
)


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("authors.id"), index=True)
    author: Mapped[Author] = relationship()


def app(db_url: str, *, broken_report: bool = False, slow_shelf: bool = False) -> FastAPI:
    """``broken_report`` adds GET /api/report, which always answers 500 (an endpoint the N+1
    measurement cannot measure). ``slow_shelf`` adds GET /api/shelf: every book, no page
    size, each author loaded lazily (an N+1) and a little work per book, so that a client with
    a short timeout gives up while the database is still being asked."""
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1),
                              pool_size=4)
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        if not session.scalar(sa.select(sa.func.count()).select_from(Author)):
            authors = [Author(name=f"author {i}") for i in range(30)]
            session.add_all(authors)
            session.add_all(Book(title=f"book {i}", author=authors[i % 30]) for i in range(400))
    api = FastAPI(title="books")

    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}  # no database: a process check

    @api.get("/api/books")
    def books(limit: int = 20) -> dict[str, Any]:
        with Session(engine) as session:
            rows = session.scalars(sa.select(Book).options(selectinload(Book.author))
                                   .order_by(Book.id).limit(min(limit, 100))).all()
            return {"items": [{"id": b.id, "title": b.title, "author": b.author.name}
                              for b in rows]}

    @api.get("/api/books/{book_id}")
    def book(book_id: int) -> dict[str, Any]:
        with Session(engine) as session:
            found = session.get(Book, book_id)
            if found is None:
                raise HTTPException(404)
            return {"id": found.id, "title": found.title, "author": found.author.name}

    if slow_shelf:
        @api.get("/api/shelf")
        def shelf() -> dict[str, Any]:
            import time

            with Session(engine) as session:
                out = []
                for b in session.scalars(sa.select(Book).order_by(Book.id)).all():
                    out.append({"id": b.id, "author": b.author.name})  # lazy: one query each
                    time.sleep(0.002)
                return {"items": out}

    if broken_report:
        @api.get("/api/report")
        def report() -> dict[str, Any]:
            raise HTTPException(500, "report backend down")

    return api
