"""The flaws the demo shop can have. With none on, it does each thing right."""

from __future__ import annotations

from golive.exceptions import UsageError

FLAWS: dict[str, str] = {
    "n_plus_one": "the product list loads each product's category with its own query",
    "missing_index": "no index on reviews(product_id): product pages scan every review",
    "slow_endpoint": "search waits 600 ms on a slow dependency",
    "no_compression": "responses are never gzip- or brotli-compressed",
    "no_cache_headers": "static assets carry no Cache-Control and no validators",
    "no_security_headers": "no CSP, X-Frame-Options, nosniff or Referrer-Policy",
    "leaky_errors": "debug tracebacks in 500s, Server and X-Powered-By banners, no body limit",
    "no_rate_limit": "login and order endpoints accept any request rate",
    "unpaginated_list": "the product list returns every product in one response",
    "big_bundle": "the page loads a 1.2 MB JavaScript bundle",
    "unoptimized_images": "product images are full-size PNGs shown as thumbnails",
    "render_blocking": "the page's script loads synchronously in <head> and blocks rendering",
    "no_font_display": "the display font has no font-display and no preload (text stays "
                       "invisible until it loads)",
    "permissive_cors": "any origin may call the API with the visitor's cookies (Origin echoed)",
    "exposed_files": "the deployment left /.git/HEAD and /.env readable",
    "weak_cookies": "the session cookie lacks Secure, HttpOnly and SameSite",
    "public_docs": "Swagger UI and ReDoc are served at /docs and /redoc in production",
    "user_enumeration": "login answers 404 'no account' for unknown e-mails, 401 otherwise",
    "weak_jwt": "login tokens are JWTs signed with the key 'secret', and alg 'none' is accepted",
    "vulnerable_source": "the shop's source pins a vulnerable requests, commits a cloud key and "
                         "builds a shell command from input",
}


#: the check that must fail on a shop with the flaw, and a text its finding (title or where)
#: names: `golive demo` shows every flaw found, and a test holds it to that
FLAW_CHECKS: dict[str, tuple[str, str]] = {
    "n_plus_one": ("database.n_plus_one", "/api/products"),
    "missing_index": ("database.indexes", "shop_reviews"),
    "slow_endpoint": ("load.latency", "/api/search"),
    "no_compression": ("http.compression", "uncompressed"),
    "no_cache_headers": ("http.caching", "/static/"),
    "no_security_headers": ("http.security_headers", "Content-Security-Policy"),
    "leaky_errors": ("http.error_hygiene", "X-Powered-By"),
    "no_rate_limit": ("security.rate_limit", "/api/login"),
    "unpaginated_list": ("http.pagination", "/api/products"),
    "big_bundle": ("frontend.bundle", "/static/app."),
    "unoptimized_images": ("frontend.assets", "/static/product-"),
    "render_blocking": ("frontend.assets", "Render-blocking script"),
    "no_font_display": ("frontend.assets", "font-display"),
    "permissive_cors": ("security.probes", "CORS reflects any origin"),
    "exposed_files": ("security.probes", "/.env"),
    "weak_cookies": ("security.observatory", "cookies-session-without-secure"),
    "public_docs": ("security.exposed_docs", "/docs"),
    "user_enumeration": ("security.enumeration", "/api/login"),
    "weak_jwt": ("security.jwt", "Forged token accepted"),
    "vulnerable_source": ("security.dependencies", "requests 2.19.0"),
}


def parse_flaws(spec: str | None) -> frozenset[str]:
    """``all``, ``none`` or a comma-separated list of flaw names."""
    if spec is None or spec.strip().lower() in ("", "none"):
        return frozenset()
    if spec.strip().lower() == "all":
        return frozenset(FLAWS)
    names = {n.strip() for n in spec.split(",") if n.strip()}
    unknown = sorted(names - set(FLAWS))
    if unknown:
        raise UsageError(
            f"unknown demo flaw {', '.join(unknown)}: choose from {', '.join(FLAWS)}, "
            "'all' or 'none'")
    return frozenset(names)
