"""The project's code and dependencies: pip-audit (vulnerable dependencies, any OSV-compatible
service) and bandit (static analysis), with the helpers security.secrets shares. Each tool runs
as a child process of this Python; none runs project code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, lower
from golive.checks.security.settings import SecurityConfig
from golive.results import Finding, Measurement, Severity
from golive.safety import check_host

#: where pip-audit looks vulnerabilities up without [security] osv_url
PYPI = "pypi.org"

EXCLUDED_DIRS = (".venv", "venv", "node_modules", ".git", "build", "dist", "__pycache__",
                 ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".golive")
RANK = {"low": 1, "medium": 2, "high": 3}


def source_files(root: Path, accept: Callable[[str], bool]) -> Iterator[tuple[str, Path]]:
    """(path relative to ``root``, file) of every file under ``root`` whose relative path
    ``accept`` takes, in a stable order, leaving out virtual environments, VCS and build
    folders (EXCLUDED_DIRS)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS)
        for name in sorted(filenames):
            file = Path(dirpath) / name
            rel = file.relative_to(root).as_posix()
            if accept(rel):
                yield rel, file


def tool(name: str) -> str | None:
    """The tool installed next to this Python (the venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def run_json(name: str, cmd: list[str], timeout_s: float, cwd: Path | None = None
             ) -> tuple[dict[str, Any], Measurement | None]:
    """Run a tool that prints a JSON report: (report, None), or ({}, an inconclusive
    measurement naming the tool, its exit code and the last line it wrote to stderr)."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=cwd,
                          timeout=timeout_s)
    try:
        return json.loads(proc.stdout), None
    except ValueError:
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no output"
        return {}, Measurement(inconclusive=f"{name} failed (exit {proc.returncode}): {last}",
                               evidence={"command": cmd, "stderr": proc.stderr[-2000:]})


def source_dir(ctx: CheckContext) -> Path | None:
    src = ctx.config.table(SecurityConfig).source
    return ctx.config.resolve(src) if src else None


def source_and_tool(ctx: CheckContext, name: str, *, what: str, source_hint: str,
                    install: str) -> tuple[Path, str] | Measurement:
    """The source folder and the tool that reads it, or the skip that says which is missing."""
    src = source_dir(ctx)
    if src is None or not src.is_dir():
        return Measurement.skip(f"no source folder to {what}",
                                enable=f"set [security] source = \"{source_hint}\"")
    exe = tool(name)
    if exe is None:
        return Measurement.skip(f"{name} is not installed", enable=install)
    return src, exe


class DependencyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timeout_s: float = Field(300.0, gt=0)
    #: vulnerability ids accepted for now (each stays in the evidence)
    ignore: list[str] = Field(default_factory=list)


def requirement_files(ctx: CheckContext) -> list[Path]:
    if ctx.config.table(SecurityConfig).requirements:
        return [ctx.config.resolve(p) for p in ctx.config.table(SecurityConfig).requirements]
    src = source_dir(ctx)
    if src is None:
        return []
    return sorted(p for p in src.glob("requirements*.txt") if p.is_file())


