"""Where golive may send traffic: loopback only, unless the config allows a host.

Load, stress and failure traffic must never reach a host its owner did not name. The check is
made on the resolved addresses, so a hostname that points outside loopback is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from golive.exceptions import TargetError


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def check_target(url: str, allow_targets: Iterable[str] = ()) -> str:
    """Return the URL when golive may send traffic to it, else raise :class:`TargetError`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(
            f"target {url!r} is not an http(s) URL: give one like http://127.0.0.1:8000"
        )
    host = parts.hostname
    allowed = {h.strip().lower() for h in allow_targets}
    if host.lower() in allowed or _is_loopback(host):
        return url
    raise TargetError(
        f"target host {host!r} is not loopback: golive sends traffic only to 127.0.0.0/8 "
        f"and ::1 unless [target] allow_targets in golive.toml lists '{host}'"
    )
