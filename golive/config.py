"""golive.toml: typed, strict (an unknown key is an error that names it), with defaults.

The core owns ``[target]``, ``[audit]``, ``[plan]``, ``[store]``, ``[database]``, ``[checks]``
and ``[[mapping]]``; an area owns its own table (``[security]``, ``[frontend]``, ...) through
the ``golive_config_tables`` hook and reads it with :meth:`Config.table`. Check options are
validated by the check itself (its ``Options`` model); see :func:`golive.runner.select_checks`.

A :class:`Config` is immutable: command-line overrides make a copy (:meth:`Config.override`,
:meth:`Config.with_check`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from golive.auth import AuthConfig
from golive.exceptions import ConfigError

DEFAULT_CONFIG_NAME = "golive.toml"
DEFAULT_STORE_DIR = ".golive"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConfigTable(_Strict):
    """Base of an area's own golive.toml table; ``table`` is its name (``[frontend]``)."""

    table: ClassVar[str] = ""


T = TypeVar("T", bound=ConfigTable)


class TargetConfig(_Strict):
    url: str = ""
    https_url: str = ""
    #: hosts besides loopback golive may connect to (every connection, redirects included)
    allow_targets: list[str] = Field(default_factory=list)
    #: hosts destructive drills may act on (with --allow-destructive); loopback included
    drill_targets: list[str] = Field(default_factory=list)
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


class AuditConfig(_Strict):
    profile: Literal["quick", "full"] = "quick"
    areas: list[str] = Field(default_factory=list)
    strict: bool = False
    #: the project runs are filed under (the server groups runs by it)
    project: str = "default"


class PlanConfig(_Strict):
    file: str = ""


class StoreConfig(_Strict):
    url: str = ""


class CheckSettings(BaseModel):
    """``[checks."area.name"]``: common keys; the rest are the check's own options."""

    model_config = ConfigDict(extra="allow", frozen=True)
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


class Config(BaseModel):
    # area tables ([frontend], ...) arrive as extra keys, validated by load_config
    model_config = ConfigDict(extra="allow", frozen=True)

    target: TargetConfig = Field(default_factory=TargetConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    plan: PlanConfig = Field(default_factory=PlanConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    checks: dict[str, CheckSettings] = Field(default_factory=dict)
    mapping: list[MappingRule] = Field(default_factory=list)

    #: where the config was read from ("" for defaults); relative paths resolve against it
    source: str = ""

    def resolve(self, path: str) -> Path:
        base = Path(self.source).parent if self.source else Path.cwd()
        return (base / path) if path else base

    def table(self, model: type[T]) -> T:
        """An area's own table, validated by its model (defaults when absent)."""
        value = (self.model_extra or {}).get(model.table)
        if isinstance(value, model):
            return value
        try:
            return model.model_validate(value or {})
        except ValidationError as err:
            raise ConfigError(f"{self.source or 'golive.toml'}: [{model.table}] "
                              f"{describe_validation_error(err).removeprefix('[] ')}") from None

    def tables(self) -> dict[str, Any]:
        """The area tables given (name -> raw value or model)."""
        return dict(self.model_extra or {})

    def override(self, **changes: Any) -> Config:
        """A copy with some top-level values replaced, e.g. ``override(database=...)``."""
        return self.model_copy(update=changes)

    def with_database_url(self, url: str) -> Config:
        return self.override(database=self.database.model_copy(update={"url": url}))

    def with_check(self, check_id: str, settings: CheckSettings) -> Config:
        """A copy whose ``[checks."check_id"]`` is ``settings``."""
        return self.override(checks={**self.checks, check_id: settings})

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
        config = Config.model_validate({**data, "source": str(path)})
    except ValidationError as err:
        raise ConfigError(f"{path}: {describe_validation_error(err)}") from None
    validate_tables(config)
    return config


def validate_tables(config: Config) -> None:
    """Every area table validates against its model; an unknown table is an error."""
    from golive.plugins import config_tables

    known = config_tables()
    where = config.source or DEFAULT_CONFIG_NAME
    for name in config.tables():
        if name not in known:
            core = ", ".join(n for n in Config.model_fields if n != "source")
            raise ConfigError(
                f"{where}: unknown table [{name}] (golive's tables: {core}; "
                f"installed areas add: {', '.join(sorted(known)) or 'none'})")
        config.table(known[name])


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