class Dependencies(Check):
    id = "security.dependencies"
    title = "No dependency with a known vulnerability (pip-audit, OSV)"
    fix = "Upgrade each vulnerable package to a fixed version (named in the finding)."
    slo = ("vulnerable_packages == 0",)
    better = lower("vulnerable_packages", "skipped_packages")
    needs_target = False
    Options = DependencyOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: DependencyOptions = self.options  # type: ignore[assignment]
        files = requirement_files(ctx)
        if not files:
            return Measurement.skip("no requirement or lock file to audit", enable=(
                "set [security] requirements = [\"requirements.txt\"] (pinned) or "
                "[security] source"))
        missing = [str(f) for f in files if not f.exists()]
        if missing:
            return Measurement.skip(f"requirement file not found: {', '.join(missing)}",
                                    enable="fix [security] requirements")
        exe = tool("pip-audit")
        if exe is None:
            return Measurement.skip("pip-audit is not installed",
                                    enable="pip install pip-audit (make install does)")
        osv_url = ctx.config.table(SecurityConfig).osv_url
        if not osv_url:  # pip-audit would ask PyPI: a host like any other for the safety rule
            check_host(PYPI, ctx.config.target.allow_targets, what="vulnerability service")
        service = ["-s", "osv", "--osv-url", osv_url] if osv_url else []
        cmd = [exe, "--format", "json", "--progress-spinner", "off", "--no-deps",
               "--disable-pip", *service]
        for f in files:
            cmd += ["-r", str(f)]
        for vuln in opts.ignore:
            cmd += ["--ignore-vuln", vuln]
        report, failed = run_json("pip-audit", cmd, opts.timeout_s)
        if failed is not None:
            return failed
        deps = report.get("dependencies", [])
        skipped = [d for d in deps if d.get("skip_reason")]
        checked = [d for d in deps if not d.get("skip_reason")]
        findings = []
        for d in checked:
            for v in d.get("vulns", []):
                fixed = ", ".join(v.get("fix_versions") or []) or "no fixed version yet"
                aliases = ", ".join(v.get("aliases") or [])
                findings.append(Finding(
                    f"Vulnerable dependency: {d['name']} {d['version']}", Severity.HIGH,
                    location=f"{d['name']}=={d['version']} ({', '.join(f.name for f in files)})",
                    detail=f"{v['id']}{' (' + aliases + ')' if aliases else ''}: "
                           f"{(v.get('description') or '').strip()[:200]}",
                    fix=f"upgrade to {fixed}"))
        vulnerable = sum(1 for d in checked if d.get("vulns"))
        source = ctx.config.table(SecurityConfig).osv_url or "PyPI's JSON API"
        evidence = {"files": [str(f) for f in files], "service": source,
                    "skipped": [{"name": d["name"], "reason": d["skip_reason"]}
                                for d in skipped], "checked": len(checked)}
        metrics = {"packages": float(len(deps)), "checked_packages": float(len(checked)),
                   "skipped_packages": float(len(skipped)),
                   "vulnerable_packages": float(vulnerable)}
        summary = (f"{len(checked)} of {len(deps)} packages checked against {source}: "
                   f"{vulnerable} vulnerable")
        if deps and not checked:
            return Measurement(metrics=metrics, evidence=evidence, summary=summary,
                               inconclusive=(f"no package could be checked (all {len(deps)} "
                                             f"skipped, e.g. {skipped[0]['skip_reason']}): set "
                                             "[security] osv_url to a reachable OSV service"))
        if skipped:
            findings.append(Finding(f"{len(skipped)} package(s) not checked", Severity.LOW,
                                    location=", ".join(d["name"] for d in skipped[:10]),
                                    detail=skipped[0]["skip_reason"],
                                    fix="pin them (name==version) or fix the service URL"))
        return Measurement(metrics=metrics, findings=findings, evidence=evidence,
                           summary=summary)


class SastOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: lowest bandit severity reported: low | medium | high
    severity: str = Field("medium", pattern="^(low|medium|high)$")
    confidence: str = Field("medium", pattern="^(low|medium|high)$")
    #: bandit tests left out: hard-coded passwords are security.secrets' job
    skip: list[str] = Field(default_factory=lambda: ["B105", "B106", "B107"])
    exclude: list[str] = Field(default_factory=lambda: list(EXCLUDED_DIRS))
    timeout_s: float = Field(300.0, gt=0)


class StaticAnalysis(Check):
    id = "security.sast"
    title = "Static analysis of the source (bandit)"
    fix = "Fix each finding at its file and line (bandit's page for the test id explains it)."
    slo = ("high_findings == 0",)
    better = lower("high_findings", "findings")
    needs_target = False
    Options = SastOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: SastOptions = self.options  # type: ignore[assignment]
        found = source_and_tool(ctx, "bandit", what="analyse", source_hint="src",
                                install="pip install bandit")
        if isinstance(found, Measurement):
            return found
        src, exe = found
        cmd = [exe, "-r", str(src), "-f", "json", "-q", "--severity-level", opts.severity,
               "--confidence-level", opts.confidence,
               "-x", ",".join(str(src / e) for e in opts.exclude)]
        if opts.skip:
            cmd += ["--skip", ",".join(opts.skip)]
        report, failed = run_json("bandit", cmd, opts.timeout_s)
        if failed is not None:
            return failed
        seen: dict[tuple[str, int, str], Finding] = {}
        for r in report.get("results", []):
            rel = _relative(r["filename"], src)
            key = (rel, int(r["line_number"]), r["test_id"])
            seen.setdefault(key, Finding(
                f"{r['test_id']} {r['test_name']}: {r['issue_text']}",
                Severity(r["issue_severity"].lower()) if r["issue_severity"].lower() in RANK
                else Severity.LOW, location=f"{rel}:{r['line_number']}",
                detail=f"confidence {r['issue_confidence'].lower()}; "
                       f"{(r.get('code') or '').strip()[:160]}",
                fix=r.get("more_info", "")))
        findings = list(seen.values())
        high = sum(1 for f in findings if f.severity in (Severity.HIGH, Severity.CRITICAL))
        files = len(report.get("metrics", {})) - 1 if report.get("metrics") else 0
        return Measurement(
            metrics={"findings": float(len(findings)), "high_findings": float(high),
                     "files": float(max(files, 0))},
            findings=findings,
            evidence={"command": cmd, "errors": report.get("errors", [])[:20]},
            summary=f"bandit: {len(findings)} finding(s) at or above {opts.severity}, "
                    f"{high} high")


def _relative(path: str, base: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return path
