"""frontend.vitals: Core Web Vitals in a real browser (LCP, CLS, INP) plus FCP and TTFB.

Measured with Google's ``web-vitals`` library in Chromium, one cold visit per page and one
scripted interaction for INP. FID is not reported: browsers stopped exposing it when INP replaced
it as a Core Web Vital (March 2024), so a plan's "FID < 100 ms" is checked as INP < 200 ms.
"""

from __future__ import annotations

from typing import Any

from golive.blocks import Block, Note
from golive.checks import Check, CheckContext, lower
from golive.checks.frontend.browser import PageProfile
from golive.checks.frontend.scores import LabVitals
from golive.checks.frontend.visit import browser_pass
from golive.results import Measurement, Result


class WebVitals(Check):
    id = "frontend.vitals"
    title = "Core Web Vitals in a real browser (LCP, CLS, INP)"
    fix = ("LCP: serve the largest image or text fast (preload it, no lazy loading above the "
           "fold, small images); CLS: give images and embeds their size; INP: break up long "
           "tasks in event handlers.")
    slo = ("lcp_ms < 2500ms", "cls < 0.1", "inp_ms < 200ms")
    better = lower("lcp_ms", "cls", "inp_ms", "fcp_ms", "ttfb_ms")
    requires = ("frontend.lighthouse",)  # its lab CLS, set beside the browser pass's

    @classmethod
    def views(cls, result: Result) -> list[Block]:
        notes = result.evidence.get("cls_differs")
        if not isinstance(notes, list) or not notes:
            return []
        text = " ".join(str(n) for n in notes) + " " + CLS_WINDOWS
        return [Note(text, title="Two CLS figures")]

    def run(self, ctx: CheckContext) -> Measurement:
        visit = browser_pass(ctx)
        if (gap := visit.gap()) is not None:
            return gap
        metrics: dict[str, float] = {}
        pages: dict[str, Any] = {}
        for profile in visit.profiles:
            pages[profile.page] = {"vitals": profile.vitals, "attribution": profile.attribution,
                                   "interaction": profile.interaction or "none",
                                   "notes": profile.notes,
                                   "console_errors": profile.console_errors[:10]}
            for name, value in profile.vitals.items():
                metrics[name] = max(metrics.get(name, value), value)  # the worst page
        evidence: dict[str, Any] = {
            "pages": pages, **visit.evidence(),
            "method": "web-vitals (reportAllChanges) in Chromium, one cold visit per page; "
                      "lab figures, not field p75",
            "fid": "not measured: browsers no longer report FID; INP replaced it (March 2024)",
        }
        parts = []
        for name in ("lcp_ms", "cls", "inp_ms"):
            if name in metrics:
                value = metrics[name]
                parts.append(f"{name.removesuffix('_ms').upper()} "
                             + (f"{value:.3f}" if name == "cls" else f"{value:.0f} ms"))
        no_inp = [p for p in visit.profiles if "inp_ms" not in p.vitals]
        summary = ", ".join(parts)
        if no_inp:
            why = ("nothing to click" if all(not p.interaction for p in no_inp)
                   else "no interaction was reported")
            summary += (f"; INP not measured on {', '.join(p.page for p in no_inp)} ({why}: "
                        "declare [frontend] interactions)")
        if visit.left_out:
            summary += f"; left out: {'; '.join(visit.left_out)}"
        differs = cls_differences(ctx.fact(LabVitals), visit.profiles)
        if differs:
            evidence["cls_differs"] = differs
            evidence["cls_windows"] = CLS_WINDOWS
            summary += "; " + " ".join(differs) + " (see the note on the two windows)"
        return Measurement(metrics=metrics, evidence=evidence, summary=summary)


#: what each CLS covers, said wherever the two disagree
CLS_WINDOWS = (
    "Lighthouse's CLS comes from one navigation recorded until the page is quiet, in its "
    "emulated device, with layout shifts inside iframes counted; the browser pass's comes from "
    "web-vitals in the main frame over the whole visit, including the interaction, and leaves "
    "out shifts within 500 ms of that input (they are expected). Both are lab figures from one "
    "load; cls < 0.1 is decided on the browser pass's. A shift that appears in only one is "
    "usually timing-dependent (a font or image arriving after the first layout): give images "
    "and embeds their size and fonts a matching fallback.")
#: a difference this large (or on either side of the 0.1 bar) is explained
CLS_GAP = 0.05


def cls_differences(lab: LabVitals | None, profiles: list[PageProfile]) -> list[str]:
    """One sentence per page where Lighthouse's and the browser pass's CLS disagree."""
    if lab is None:
        return []
    out = []
    for profile in profiles:
        ours, theirs = profile.vitals.get("cls"), lab.pages.get(profile.page, {}).get("cls")
        if ours is None or theirs is None:
            continue
        if abs(ours - theirs) >= CLS_GAP or (ours < 0.1) != (theirs < 0.1):
            out.append(f"On {profile.page} Lighthouse measured CLS {theirs:.3f} "
                       f"({lab.form_factor}) and the browser pass {ours:.3f}.")
    return out
