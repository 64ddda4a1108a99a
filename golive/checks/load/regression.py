"""Is a run slower than its baseline? A change must be big enough AND not noise.

Per endpoint (and overall when there is one endpoint), for p50, p95 and p99: the change
counts only when both runs have ten samples beyond the percentile, it exceeds max(5 %, 2 ms)
and a bootstrap of the two latency histograms (resampling each run's recorded latencies) puts
the lower 95 % bound of the difference above zero. Verdicts are golive's comparison vocabulary
(:mod:`golive.compare`): improvement, regression, same, too few samples, not judged.
Throughput and error rate are compared too: a drop of more than 5 % in rps, a rise of more
than one point in errors, each also beyond three standard errors of the counts (a random
request mix moves an endpoint's share of the traffic by a few per cent from run to run).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from golive.checks.load.analysis import decode, min_samples

PCTS = {"p50_ms": 50.0, "p95_ms": 95.0, "p99_ms": 99.0}
REL, ABS_MS = 0.05, 2.0
RESAMPLES, DRAWS = 200, 2000


def _samples(encoded: str) -> tuple[np.ndarray, np.ndarray, int]:
    h = decode(encoded)
    values, counts = [], []
    for item in h.get_recorded_iterator():
        values.append(item.value_iterated_to / 1000)
        counts.append(item.count_at_value_iterated_to)
    v = np.asarray(values, dtype=float)
    c = np.asarray(counts, dtype=float)
    return v, c / c.sum() if c.sum() else c, int(h.total_count)


def bootstrap_lower_bound(before: str, after: str, pct: float, *, seed: int = 0) -> float:
    """Lower 95 % bound of (after - before) for percentile ``pct``, in ms."""
    rng = np.random.default_rng(seed)
    vb, pb, nb = _samples(before)
    va, pa, na = _samples(after)
    db, da = min(nb, DRAWS), min(na, DRAWS)
    sb = np.percentile(rng.choice(vb, size=(RESAMPLES, db), p=pb), pct, axis=1)
    sa = np.percentile(rng.choice(va, size=(RESAMPLES, da), p=pa), pct, axis=1)
    return float(np.percentile(sa - sb, 5))


def _z(metric: str, fb: dict[str, float], fa: dict[str, float]) -> float:
    """How many standard errors apart two runs' rates are (Poisson counts for rps, two
    proportions for the error rate)."""
    nb, na = fb.get("requests", 0.0), fa.get("requests", 0.0)
    if not nb or not na:
        return 0.0
    if metric == "rps":
        sb, sa = nb / fb["rps"], na / fa["rps"]  # seconds of each window
        se = float(np.sqrt(nb / sb**2 + na / sa**2))
        return (fa["rps"] - fb["rps"]) / se if se else 0.0
    pb, pa = fb["error_rate_pct"] / 100, fa["error_rate_pct"] / 100
    pooled = (pb * nb + pa * na) / (nb + na)
    se = float(np.sqrt(pooled * (1 - pooled) * (1 / nb + 1 / na)))
    return (pa - pb) / se if se else 0.0


def compare_load(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of (endpoint, metric, before, after, change, verdict) from two load.latency
    evidence dicts (their ``endpoints`` figures and ``histograms``)."""
    rows: list[dict[str, Any]] = []
    eb, ea = before.get("endpoints", {}), after.get("endpoints", {})
    hb, ha = before.get("histograms", {}), after.get("histograms", {})
    names = ["", *sorted(set(eb) & set(ea))]
    for name in names:
        fb = before.get("overall", {}) if name == "" else eb[name]
        fa = after.get("overall", {}) if name == "" else ea[name]
        for metric, pct in PCTS.items():
            if metric not in fb or metric not in fa:
                continue
            change = fa[metric] - fb[metric]
            row: dict[str, Any] = {
                "endpoint": name or "overall", "metric": metric, "before": fb[metric],
                "after": fa[metric], "change": round(change, 3),
                "change_pct": round(100 * change / fb[metric], 1) if fb[metric] else None,
                "threshold": round(max(REL * fb[metric], ABS_MS), 3),
            }
            big = abs(change) > row["threshold"]
            # a percentile is judged only with ten samples beyond it in both runs (the rule
            # of the latency analysis): p99 of a few hundred requests is a handful of values
            enough = min(fb.get("requests", 0.0), fa.get("requests", 0.0)) >= min_samples(pct)
            if big and name == "" and len(names) > 2:
                # overall percentiles of a mix of endpoints move with the mix (a bimodal mix's
                # median jumps between modes when a share moves by a point): judged per endpoint
                row["verdict"] = "not judged"
                row["note"] = "overall percentiles of a request mix: judged per endpoint"
            elif big and not enough:
                row["verdict"] = "too few samples"
                row["note"] = (f"{metric[:3]} needs {min_samples(pct)} requests in both runs "
                               f"(had {int(fb.get('requests', 0))} and "
                               f"{int(fa.get('requests', 0))})")
            elif big and hb.get(name) and ha.get(name):
                lower = bootstrap_lower_bound(hb[name], ha[name], pct)
                upper = -bootstrap_lower_bound(ha[name], hb[name], pct)
                row["ci95_lower_ms"] = round(lower, 3)
                row["verdict"] = ("regression" if change > 0 and lower > 0 else
                                  "improvement" if change < 0 and upper < 0 else "same")
                if row["verdict"] == "same":
                    row["note"] = "within noise: the 95 % interval of the change includes 0"
            elif big:
                row["verdict"] = "not judged"
                row["note"] = "no latency histogram to test the change with"
            else:
                row["verdict"] = "same"
            rows.append(row)
        for metric in ("rps", "error_rate_pct"):
            if metric in fb and metric in fa:
                b, a = fb[metric], fa[metric]
                z = _z(metric, fb, fa)
                worse = (a < b * (1 - REL) if metric == "rps" else a > b + 1.0) and abs(z) > 3
                better = (a > b * (1 + REL) if metric == "rps" else a < b - 1.0) and abs(z) > 3
                rows.append({"endpoint": name or "overall", "metric": metric,
                             "before": fb[metric], "after": fa[metric],
                             "change": round(fa[metric] - fb[metric], 3),
                             "verdict": "regression" if worse else
                             "improvement" if better else "same"})
    return rows
