"""The exceptions golive raises on purpose.

    GoliveError                 a user or config mistake: the CLI prints one line, exits 2
    ├── UsageError              bad command-line input (unknown run, bad option value)
    ├── ConfigError             golive.toml is missing, malformed or has an unknown key
    ├── PlanError               the task list cannot be read (carries file:line)
    ├── SLOError                an SLO expression cannot be parsed or does not fit its metric
    ├── TargetError             the target URL is not allowed or not well-formed
    ├── StoreError              the history database cannot be opened or has no such run
    ├── PluginError             two plugins claim one check id or config table
    └── SafetyError             a destructive check without --allow-destructive or a drill target

TargetError raised while a check runs (a redirect or a connection to a host outside the
allowlist) makes that check ``skipped`` with the refused host named; any other GoliveError
inside a check makes it ``error`` with the one line and no traceback. Anything else escaping a
check is a bug in that check: the runner records it as an ``error`` result with its traceback
and carries on.
"""

from __future__ import annotations


class GoliveError(Exception):
    """A mistake the user can fix. ``str(err)`` is the one line the CLI prints."""

    exit_code = 2


class UsageError(GoliveError):
    pass


class ConfigError(GoliveError):
    pass


class PlanError(GoliveError):
    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")


class SLOError(GoliveError):
    pass


class TargetError(GoliveError):
    pass


class StoreError(GoliveError):
    pass


class PluginError(GoliveError):
    pass


class SafetyError(GoliveError):
    pass
