"""golive.toml: typed, strict (an unknown key is an error that names it), with defaults.

Check options are validated by the check itself (its ``Options`` model) once plugins are loaded;
see :func:`golive.runner.select_checks`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from golive.exceptions import ConfigError

DEFAULT_CONFIG_NAME = "golive.toml"
DEFAULT_STORE_DIR = ".golive"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetConfig(_Strict):
    url: str = ""
    https_url: str = ""
    allow_targets: list[str] = Field(default_factory=list)
    health_path: str = ""
    list_endpoints: list[str] = Field(default_factory=list)
    post_endpoints: list[str] = Field(default_factory=list)
    static_paths: list[str] = Field(default_factory=list)
    openapi_path: str = "/openapi.json"
    ca_bundle: str = ""
    timeout_s: float = 10.0
    headers: dict[str, str] = Field(default_factory=dict)


class DatabaseConfig(_Strict):
    """``[database]``: the target's PostgreSQL, for the ``database`` area and the drills."""

    #: libpq DSN or URL (postgresql://user@host:5432/db); ``--db`` overrides it
    url: str = ""
    #: roles whose statements are not the application's (besides golive's own)
    ignore_roles: list[str] = Field(default_factory=list)


class SecurityConfig(_Strict):
    """``[security]``: what the security area needs beyond the target's URL."""

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
    #: let API fuzzing send non-GET requests (they may change data)
    allow_writes: bool = False


class FrontendConfig(_Strict):
    """``[frontend]``: the pages a browser audits and how."""

    #: the critical paths to audit, relative to the target (the first is the landing page)
    pages: list[str] = Field(default_factory=lambda: ["/"])
    #: Lighthouse's device preset
    form_factor: Literal["desktop", "mobile"] = "desktop"
    #: Lighthouse runs per page (the median run counts); 0 = 3 in full, 1 in quick
    runs: int = Field(default=0, ge=0, le=9)
    #: CSS selectors clicked in order for INP; empty = the first button, else the first link
    interactions: list[str] = Field(default_factory=list)
    #: same-origin links followed (HTML only) to learn how much JS the whole site serves
    crawl: int = Field(default=5, ge=0, le=50)
    #: the browser (default: $CHROME_PATH, else chromium or google-chrome on PATH)
    chromium: str = ""
    #: the Lighthouse CLI (default: the one `make install` puts in the venv, else PATH)
    lighthouse: str = ""

    @field_validator("pages")
    @classmethod
    def _relative_pages(cls, pages: list[str]) -> list[str]:
        if not pages:
            raise ValueError("list at least one page, e.g. pages = [\"/\"]")
        for page in pages:
            if not page.startswith("/"):
                raise ValueError(f"{page!r} is not a path on the target: write it as \"/...\"")
        return pages


class AuditConfig(_Strict):
    profile: Literal["quick", "full"] = "quick"
    areas: list[str] = Field(default_factory=list)
    strict: bool = False


class PlanConfig(_Strict):
    file: str = ""


class StoreConfig(_Strict):
    url: str = ""


class CheckSettings(BaseModel):
    """``[checks."area.name"]``: common keys; the rest are the check's own options."""

    model_config = ConfigDict(extra="allow")
    enabled: bool = True
    severity: Literal["blocking", "warn"] | None = None
    slo: list[str] | None = None

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class MappingRule(_Strict):
    """``[[mapping]]``: pin a plan item to a check (wins over the built-in recognisers)."""

    item: str = ""
    match: str = ""
    check: str
    slo: list[str] = Field(default_factory=list)

    @field_validator("check")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if value != "manual" and "." not in value:
            raise ValueError("must be a check id such as 'http.health', or 'manual'")
        return value


class Config(_Strict):
    target: TargetConfig = Field(default_factory=TargetConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    plan: PlanConfig = Field(default_factory=PlanConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    security: SecurityConfig = Field(default_factory=SecurityConfig)
    frontend: FrontendConfig = Field(default_factory=FrontendConfig)
    checks: dict[str, CheckSettings] = Field(default_factory=dict)
    mapping: list[MappingRule] = Field(default_factory=list)

    #: where the config was read from ("" for defaults); relative paths resolve against it
    source: str = ""

    def resolve(self, path: str) -> Path:
        base = Path(self.source).parent if self.source else Path.cwd()
        return (base / path) if path else base

    def store_url(self) -> str:
        if self.store.url:
            return self.store.url
        return f"sqlite:///{self.resolve(DEFAULT_STORE_DIR) / 'golive.db'}"


def load_config(path: str | Path | None, *, required: bool = False) -> Config:
    """Read golive.toml. Without a path, use ./golive.toml when present, else defaults."""
    if path is None:
        candidate = Path(DEFAULT_CONFIG_NAME)
        if not candidate.exists():
            return Config()
        path = candidate
    path = Path(path)
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: config file not found (create one with 'golive init')")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read: {err}") from None
    try:
        config = Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{path}: {describe_validation_error(err)}") from None
    config.source = str(path)
    return config


def describe_validation_error(err: ValidationError) -> str:
    """One line for the first problem pydantic found, naming the key."""
    first = err.errors()[0]
    loc = [str(p) for p in first["loc"]]
    key = loc[-1] if loc else "?"
    table = ".".join(loc[:-1])
    where = f"[{table}] " if table else ""
    if first["type"] == "extra_forbidden":
        return f"{where}unknown key '{key}' (check its spelling; 'golive init' writes every key)"
    return f"{where}key '{key}': {first['msg']}"
