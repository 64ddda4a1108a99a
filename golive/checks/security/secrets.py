"""security.secrets: hard-coded secrets (detect-secrets, never verified online), without the
noise that buries the real ones.

detect-secrets finds candidates by shape and entropy. Three things turn them into findings a
team acts on:
- known false-positive shapes are filtered, each with its reason counted: Alembic and Django
  migration revision ids, integrity hashes in lock files, placeholder values (``changeme``,
  ``xxx``, ``your-secret-here``, ``<token>``, ``${VAR}``);
- candidates in tests, fixtures, examples, docs and migrations are kept apart (listed, not
  counted in ``secrets``: info by default), or left out when ``non_production = "ignore"``;
- a hard-coded fallback for a secret-looking setting (``os.environ.get("SECRET_KEY",
  "secret-key")``, ``process.env.JWT_SECRET || "dev"``) is a finding of its own: detect-secrets
  does not see it (the value is short and plain), and it is what runs in production the day
  the variable is missing.
A secret's value is never shown or stored.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, lower
from golive.checks.security.code import run_json, source_and_tool, source_files
from golive.results import Finding, Measurement, Severity

#: paths that do not ship to production: tests, fixtures, examples, docs, migrations
NON_PRODUCTION = (
    r"(^|/)(tests?|testing|spec|specs|__tests__|fixtures?|testdata|test_data|examples?|"
    r"samples?|demo|docs?|migrations|alembic|versions)/"
    r"|(^|/)(test_[^/]*|[^/]*_test\.[a-z]+|[^/]*\.(spec|test)\.[jt]sx?|conftest\.py)$"
    r"|\.(example|sample|template|md|rst)$|(^|/)\.env\.(example|sample|template)$")
LOCK_FILES = {"poetry.lock", "Pipfile.lock", "package-lock.json", "yarn.lock",
              "pnpm-lock.yaml", "uv.lock", "Cargo.lock", "composer.lock", "Gemfile.lock",
              "go.sum"}
_REVISION = re.compile(r"^\s*(down_revision|revision|branch_labels|depends_on)\s*[:=]"
                       r"|^\s*(Revision ID|Revises|Create Date)\s*:", re.IGNORECASE)
_HASH = re.compile(r"--hash[= ]sha(256|384|512):|\bsha(1|256|384|512)-[A-Za-z0-9+/=]{20,}"
                   r"|\"integrity\"\s*:|\bintegrity\s+sha", re.IGNORECASE)
_QUOTED = re.compile(r"""(['"`])((?:(?!\1).){1,200})\1""")
_PLACEHOLDER_WORDS = ("changeme", "change-me", "change_me", "changethis", "replace", "placeholder",
                      "dummy", "example", "sample", "your", "redacted", "insert", "todo",
                      "fixme", "notsecret", "not-a-secret", "not_a_secret", "xxxx")
_PLACEHOLDER_VALUES = {"secret", "password", "passwd", "test", "testing", "foo", "bar", "baz",
                       "null", "none", "token", "key", "dev", "development", "local", "admin"}
_TEMPLATE = re.compile(r"^(<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\([^)]*\)s|\$[A-Z_][A-Z0-9_]*)$")
#: a setting whose name says it holds a secret
SECRET_NAME = (r"[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|APIKEY|"
               r"SIGNING_KEY|JWT_KEY|CREDENTIALS?|ENCRYPTION_KEY)[A-Z0-9_]*")
_FALLBACKS = (
    # os.environ.get("X", "v"), os.getenv("X", "v"), environ.get, setdefault, decouple's
    # config("X", default="v"), django-environ's env("X", default="v") / env.str(...)
    re.compile(r"""(?:environ\.get|getenv|environ\.setdefault|\bconfig|\benv(?:\.str)?)\(\s*"""
               r"""(?P<q1>['"])(?P<name>""" + SECRET_NAME + r""")(?P=q1)\s*,\s*"""
               r"""(?:default\s*=\s*)?(?P<q2>['"])(?P<value>(?:(?!(?P=q2)).)+)(?P=q2)""",
               re.IGNORECASE),
    # process.env.X || "v", process.env.X ?? "v", process.env["X"] || 'v'
    re.compile(r"""process\.env(?:\.|\[\s*['"])(?P<name>""" + SECRET_NAME
               + r""")(?:['"]\s*\])?\s*(?:\|\||\?\?)\s*(?P<q>['"`])"""
               r"""(?P<value>(?:(?!(?P=q)).)+)(?P=q)""", re.IGNORECASE),
)
_CODE_SUFFIXES = {".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".rb", ".php"}


def is_placeholder(value: str) -> bool:
    v = value.strip().lower()
    if not v or _TEMPLATE.match(value.strip()) or len(set(v) - {"-", "_", "."}) <= 1:
        return True
    return v in _PLACEHOLDER_VALUES or any(w in v for w in _PLACEHOLDER_WORDS)


def false_positive(path: str, line: str) -> str | None:
    """Why a detect-secrets candidate on this line is not a secret, or None."""
    if Path(path).name in LOCK_FILES or _HASH.search(line):
        return "hash in a lock or requirements file"
    if _REVISION.search(line):
        return "migration revision id"
    values = [m.group(2) for m in _QUOTED.finditer(line)]
    if values and all(is_placeholder(v) for v in values):
        return "placeholder value"
    return None


@dataclass(frozen=True)
class Fallback:
    path: str
    line: int
    name: str
    placeholder: bool


def fallbacks(root: Path, exclude: re.Pattern[str]) -> list[Fallback]:
    """Hard-coded defaults of secret-looking settings in the source under ``root``."""
    found = []
    for rel, file in source_files(root, lambda rel: Path(rel).suffix in _CODE_SUFFIXES
                                  and not exclude.search(rel)):
        try:
            if file.stat().st_size > 1_000_000:
                continue
            text = file.read_text(errors="replace")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for pattern in _FALLBACKS:
                for m in pattern.finditer(line):
                    found.append(Fallback(rel, number, m.group("name"),
                                          is_placeholder(m.group("value"))))
    return found


class _Lines:
    """The lines of the files detect-secrets names, each file read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str:
        if path not in self.files:
            try:
                self.files[path] = (self.root / path).read_text(errors="replace").splitlines()
            except OSError:
                self.files[path] = []
        lines = self.files[path]
        return lines[number - 1] if 0 < number <= len(lines) else ""


class SecretsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: a regular expression of paths to leave out (detect-secrets --exclude-files)
    exclude_files: str = r"(^|/)(\.venv|venv|node_modules|\.git|\.golive|dist|build)/"
    #: paths that do not ship (tests, fixtures, examples, docs, migrations)
    non_production_paths: str = NON_PRODUCTION
    #: what a candidate there becomes, never counted in ``secrets``: "info" (listed, the check
    #: can pass), "low" (a warning) or "ignore" (left out, counted among the filtered)
    non_production: str = Field("info", pattern="^(info|low|ignore)$")
    timeout_s: float = Field(300.0, gt=0)


class Secrets(Check):
    id = "security.secrets"
    title = "No hard-coded secrets (detect-secrets, never verified online)"
    fix = ("Move the secret to the environment or a secret manager, rotate it (it is in the "
           "history), and keep it out of the repository.")
    slo = ("secrets == 0",)
    better = lower("secrets", "fallback_secrets")
    needs_target = False
    Options = SecretsOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: SecretsOptions = self.options  # type: ignore[assignment]
        found = source_and_tool(ctx, "detect-secrets", what="scan", source_hint=".",
                                install="pip install detect-secrets")
        if isinstance(found, Measurement):
            return found
        src, exe = found
        cmd = [exe, "scan", "--all-files", "--no-verify", "--exclude-files", opts.exclude_files,
               "."]
        report, failed = run_json("detect-secrets", cmd, opts.timeout_s, cwd=src)
        if failed is not None:
            return failed
        elsewhere = re.compile(opts.non_production_paths)
        seen: dict[tuple[str, int], list[str]] = {}
        for path, items in (report.get("results") or {}).items():
            for item in items:
                seen.setdefault((path, int(item["line_number"])), []).append(item["type"])
        lines = _Lines(src)
        filtered: Counter[str] = Counter()
        dropped: list[str] = []
        findings: list[Finding] = []
        production = non_production = 0
        for (path, line), kinds in sorted(seen.items()):
            reason = false_positive(path, lines.line(path, line))
            if reason is not None:
                filtered[reason] += 1
                dropped.append(f"{path}:{line}: {reason}")
                continue
            shipped = not elsewhere.search(path)
            if not shipped and opts.non_production == "ignore":
                filtered["not shipped (tests, fixtures, examples, docs, migrations)"] += 1
                dropped.append(f"{path}:{line}: not shipped")
                continue
            production += shipped
            non_production += not shipped
            what = " / ".join(sorted(set(kinds)))
            findings.append(Finding(
                "Hard-coded secret" if shipped else "Hard-coded secret outside production code",
                Severity.HIGH if shipped else Severity(opts.non_production),
                location=f"{path}:{line}",
                detail=(f"{what} (value not shown, never sent anywhere)" if shipped else
                        f"{what} in a test, fixture, example or migration (value not shown): "
                        "make sure it is not a real one"),
                fix=self.fix))
        weak = [f for f in fallbacks(src, re.compile(opts.exclude_files))
                if not (elsewhere.search(f.path) and opts.non_production == "ignore")]
        weak_shipped = 0
        for fb in weak:
            shipped = not elsewhere.search(fb.path)
            weak_shipped += shipped
            findings.append(Finding(
                f"Hard-coded fallback for {fb.name}",
                Severity.HIGH if shipped else Severity(opts.non_production),
                location=f"{fb.path}:{fb.line}",
                detail=(f"{fb.name} falls back to a value written in the source"
                        + (" (a placeholder)" if fb.placeholder else "")
                        + ": when the variable is missing in production the service runs, "
                        "signing or encrypting with a key anyone with the code can read "
                        "(value not shown)"),
                fix=(f"read {fb.name} without a default and fail at start-up when it is "
                     "missing (os.environ[\"NAME\"]); rotate it if the default was ever used")))
        counted = production + weak_shipped
        summary = (f"detect-secrets: {production} secret(s) in production code, "
                   f"{non_production} outside it; {weak_shipped} hard-coded fallback(s)")
        if filtered:
            summary += "; filtered: " + ", ".join(f"{n} {r}" for r, n in filtered.most_common())
        return Measurement(
            metrics={"secrets": float(counted), "detected_secrets": float(production),
                     "fallback_secrets": float(weak_shipped),
                     "secrets_outside_production": float(non_production),
                     "filtered_candidates": float(sum(filtered.values()))},
            findings=findings,
            evidence={"command": cmd, "plugins": [p.get("name") for p in
                                                  report.get("plugins_used", [])],
                      "filtered": dict(filtered), "filtered_locations": dropped[:200],
                      "non_production_paths": opts.non_production_paths},
            summary=summary)
