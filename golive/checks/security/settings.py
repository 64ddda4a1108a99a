"""``[security]``: the security area's own golive.toml table."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from golive.config import ConfigTable


class SecurityConfig(ConfigTable):
    """``[security]``: what the security area needs beyond the target's URL."""

    table: ClassVar[str] = "security"

    #: the project's source folder (SAST and secrets scans); "" skips them
    source: str = ""
    #: requirement or lock files for the dependency audit (pip-audit)
    requirements: list[str] = Field(default_factory=list)
    #: an OSV-compatible vulnerability service (mirrors, offline use); "" = PyPI's JSON API
    osv_url: str = ""
    #: paths that must refuse requests without valid credentials (401/403)
    protected: list[str] = Field(default_factory=list)
    #: endpoints to burst for rate limiting ("POST /api/login"); default: login-like POSTs
    rate_limited: list[str] = Field(default_factory=list)
    #: let API fuzzing send non-GET requests (they may change data), and security.enumeration
    #: try registration and password recovery
    allow_writes: bool = False
    #: interactive API docs and schema are meant to be public (security.exposed_docs: info)
    public_docs: bool = False
    #: an account that exists, for security.enumeration (default: [auth]'s user)
    known_account: str = ""
