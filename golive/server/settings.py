"""The server's settings (``golive server`` options, or ``GOLIVE_SERVER_*`` variables for the
worker processes)."""

from __future__ import annotations

import json
import os

from pydantic import BaseModel, Field

ENV = "GOLIVE_SERVER_SETTINGS"


class ServerSettings(BaseModel):
    #: the history database URL
    store: str = "sqlite:///.golive/golive.db"
    #: an upload larger than this is refused with 413 before it is read
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    #: runs per page of a project (a request may ask for up to browse.MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=200)
    #: the branch a branch's run is compared with by default
    base_branch: str = "main"
    #: uploads per token, and failed token checks per client address (limits' notation)
    upload_rate: str = "120/minute"
    auth_failure_rate: str = "20/minute"
    #: where the rate limits count: memory:// (one process) or redis://host:port
    rate_storage: str = "memory://"
    #: Redis (redis://host:port/db): the cache and the rate limits shared by every worker
    redis_url: str = ""
    #: seconds a project list or a trend query is served from the cache (emptied on upload)
    cache_ttl_s: float = Field(default=30.0, ge=0)

    def to_env(self) -> dict[str, str]:
        return {ENV: self.model_dump_json()}

    @classmethod
    def from_env(cls) -> ServerSettings:
        raw = os.environ.get(ENV)
        return cls.model_validate(json.loads(raw)) if raw else cls()
