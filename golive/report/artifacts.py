"""Artifacts beside an HTML report: the files checks kept (e.g. whole Lighthouse reports) are
written to a folder next to the report and linked from it, so the report stays one file that
still reaches them."""

from __future__ import annotations

import re
from pathlib import Path

from golive.results import Artifact
from golive.store import Store

#: (run id, check id) -> [(artifact name, link relative to the report, bytes)]
Links = dict[tuple[int, str], list[tuple[str, str, int]]]


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", part).strip("._") or "artifact"


def write_artifacts(store: Store, run_id: int, folder: Path) -> list[tuple[str, Artifact, Path]]:
    """Write every artifact of a run to ``folder/<check>/<name>``: (check, artifact, path)."""
    written = []
    for check_id, artifact in store.artifacts(run_id, with_data=True):
        target = folder / _safe(check_id) / _safe(artifact.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artifact.data)
        written.append((check_id, artifact, target))
    return written


def export_artifacts(store: Store, run_ids: list[int], html_out: str | Path) -> Links:
    """Write every artifact of the runs to ``<report name>-files/`` and return the links."""
    html_path = Path(html_out)
    folder = html_path.with_name(f"{html_path.stem}-files")
    links: Links = {}
    for run_id in run_ids:
        for check_id, artifact, target in write_artifacts(store, run_id,
                                                          folder / f"run-{run_id}"):
            links.setdefault((run_id, check_id), []).append(
                (artifact.name, target.relative_to(html_path.parent).as_posix(),
                 artifact.bytes))
    return links
