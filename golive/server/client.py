"""Uploading a report to a golive server (``golive upload``, ``golive audit --upload``),
through golive's one connection guard: the server must be loopback or in the allowlist."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import httpx

from golive.exceptions import GoliveError
from golive.safety import check_target, http_client
from golive.store import Store


class UploadFailed(GoliveError):
    """The server did not store the report."""


def upload_report(body: bytes, server: str, project: str, token: str, *,
                  allow_targets: Iterable[str] = (), timeout_s: float = 60.0
                  ) -> dict[str, Any]:
    """POST the JSON report ``body``; the server's answer (``id``, ``url``)."""
    base = server.rstrip("/")
    check_target(base, allow_targets)
    url = f"{base}/api/v1/projects/{quote(project, safe='')}/runs"
    try:
        with http_client(allow_targets, timeout=timeout_s) as client:
            response = client.post(url, content=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    except httpx.HTTPError as err:
        raise UploadFailed(f"upload to {base}: {type(err).__name__}: {err} (is "
                           "'golive server' running there?)") from None
    if response.status_code != 201:
        try:
            detail = response.json().get("error", response.text[:200])
        except ValueError:
            detail = response.text[:200]
        hint = {401: " (check the token in GOLIVE_TOKEN)",
                403: " (the token belongs to another project)",
                429: f" (retry after {response.headers.get('retry-after', '?')} s)"}
        raise UploadFailed(f"upload to {base} refused: {response.status_code} {detail}"
                           + hint.get(response.status_code, ""))
    answer: dict[str, Any] = response.json()
    return answer


def upload_artifacts(store: Store, local_run: int, server: str, remote_run: int, token: str,
                     *, allow_targets: Iterable[str] = (), timeout_s: float = 60.0) -> int:
    """PUT the bytes of every artifact the local run keeps to the uploaded run; how many."""
    base = server.rstrip("/")
    check_target(base, allow_targets)
    sent = 0
    with http_client(allow_targets, timeout=timeout_s) as client:
        for check_id, artifact in store.artifacts(local_run, with_data=True):
            url = (f"{base}/api/v1/runs/{remote_run}/artifacts/{quote(check_id, safe='')}/"
                   f"{quote(artifact.name, safe='')}")
            try:
                response = client.put(url, content=artifact.data, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": artifact.media_type})
            except httpx.HTTPError as err:
                raise UploadFailed(f"upload of {artifact.name} to {base}: "
                                   f"{type(err).__name__}: {err}") from None
            if response.status_code not in (200, 201):
                raise UploadFailed(f"upload of {artifact.name} to {base} refused: "
                                   f"{response.status_code} {response.text[:200]}")
            sent += 1
    return sent
