"""security.api_fuzz: Schemathesis against the target's OpenAPI document, bounded in examples
and time. Only GET operations unless ``[security] allow_writes`` (other methods may change
data). Every server error, schema violation or timeout is a finding with the curl command that
reproduces it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, lower
from golive.checks.security.settings import SecurityConfig
from golive.results import Finding, Measurement, Severity

CURL = re.compile(r"(curl -X [^\n]+)")
CODE = re.compile(r"^- (ST\d+|\w+)\s+(.+)$", re.MULTILINE)


class FuzzOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_examples: int = Field(10, ge=1, le=1000)
    max_time_s: float = Field(60.0, gt=0, le=3600)
    #: Schemathesis checks to run
    checks: list[str] = Field(default_factory=lambda: [
        "not_a_server_error", "status_code_conformance", "content_type_conformance",
        "response_schema_conformance"])
    phases: list[str] = Field(default_factory=lambda: ["examples", "coverage", "fuzzing"])
    seed: int = 1
    request_timeout_s: float = Field(10.0, gt=0)


def schemathesis_command() -> list[str] | None:
    exe = Path(sys.executable).parent / "schemathesis"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("schemathesis") or shutil.which("st")
    return [found] if found else None


def parse_junit(text: str) -> list[dict[str, Any]]:
    """Each failure or error of Schemathesis' JUnit report: operation, kinds, curl."""
    out = []
    root = ET.fromstring(text)  # noqa: S314 (written by our own child process)
    for case in root.iter("testcase"):
        for node in list(case):
            if node.tag not in ("failure", "error"):
                continue
            body = node.text or ""
            for block in re.split(r"\n(?=\d+\. Test Case ID)", body):
                kinds = CODE.findall(block)
                curl = CURL.search(block)
                first = next((ln.strip() for ln in block.splitlines() if ln.strip()), "")
                out.append({"operation": case.get("name", ""), "kind": node.tag,
                            "codes": [c for c, _ in kinds],
                            "problems": [t.strip() for _, t in kinds] or [first],
                            "curl": curl.group(1) if curl else ""})
    return out


class ApiFuzz(Check):
    id = "security.api_fuzz"
    title = "API fuzzing (Schemathesis): no server error, responses match the schema"
    fix = ("Validate input at the edge (4xx for bad input), never let an exception become a "
           "500, and keep responses to the documented schema.")
    slo = ("server_errors == 0",)  # a server error (ST101) is high; the rest medium
    better = lower("server_errors", "problems")
    Options = FuzzOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: FuzzOptions = self.options  # type: ignore[assignment]
        if ctx.site.openapi is None:
            return Measurement.skip("the target publishes no OpenAPI document",
                                    enable="set [target] openapi_path")
        cmd = schemathesis_command()
        if cmd is None:
            return Measurement.skip("schemathesis is not installed",
                                    enable="pip install schemathesis (make install does)")
        # the examples and coverage phases stop on their own; fuzzing runs until the time budget
        examples, max_time, phases = opts.max_examples, opts.max_time_s, opts.phases
        if ctx.profile == "quick":  # the quick profile keeps the audit short
            examples, max_time = min(examples, 5), min(max_time, 10.0)
        schema = ctx.target.rstrip("/") + ctx.config.target.openapi_path
        with tempfile.TemporaryDirectory(prefix="golive-fuzz-") as work:
            junit = Path(work) / "junit.xml"
            args = [*cmd, "run", schema, "--url", ctx.target, "--max-examples",
                    str(examples), "--max-time", str(int(max_time)),
                    "--checks", ",".join(opts.checks), "--phases", ",".join(phases),
                    "--seed", str(opts.seed), "--workers", "1", "--no-color",
                    "--request-timeout", str(opts.request_timeout_s),
                    # golive's safety rule: no redirect is followed off the checked target
                    "--max-redirects", "0",
                    "--generation-database", "none", "--report", "junit",
                    "--report-junit-path", str(junit), "--report-dir", work]
            if not ctx.config.table(SecurityConfig).allow_writes:
                args += ["--include-method", "GET"]
            if ctx.config.target.ca_bundle:
                args += ["--tls-verify", ctx.config.target.ca_bundle]
            for name, value in ctx.config.target.headers.items():
                args += ["--header", f"{name}: {value}"]
            ctx.progress(f"api fuzzing: up to {examples} examples per operation")
            proc = subprocess.run(args, capture_output=True, text=True, check=False,
                                  timeout=max_time + 120, cwd=work)
            if not junit.exists():
                return Measurement(inconclusive=(
                    f"schemathesis wrote no report (exit {proc.returncode}): "
                    f"{(proc.stderr or proc.stdout).strip()[-400:]}"))
            problems = parse_junit(junit.read_text(encoding="utf-8"))
            operations = sum(1 for _ in ET.parse(junit).iter("testcase"))  # noqa: S314
        findings = []
        for p in problems:
            sev = Severity.HIGH if "ST101" in p["codes"] else Severity.MEDIUM
            findings.append(Finding(
                "Fuzzing: " + ("; ".join(p["problems"])[:120] or p["kind"]), sev,
                location=p["operation"], detail=f"reproduce: {p['curl'] or '(no request kept)'}",
                fix=self.fix))
        unique = {(f.title, f.location, f.detail): f for f in findings}
        errors = sum(1 for p in problems if "ST101" in p["codes"])
        return Measurement(
            metrics={"operations": float(operations), "server_errors": float(errors),
                     "problems": float(len(unique))},
            findings=list(unique.values()),
            evidence={"command": " ".join(args), "exit_code": proc.returncode,
                      "problems": problems, "stdout_tail": proc.stdout[-3000:]},
            summary=f"{operations} operation(s) fuzzed, {len(unique)} problem(s), "
                    f"{errors} server error(s)")
