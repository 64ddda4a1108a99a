"""Plan phrasing the frontend area decides."""

from __future__ import annotations

from golive.plan.mapping import GE, LT, NUM, Recogniser, fixed, mapped, pattern

RECOGNISERS: list[Recogniser] = [
    (pattern(rf"lighthouse score\s*{GE}\s*{NUM}"),
     lambda m: mapped("frontend.lighthouse", f"min_score >= {m[1]}")),
    (pattern(r"\btest with lighthouse|lighthouse audit"), fixed("frontend.lighthouse")),
    (pattern(rf"\bLCP\s*{LT}\s*{NUM}\s*(ms|s)\b"),
     lambda m: mapped("frontend.vitals", f"lcp_ms < {m[1]}{m[2].lower()}")),
    (pattern(rf"\bINP\s*{LT}\s*{NUM}\s*(ms|s)\b"),
     lambda m: mapped("frontend.vitals", f"inp_ms < {m[1]}{m[2].lower()}")),
    (pattern(rf"\bFID\s*{LT}\s*{NUM}\s*ms\b"),
     fixed("frontend.vitals", "inp_ms < 200ms",
           note="browsers no longer report FID; INP (its successor) is checked at 200 ms")),
    (pattern(rf"\bCLS\s*{LT}\s*(\d*\.\d+|\d+)"),
     lambda m: mapped("frontend.vitals", f"cls < {m[1]}")),
    (pattern(r"bundle size reduced by\s*(\d+)\s*%"),
     lambda m: mapped("frontend.bundle", f"reduction_pct >= {m[1]}%")),
    (pattern(r"analy[sz]e bundle size"), fixed("frontend.bundle")),
    (pattern(r"optimi[sz]e images"), fixed("frontend.assets", "image_issues <= 0")),
    (pattern(r"optimi[sz]e fonts"), fixed("frontend.assets", "font_issues <= 0")),
    # the browser pass draws each page's waterfall (frontend.assets' report view); what the
    # item asks the analysis to find: requests that fail and requests that block the paint
    (pattern(r"analy[sz]e (the )?network waterfall"),
     fixed("frontend.assets", "failed_resources <= 0", "render_blocking_count <= 0",
           note="each page's waterfall is drawn in the report (frontend.assets)")),
    (pattern(r"service worker"), fixed("frontend.assets", "service_worker >= 1")),
]
