"""What an upload must be: a golive JSON report (``golive.report/1`` or ``/2``), validated
before anything is stored; the first problem is named by its field."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from golive.results import Severity, Status


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RunHeader(_Open):
    id: int
    started_at: str
    target: str
    profile: str
    golive_version: str
    status: str
    finished_at: str | None = None
    label: str = ""
    git_commit: str | None = None
    git_branch: str | None = None
    verdict: Literal["ready", "not-ready", "incomplete"] | None = None
    kind: str = "audit"


class FindingModel(_Open):
    title: str
    severity: Severity


class ResultModel(_Open):
    check: str
    area: str
    title: str
    status: Status
    findings: list[FindingModel] = []
    metrics: dict[str, float] = {}


class CriterionModel(_Open):
    task: str
    key: str
    kind: str
    text: str
    status: Status


class Report(_Open):
    schema_: Literal["golive.report/1", "golive.report/2"]
    run: RunHeader
    results: list[ResultModel]
    criteria: list[CriterionModel] = []

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def __init__(self, **data: Any) -> None:
        if "schema" in data:
            data["schema_"] = data.pop("schema")
        super().__init__(**data)


class InvalidReport(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def validate_report(body: bytes) -> dict[str, Any]:
    """The report's data when it is one, else :class:`InvalidReport` naming the field."""
    import json

    try:
        data = json.loads(body)
    except ValueError as err:
        raise InvalidReport("", f"not JSON: {err}") from err
    if not isinstance(data, dict):
        raise InvalidReport("", "a golive report is a JSON object")
    try:
        Report(**data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).replace("schema_", "schema")
        raise InvalidReport(field, str(first["msg"])) from err
    return data
