"""Where the browser and Lighthouse are, and how to get them when they are not."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from golive.checks.frontend.settings import FrontendConfig
from golive.report.snapshot import FLAGS, find_chromium

LIGHTHOUSE_VERSION = "12.2.3"
INSTALL = ("make install (it runs `apt-get install chromium` and "
           f"`npm install -E --prefix .venv/node lighthouse@{LIGHTHOUSE_VERSION}`)")
#: flags every headless run needs here (as root the sandbox cannot start; no GPU)
CHROME_FLAGS = ("--headless=new", *FLAGS)


@dataclass(frozen=True)
class Tools:
    chromium: str | None
    lighthouse: str | None
    node: str | None

    def missing_browser(self) -> str | None:
        if self.chromium is None:
            return "no Chromium found ($CHROME_PATH, chromium, google-chrome)"
        return None

    def missing_lighthouse(self) -> str | None:
        missing = self.missing_browser()
        if missing:
            return missing
        if self.node is None:
            return "Node.js is not installed (Lighthouse runs on it)"
        if self.lighthouse is None:
            return f"Lighthouse {LIGHTHOUSE_VERSION} is not installed"
        return None


def _executable(path: str) -> str | None:
    found = shutil.which(path)
    return found if found and os.access(found, os.X_OK) else None


def find_tools(config: FrontendConfig) -> Tools:
    """The configured paths win; then the environment, the venv, and PATH."""
    chromium = find_chromium(config.chromium)
    lighthouse = None
    local = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "lighthouse"
    for candidate in (config.lighthouse, str(local), "lighthouse"):
        if candidate and (lighthouse := _executable(candidate)):
            break
    return Tools(chromium=chromium, lighthouse=lighthouse, node=_executable("node"))
