"""Run one check the way the runner does, against a real server or an httpx fake."""

from __future__ import annotations

import functools
from typing import Any

import httpx

from golive.auth import AuthConfig, Authenticator
from golive.checks import CheckContext
from golive.checks.frontend.settings import FrontendConfig
from golive.checks.security.settings import SecurityConfig
from golive.config import CheckSettings, Config, DatabaseConfig, TargetConfig
from golive.results import Result
from golive.runner import run_check, select_checks
from golive.safety import http_client
from golive.site import Site, tls_verify
from golive.store import RunRecord


def run_one(check_id: str, url: str, *, transport: httpx.BaseTransport | None = None,
            options: dict[str, Any] | None = None, database: str = "",
            security: dict[str, Any] | None = None, profile: str = "quick",
            required: frozenset[str] = frozenset(), frontend: dict[str, Any] | None = None,
            shared: dict[str, Any] | None = None, baseline: RunRecord | None = None,
            auth: dict[str, Any] | None = None, **target: Any) -> Result:
    """``shared`` lets several calls share what one check measured for the others (the
    frontend area's browser pass), as one audit's checks do."""
    config = Config(target=TargetConfig(url=url, **target),
                    database=DatabaseConfig(url=database), auth=AuthConfig(**(auth or {})),
                    security=SecurityConfig(**(security or {})),
                    frontend=FrontendConfig(**(frontend or {})))
    if options:
        config = config.with_check(check_id, CheckSettings(**options))
    (selected,) = select_checks(config, only=[check_id])
    factory = functools.partial(http_client, config.target.allow_targets)
    authenticator = Authenticator(config.auth, factory, url) if config.auth.login else None
    if authenticator is not None:
        authenticator.session(0)  # as the runner does before the checks
    client = httpx.Client(base_url=url, transport=transport, timeout=config.target.timeout_s,
                          verify=tls_verify(config.target.ca_bundle),
                          auth=authenticator.httpx_auth() if authenticator else None)
    with client:
        ctx = CheckContext(target=url, config=config, client=client,
                           site=Site(client, url, config.target), profile=profile,
                           required=required, baseline=baseline,
                           shared=shared if shared is not None else {},
                           http=factory, auth=authenticator)
        return run_check(selected, ctx)
