"""``golive server``: the team's readiness dashboard and CI upload API, on the same store the
CLI writes (SQLite for one person, PostgreSQL for a team). See docs/server.md.

The package imports nothing heavy itself (its commands are registered with every CLI start);
``create_app`` and ``ServerSettings`` are loaded when asked for."""

from __future__ import annotations

from typing import Any

__all__ = ["ServerSettings", "app_from_env", "create_app"]


def __getattr__(name: str) -> Any:
    if name in ("create_app", "app_from_env"):
        from golive.server import app

        return getattr(app, name)
    if name == "ServerSettings":
        from golive.server.settings import ServerSettings

        return ServerSettings
    raise AttributeError(name)
