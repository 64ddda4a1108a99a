"""The HTML report as a person sees it: screenshots of its first screens and a PDF, from the
system Chromium (through Playwright). The report is a local file with no external URL; the
browser is given no network beyond loopback either (:func:`golive.safety.browser_args`)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from golive.exceptions import GoliveError
from golive.safety import browser_args

#: what every headless Chromium golive starts needs here (as root the sandbox cannot
#: start; no GPU; nothing fetched in the background); the frontend area adds --headless=new
FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage")
#: the screen a report's first screen is designed for
SCREEN = (1280, 900)


class NoBrowser(GoliveError):
    """No Chromium to render the report with."""


def find_chromium(configured: str = "") -> str | None:
    """The browser: ``configured`` when it runs, else $CHROME_PATH, else one on PATH."""
    for candidate in (configured, os.environ.get("CHROME_PATH", ""), "chromium",
                      "chromium-browser", "google-chrome", "google-chrome-stable"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


@dataclass(frozen=True)
class Box:
    """Where an element is drawn, in CSS pixels from the top left of the viewport."""

    top: float
    bottom: float
    left: float
    right: float


class ReportBrowser:
    """A headless Chromium for report files: ``with ReportBrowser() as b: b.pdf(...)``."""

    def __init__(self, chromium: str | None = None) -> None:
        self.chromium = chromium or find_chromium()
        if self.chromium is None:
            raise NoBrowser("no Chromium found to render the report ($CHROME_PATH, chromium): "
                            "install it (make install) or leave out --pdf")
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(
                executable_path=self.chromium, headless=True,
                args=[*FLAGS, *browser_args(())])
        except Exception:
            self._pw.stop()
            raise

    def __enter__(self) -> ReportBrowser:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None
                 ) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._pw.stop()

    def _page(self, report: Path, anchor: str, size: tuple[int, int]) -> Any:
        page = self._browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.goto(report.resolve().as_uri() + (f"#{anchor}" if anchor else ""),
                  wait_until="load")
        return page

    def screenshot(self, report: Path, out: Path, *, anchor: str = "",
                   size: tuple[int, int] = SCREEN, boxes: tuple[str, ...] = ()
                   ) -> dict[str, Box | None]:
        """The screen the report shows at ``anchor`` (a section's id), as a PNG; and where the
        elements ``boxes`` (CSS selectors) are drawn on it (None: not in the page)."""
        page = self._page(report, anchor, size)
        try:
            page.screenshot(path=str(out))
            found: dict[str, Box | None] = {}
            for selector in boxes:
                rect = page.evaluate(
                    "s => { const e = document.querySelector(s); if (!e) return null;"
                    " const r = e.getBoundingClientRect();"
                    " return [r.top, r.bottom, r.left, r.right]; }", selector)
                found[selector] = Box(*rect) if rect else None
            return found
        finally:
            page.close()

    def pdf(self, report: Path, out: Path) -> int:
        """The report printed to A4 (failing areas opened), as Chromium prints it; returns
        the number of pages."""
        page = self._page(report, "", SCREEN)
        try:
            page.evaluate("() => document.querySelectorAll('details.has-fail')"
                          ".forEach(d => d.open = true)")
            page.emulate_media(media="print")
            data = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        finally:
            page.close()
        out.write_bytes(data)
        return pdf_pages(data)


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF Chromium wrote (its page objects; no parser needed for our own files)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def write_pdf(html: str, out: str | Path) -> int:
    """``html`` (a rendered report) printed to the PDF ``out``; returns its pages."""
    with tempfile.TemporaryDirectory(prefix="golive-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        with ReportBrowser() as browser:
            return browser.pdf(page, Path(out))


def first_screen_parts(anchor: str) -> tuple[str, ...]:
    """What the first screen at ``anchor`` must show: the verdict, the plan progress, the
    heading of the failures and the first of them (or its "no check fails")."""
    key = "compare" if anchor == "compare" else anchor.removeprefix("run-")
    verdict = "#compare-verdict" if key == "compare" else f"#verdict-{key}"
    return (verdict, f"#plan-{key}", f"#failures-{key} h3",
            f"#failures-{key} .failure, #failures-{key} p")


def screenshots(report: Path, folder: Path, sections: dict[str, str]
                ) -> dict[str, tuple[Path, dict[str, Box | None]]]:
    """A PNG of each section's first screen (name -> anchor) at 1280x900, with where the
    verdict, the plan progress and the first failure are drawn on it."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    with ReportBrowser() as browser:
        for name, anchor in sections.items():
            png = folder / f"{name}.png"
            out[name] = (png, browser.screenshot(report, png, anchor=anchor,
                                                 boxes=first_screen_parts(anchor)))
    return out


def off_screen(boxes: dict[str, Box | None], height: int = SCREEN[1]) -> list[str]:
    """The parts that are missing or not wholly inside the first screen."""
    return [selector for selector, box in boxes.items()
            if box is None or box.top < 0 or box.bottom > height]
