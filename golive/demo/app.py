"""The demo shop: a JSON API and a server-rendered front page, flaws switchable one by one."""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
import warnings
from collections import deque
from dataclasses import dataclass
from typing import Any

import jwt
import sqlalchemy as sa
from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jwt.warnings import InsecureKeyLengthWarning
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from golive import __version__
from golive.asgi import BodyLimit, Compression, ExtraHeaders
from golive.demo import db
from golive.demo.assets import StaticFile, build_assets, service_worker
from golive.demo.middleware import SECURITY_HEADERS, PermissiveCors, ResponseCache

MAX_PAGE = 100
INT_MAX = 2_147_483_647  # ids and offsets fit a 32-bit integer column (larger ones: 422, not 500)
SLOW_FLAWS = frozenset({"n_plus_one", "missing_index", "slow_endpoint", "unpaginated_list"})
BODY_LIMIT = 1024 * 1024
SLOW_SECONDS = 0.6


class RateLimiter:
    """A sliding-window limit per client and route: ``limit`` requests per ``window_s``."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until a slot frees)."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return False, 0, self.window_s - (now - hits[0])
            hits.append(now)
            return True, self.limit - len(hits), self.window_s - (now - hits[0])


class OrderLine(BaseModel):
    product_id: int = Field(gt=0, le=2_147_483_647)
    qty: int = Field(gt=0, le=100)


class OrderIn(BaseModel):
    # no NUL: PostgreSQL refuses it in text, which would be a 500 instead of a 422
    email: str = Field(min_length=3, max_length=200, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")
    items: list[OrderLine] = Field(min_length=1, max_length=50)


DEMO_USER = "demo@example.com"
TOKEN_TTL_S = 3600


class Tokens:
    """The login's JWTs: HS256 with a random key, verified with a fixed algorithm and exp;
    ``weak`` signs with 'secret' and takes any token whose header says alg 'none'."""

    def __init__(self, *, weak: bool) -> None:
        self.weak = weak
        self.key = b"secret" if weak else secrets.token_bytes(32)

    def issue(self, subject: str) -> str:
        now = int(time.time())
        with warnings.catch_warnings():  # the weak flaw's key is short on purpose
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            return jwt.encode({"sub": subject, "iat": now, "exp": now + TOKEN_TTL_S},
                              self.key, algorithm="HS256")

    def subject(self, token: str) -> str | None:
        if not token or token.count(".") != 2:
            return None
        try:
            with warnings.catch_warnings():  # the weak flaw's key is short on purpose
                warnings.simplefilter("ignore", InsecureKeyLengthWarning)
                claims = self._claims(token)
        except jwt.PyJWTError:
            return None
        sub = claims.get("sub")
        return sub if isinstance(sub, str) else None

    def _claims(self, token: str) -> dict[str, Any]:
        if self.weak and jwt.get_unverified_header(token).get("alg", "").lower() == "none":
            return dict(jwt.decode(token, options={"verify_signature": False}))
        return dict(jwt.decode(token, self.key, algorithms=["HS256"],
                               options={"require": ["exp", "sub"], "verify_exp": not self.weak}))


class LoginIn(BaseModel):
    email: str = Field(max_length=200)
    password: str = Field(max_length=200)


@dataclass
class ShopSettings:
    flaws: frozenset[str]
    engine: sa.Engine
    rate_limit: int = 10
    rate_window_s: float = 10.0


def create_app(settings: ShopSettings) -> Any:
    flaws = settings.flaws
    engine = settings.engine
    leaky = "leaky_errors" in flaws
    docs = "public_docs" in flaws
    app = FastAPI(title="golive demo shop", version=__version__, debug=leaky,
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None)
    assets = build_assets(big_bundle="big_bundle" in flaws,
                          unoptimized_images="unoptimized_images" in flaws,
                          font_display="no_font_display" not in flaws)
    limiter = RateLimiter(settings.rate_limit, settings.rate_window_s)
    tokens = Tokens(weak="weak_jwt" in flaws)  # the JWTs /api/login hands out
    app.state.flaws = flaws

    def limited(request: Request, route: str) -> dict[str, str]:
        if "no_rate_limit" in flaws:
            return {}
        client = request.client.host if request.client else "?"
        ok, remaining, reset = limiter.check(f"{client}:{route}")
        headers = {"RateLimit-Limit": str(settings.rate_limit),
                   "RateLimit-Remaining": str(remaining),
                   "RateLimit-Reset": str(max(1, round(reset)))}
        if not ok:
            raise HTTPException(429, "too many requests",
                                headers={**headers, "Retry-After": str(max(1, round(reset)))})
        return headers

    if not leaky:
        @app.exception_handler(Exception)
        async def _internal(_request: Request, _exc: Exception) -> JSONResponse:
            return JSONResponse({"error": "internal error"}, status_code=500)

        @app.exception_handler(RequestValidationError)
        async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
            problems = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")}
                        for e in exc.errors()]
            return JSONResponse({"error": "invalid request", "problems": problems},
                                status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.get("/health")
    async def health() -> dict[str, str]:  # one trivial query: not worth a thread hop
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return {"status": "ok", "database": "ok"}

    @app.get("/api/categories")
    def list_categories() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(db.categories).order_by(db.categories.c.id))
            return [dict(r._mapping) for r in rows]

    @app.get("/api/products")
    def list_products(limit: int = Query(20, ge=1, le=10_000),
                      offset: int = Query(0, ge=0, le=INT_MAX),
                      category: int | None = Query(None, ge=1, le=INT_MAX)) -> dict[str, Any]:
        p, c = db.products, db.categories
        base = sa.select(p.c.id, p.c.name, p.c.price_cents, p.c.rating_avg, p.c.review_count,
                         p.c.category_id)
        if category is not None:
            base = base.where(p.c.category_id == category)
        if "unpaginated_list" not in flaws:
            limit = min(limit, MAX_PAGE)
            base = base.limit(limit).offset(offset)
        with engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(p).where(
                p.c.category_id == category if category is not None else sa.true())).scalar()
            if "n_plus_one" in flaws:
                rows = [dict(r._mapping) for r in conn.execute(base.order_by(p.c.id))]
                for row in rows:  # the classic lazy load, one query per item
                    cat = conn.execute(sa.select(c.c.id, c.c.name).where(
                        c.c.id == row["category_id"])).one()
                    row["category"] = {"id": cat.id, "name": cat.name}
            else:
                joined = base.add_columns(c.c.name.label("category_name")).join(
                    c, c.c.id == p.c.category_id).order_by(p.c.id)
                rows = []
                for r in conn.execute(joined):
                    row = dict(r._mapping)
                    row["category"] = {"id": row["category_id"],
                                       "name": row.pop("category_name")}
                    rows.append(row)
        for row in rows:
            row.pop("category_id", None)
            row["rating_avg"] = round(row["rating_avg"], 2)
        return {"items": rows, "total": total, "limit": limit, "offset": offset}

    @app.get("/api/products/{product_id}", responses={404: {"description": "no such product"}})
    def product_detail(product_id: int = Path(ge=1, le=INT_MAX)) -> dict[str, Any]:
        p, r = db.products, db.reviews
        with engine.connect() as conn:
            row = conn.execute(sa.select(p).where(p.c.id == product_id)).first()
            if row is None:
                raise HTTPException(404, "no such product")
            latest = conn.execute(
                sa.select(r.c.id, r.c.author, r.c.rating, r.c.body, r.c.created_at)
                .where(r.c.product_id == product_id)
                .order_by(r.c.created_at.desc()).limit(10))
            return {**dict(row._mapping), "reviews": [dict(x._mapping) for x in latest]}

    @app.get("/api/products/{product_id}/reviews")
    def product_reviews(product_id: int = Path(ge=1, le=INT_MAX),
                        limit: int = Query(20, ge=1, le=MAX_PAGE),
                        offset: int = Query(0, ge=0, le=INT_MAX)) -> dict[str, Any]:
        r = db.reviews
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(r.c.id, r.c.author, r.c.rating, r.c.body, r.c.created_at)
                .where(r.c.product_id == product_id)
                .order_by(r.c.created_at.desc()).limit(limit).offset(offset))
            return {"items": [dict(x._mapping) for x in rows], "limit": limit,
                    "offset": offset}

    @app.get("/api/search")
    def search(q: str = Query(min_length=1, max_length=100, pattern=r"^[^\x00]+$",
                              examples=["Product 1"]),
               limit: int = Query(20, ge=1, le=MAX_PAGE)) -> dict[str, Any]:
        if "slow_endpoint" in flaws:
            time.sleep(SLOW_SECONDS)  # a slow dependency nobody put a timeout or cache on
        p = db.products
        with engine.connect() as conn:
            rows = conn.execute(sa.select(p.c.id, p.c.name, p.c.price_cents)
                                .where(p.c.name.like(f"{q}%")).order_by(p.c.name).limit(limit))
            return {"items": [dict(x._mapping) for x in rows], "query": q}

    @app.post("/api/orders", status_code=201, openapi_extra={"requestBody": {
        "required": True,
        "content": {"application/json": {"schema": OrderIn.model_json_schema()}}}})
    async def create_order(request: Request) -> JSONResponse:
        headers = limited(request, "orders")
        if leaky:  # hand-rolled parsing: any surprise becomes a 500 with a traceback
            data = json.loads(await request.body())
            order = OrderIn(email=data["email"], items=data["items"])
        else:
            try:
                order = OrderIn.model_validate_json(await request.body())
            except ValueError as err:
                raise RequestValidationError(getattr(err, "errors", list)()) from None
        return JSONResponse(_place_order(engine, order), status_code=201, headers=headers)

    @app.post("/api/login")
    def login(body: LoginIn, request: Request) -> JSONResponse:
        headers = limited(request, "login")
        if "user_enumeration" in flaws and body.email != DEMO_USER:
            raise HTTPException(404, "no account for this e-mail", headers=headers)
        if not (body.email == DEMO_USER and body.password == "demo"):
            raise HTTPException(401, "wrong email or password", headers=headers)
        token = tokens.issue(body.email)
        response = JSONResponse({"token": token, "expires_in": TOKEN_TTL_S}, headers=headers)
        set_session_cookie(response, token)
        return response

    @app.get("/api/account", responses={401: {"description": "not signed in"}})
    def account(request: Request) -> JSONResponse:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        who = tokens.subject(bearer) or tokens.subject(request.cookies.get("session", ""))
        if who is None:
            raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        return JSONResponse({"email": who}, headers={"Cache-Control": "private, no-store"})

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(db.products.c.id, db.products.c.name,
                                          db.products.c.price_cents)
                                .order_by(db.products.c.id).limit(8)).all()
        response = HTMLResponse(_home_page(rows, assets, flaws),
                                headers={"Cache-Control": "private, no-cache"})
        if "session" not in request.cookies:  # a visitor's cart session
            set_session_cookie(response, secrets.token_urlsafe(16))
        return response

    def set_session_cookie(response: Response, value: str) -> None:
        if "weak_cookies" in flaws:
            response.headers.append("set-cookie", f"session={value}; Path=/")
        else:
            response.set_cookie("session", value, httponly=True, secure=True, samesite="lax")

    if "exposed_files" in flaws:  # what a careless deploy of the working tree leaves behind
        exposed = {"/.git/HEAD": "ref: refs/heads/main\n",
                   "/.env": "DATABASE_URL=postgresql://shop:hunter2@10.0.3.7/shop\n"
                            "SECRET_KEY=demo-not-a-real-secret\n"}

        @app.get("/.git/HEAD", include_in_schema=False)
        @app.get("/.env", include_in_schema=False)
        def leftover(request: Request) -> Response:
            return Response(exposed[request.url.path], media_type="text/plain")

    worker = service_worker(assets)

    @app.get("/sw.js", include_in_schema=False)
    def sw() -> Response:  # a stable URL, revalidated on every visit as browsers expect
        return Response(worker, media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})

    @app.get("/static/{name:path}", include_in_schema=False)
    async def static(name: str, request: Request) -> Response:  # bytes in memory
        f = assets.get(f"/static/{name}")
        if f is None:
            raise HTTPException(404, "not found")
        if "no_cache_headers" in flaws:
            return Response(f.body, media_type=f.content_type)
        headers = {"Cache-Control": "public, max-age=31536000, immutable", "ETag": f.etag}
        if request.headers.get("if-none-match") == f.etag:
            return Response(status_code=304, headers=headers)
        return Response(f.body, media_type=f.content_type, headers=headers)

    asgi: Any = app
    if "no_compression" not in flaws:
        asgi = Compression(asgi)
    if not flaws & SLOW_FLAWS:  # a short response cache (it would hide the slow flaws)
        asgi = ResponseCache(asgi)
    if leaky:
        asgi = ExtraHeaders(asgi, [(b"x-powered-by", f"FastAPI/golive-demo {__version__}"
                                    .encode())])
    else:
        asgi = BodyLimit(asgi, BODY_LIMIT)
    if "no_security_headers" not in flaws:
        asgi = ExtraHeaders(asgi, SECURITY_HEADERS, hsts=True)
    if "permissive_cors" in flaws:
        asgi = PermissiveCors(asgi)
    return asgi


def _place_order(engine: sa.Engine, order: OrderIn) -> dict[str, Any]:
    ids = [line.product_id for line in order.items]
    with engine.begin() as conn:
        prices = dict(conn.execute(sa.select(db.products.c.id, db.products.c.price_cents)
                                   .where(db.products.c.id.in_(ids))).all())
        missing = sorted(set(ids) - set(prices))
        if missing:
            raise HTTPException(422, f"unknown product ids: {missing}")
        total = sum(prices[line.product_id] * line.qty for line in order.items)
        order_id = conn.execute(db.orders.insert().values(
            email=order.email, total_cents=total, created_at=int(time.time()))
            .returning(db.orders.c.id)).scalar_one()
        conn.execute(db.order_items.insert(), [
            {"order_id": order_id, "product_id": line.product_id, "qty": line.qty,
             "price_cents": prices[line.product_id]} for line in order.items])
    return {"id": order_id, "total_cents": total}


def _home_page(rows: Any, assets: dict[str, StaticFile], flaws: frozenset[str]) -> str:
    css = next(p for p in assets if p.endswith(".css"))
    js = next(p for p in assets if p.endswith(".js"))
    icon = next(p for p in assets if p.endswith(".svg"))
    font = next(p for p in assets if p.endswith(".woff"))
    # a synchronous script in <head> stops the parser until it has loaded and run
    script = (f'<script src="{js}"></script>' if "render_blocking" in flaws
              else f'<script src="{js}" defer></script>')
    preload = ("" if "no_font_display" in flaws else
               f'<link rel="preload" href="{font}" as="font" type="font/woff" crossorigin>\n')
    images = [p for p in assets if "/product-" in p]
    cards = []
    for i, row in enumerate(rows):
        img = images[i % len(images)]
        # eager: what a phone shows above the fold (one column); lazy: the rest
        lazy = ' loading="lazy"' if i >= 2 else ' fetchpriority="high"' if i == 0 else ""
        cards.append(
            f'<article class="card"><img src="{img}" alt="{html.escape(row.name)}" '
            f'width="240" height="180"{lazy}><h2>{html.escape(row.name)}</h2>'
            f'<p class="price">${row.price_cents / 100:.2f}</p>'
            f'<button type="button" data-product="{row.id}">Add to cart</button></article>')
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="The golive demo shop: everyday goods, fast delivery.">
<title>golive demo shop</title>
<link rel="icon" href="{icon}" type="image/svg+xml">
{preload}<link rel="stylesheet" href="{css}">
{script}
</head>
<body>
<header><h1>golive demo shop</h1>
<nav><a href="/api/products">Products API</a><a href="/openapi.json">OpenAPI</a>
<span class="muted">Cart: <span id="cart-count">0</span></span></nav></header>
<main><div class="grid">
{''.join(cards)}
</div></main>
<footer>Demo data. No real orders are shipped.</footer>
</body>
</html>
"""
