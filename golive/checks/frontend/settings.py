"""``[frontend]``: the frontend area's own golive.toml table."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from golive.config import ConfigTable


class FrontendConfig(ConfigTable):
    """``[frontend]``: the pages a browser audits and how."""

    table: ClassVar[str] = "frontend"

    #: the critical paths to audit, relative to the target (the first is the landing page)
    pages: list[str] = Field(default_factory=lambda: ["/"])
    #: the device that decides: Lighthouse's preset and the browser's viewport. Mobile, as
    #: Lighthouse's own default and PageSpeed Insights lead with it
    form_factor: Literal["desktop", "mobile"] = "mobile"
    #: Lighthouse on the other form factor too, reported beside (unset: in the full profile)
    both_form_factors: bool | None = None
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
