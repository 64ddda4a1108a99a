"""Where golive may connect: loopback only, unless the config's allowlist names the host.

Load, stress and failure traffic must never reach a host its owner did not name. This module is
the one place that decides it, for every connection golive opens:

- :func:`check_target` / :func:`check_host`: a URL or host before anything connects (the
  check is made on the resolved addresses, so a hostname that points outside loopback is
  refused too);
- :func:`http_client`: the one factory of HTTP clients; its request hook checks every request,
  redirects included (httpx calls it for each hop), and refuses with :class:`TargetRefused`;
- :func:`connect`: raw TCP connections (TLS handshakes);
- :func:`browser_args`: Chromium flags that send every host outside the allowlist to a dead
  proxy on loopback, for the browsers golive starts (Playwright, Lighthouse);
- :func:`validate_config`: every URL the config names, before a run starts.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from golive.exceptions import TargetError

if TYPE_CHECKING:
    from golive.config import Config

#: a loopback port nothing listens on: the browsers' proxy for refused hosts
DEAD_PROXY = "127.0.0.1:9"


class TargetRefused(TargetError):
    """A connection to a host outside loopback and the allowlist was refused (raised while a
    check runs; the check is then skipped with the refused host named)."""

    def __init__(self, host: str, message: str) -> None:
        self.host = host
        super().__init__(message)


def is_loopback(host: str) -> bool:
    """True when every address ``host`` resolves to is a loopback address."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    addresses = {str(info[4][0]) for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def allowed(host: str, allow_targets: Iterable[str] = ()) -> bool:
    return host.lower() in {h.strip().lower() for h in allow_targets} or is_loopback(host)


def refusal(host: str, what: str = "target host") -> str:
    return (f"{what} {host!r} is not loopback: golive connects only to 127.0.0.0/8 and ::1 "
            f"unless [target] allow_targets in golive.toml lists '{host}'")


def check_host(host: str, allow_targets: Iterable[str] = (), what: str = "host") -> str:
    if not allowed(host, allow_targets):
        raise TargetRefused(host, refusal(host, what))
    return host


def check_target(url: str, allow_targets: Iterable[str] = ()) -> str:
    """Return the URL when golive may send traffic to it, else raise :class:`TargetError`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(
            f"target {url!r} is not an http(s) URL: give one like http://127.0.0.1:8000"
        )
    host = parts.hostname
    if not allowed(host, allow_targets):
        raise TargetError(refusal(host))
    return url


def http_client(allow_targets: Iterable[str] = (), **kwargs: Any) -> httpx.Client:
    """An httpx client whose every request (each redirect hop too) passes the check."""
    allow = tuple(allow_targets)

    def guard(request: httpx.Request) -> None:
        host = request.url.host
        if not allowed(host, allow):
            raise TargetRefused(host, refusal(host, f"refused {request.method} "
                                                   f"{request.url.scheme}://{host}: host"))

    hooks = dict(kwargs.pop("event_hooks", None) or {})
    hooks["request"] = [guard, *hooks.get("request", [])]
    return httpx.Client(event_hooks=hooks, **kwargs)


def connect(host: str, port: int, timeout: float,
            allow_targets: Iterable[str] = ()) -> socket.socket:
    """A TCP connection, only to an allowed host."""
    check_host(host, allow_targets)
    return socket.create_connection((host, port), timeout=timeout)


def browser_args(allow_targets: Iterable[str] = ()) -> list[str]:
    """Chromium flags: hosts outside loopback and the allowlist go to a proxy that does not
    exist, so the browser cannot reach them (IP literals included)."""
    bypass = ["localhost", "127.0.0.1", "[::1]", *[h.strip() for h in allow_targets if h]]
    return [f"--proxy-server=http://{DEAD_PROXY}", f"--proxy-bypass-list={';'.join(bypass)}"]


def _db_hosts(url: str) -> list[str]:
    """The TCP hosts a libpq URL or DSN connects to (none for a Unix socket)."""
    try:
        from psycopg.conninfo import conninfo_to_dict
        params = conninfo_to_dict(url)
    except Exception:  # not a valid DSN: the database area reports it
        return []
    hosts = str(params.get("host") or "").split(",")
    return [h for h in hosts if h and not h.startswith("/")]


def validate_config(config: Config) -> None:
    """Every URL and host the config names passes the check (one line, exit 2, otherwise)."""
    allow = config.target.allow_targets
    where = config.source or "golive.toml"
    for key in ("url", "https_url"):
        value = getattr(config.target, key)
        if value:
            try:
                check_target(value, allow)
            except TargetError as err:
                raise TargetError(f"{where}: [target] {key}: {err}") from None
    for host in _db_hosts(config.database.url):
        if not allowed(host, allow):
            raise TargetError(f"{where}: [database] url: {refusal(host, 'database host')}")
    for table, value in config.tables().items():
        fields = value.model_dump() if hasattr(value, "model_dump") else dict(value or {})
        for key, url in fields.items():
            if key.endswith("_url") and isinstance(url, str) and url:
                try:
                    check_target(url, allow)
                except TargetError as err:
                    raise TargetError(f"{where}: [{table}] {key}: {err}") from None
