"""OWASP Top 10 (2021, and the 2025 release candidate): which checks cover each category, their
outcome in a run, and what stays manual. Outside-in checks cover part of each category at most."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from golive.blocks import Section, Table
from golive.results import STATUS_ORDER, Result, Status
from golive.store import RunRecord

#: (id, name, checks, what stays manual)
OWASP_2021: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("A01:2021", "Broken Access Control",
     ("security.probes", "security.observatory"),
     "authorisation rules per role and object (IDOR), reviewed by people"),
    ("A02:2021", "Cryptographic Failures",
     ("security.tls", "http.tls", "security.observatory"),
     "data at rest, key management, password hashing"),
    ("A03:2021", "Injection", ("security.api_fuzz", "security.sast"),
     "queries built outside the scanned source; a manual review of raw SQL"),
    ("A04:2021", "Insecure Design", (), "threat modelling, abuse cases, design review"),
    ("A05:2021", "Security Misconfiguration",
     ("security.observatory", "security.passive", "security.probes", "http.security_headers",
      "http.error_hygiene"), "cloud and infrastructure settings"),
    ("A06:2021", "Vulnerable and Outdated Components", ("security.dependencies",),
     "OS packages, container images, front-end packages"),
    ("A07:2021", "Identification and Authentication Failures",
     ("security.rate_limit", "security.probes", "security.passive"),
     "password policy, MFA, session lifetime and rotation"),
    ("A08:2021", "Software and Data Integrity Failures",
     ("security.observatory", "security.passive"),
     "signed builds, CI/CD pipeline integrity, safe deserialisation"),
    ("A09:2021", "Security Logging and Monitoring Failures", (),
     "audit logs of security events, alerting on them"),
    ("A10:2021", "Server-Side Request Forgery", ("security.api_fuzz",),
     "every feature that fetches a URL given by a user"),
)

OWASP_2025: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("A01:2025", "Broken Access Control", ("security.probes", "security.observatory"),
     "authorisation per role and object (IDOR), SSRF in URL-fetching features"),
    ("A02:2025", "Security Misconfiguration",
     ("security.observatory", "security.passive", "security.probes", "http.security_headers",
      "http.error_hygiene"), "cloud and infrastructure settings"),
    ("A03:2025", "Software Supply Chain Failures", ("security.dependencies",),
     "build pipeline, signed artefacts, front-end and OS packages"),
    ("A04:2025", "Cryptographic Failures", ("security.tls", "http.tls"),
     "data at rest, key management, password hashing"),
    ("A05:2025", "Injection", ("security.api_fuzz", "security.sast"),
     "a manual review of raw queries and templates"),
    ("A06:2025", "Insecure Design", (), "threat modelling, abuse cases"),
    ("A07:2025", "Authentication Failures",
     ("security.rate_limit", "security.probes", "security.passive"),
     "password policy, MFA, session lifetime"),
    ("A08:2025", "Software or Data Integrity Failures", ("security.observatory",
                                                         "security.passive"),
     "signed updates, safe deserialisation"),
    ("A09:2025", "Logging & Alerting Failures", (),
     "security events logged and alerted on (the monitoring area)"),
    ("A10:2025", "Mishandling of Exceptional Conditions",
     ("http.error_hygiene", "security.api_fuzz", "security.passive"),
     "fail-closed behaviour in every error path"),
)


def owasp_table(results: Iterable[Result]) -> dict[str, list[dict[str, Any]]]:
    """Both editions: per category the covering checks that ran, the worst outcome among them,
    and what stays manual."""
    by_id = {r.check: r for r in results}
    tables: dict[str, list[dict[str, Any]]] = {}
    for edition, rows in (("2021", OWASP_2021), ("2025-rc", OWASP_2025)):
        table = []
        for cat_id, name, checks, manual in rows:
            ran = [by_id[c] for c in checks if c in by_id]
            decided = [r for r in ran if r.status not in (Status.SKIPPED,)]
            worst = min((r.status for r in decided), key=lambda s: STATUS_ORDER[s],
                        default=Status.MANUAL if not checks else Status.SKIPPED)
            table.append({"id": cat_id, "name": name,
                          "checks": [{"check": r.check, "status": str(r.status)} for r in ran],
                          "outcome": str(worst), "manual": manual})
        tables[edition] = table
    return tables


def owasp_section(run: RunRecord) -> list[Section]:
    """The report's OWASP Top 10 section (both editions), when the run holds security
    results."""
    if not any(r.area == "security" for r in run.results):
        return []
    blocks = []
    for edition, rows in owasp_table(run.results).items():
        blocks.append(Table(
            f"OWASP Top 10 {edition}", ("outcome", "category", "checks", "stays manual"),
            tuple((row["outcome"], f"{row['id']} {row['name']}",
                   ", ".join(f"{c['check']} {c['status']}" for c in row["checks"]) or "—",
                   row["manual"]) for row in rows),
            status="outcome"))
    return [Section("owasp", "OWASP Top 10", tuple(blocks))]
