"""Uploads: tokens, limits, validation; what the logs say (and never say)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs

from golive.results import Artifact, Result, Status
from golive.store import RunRecord, Store
from golive.store.tokens import create_token, list_tokens, revoke_token, verify_token
from tests.server.conftest import make_run, report_bytes

UPLOAD = "/api/v1/projects/shop/runs"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def test_tokens_are_kept_as_digests_bound_to_a_project_and_revocable(store: Store) -> None:
    made, text = create_token(store, "upload", "shop", "CI")
    assert text.startswith(f"glv_{made.id}_") and len(text) > 50
    found = verify_token(store, text)
    assert found is not None and found.allows("shop") and not found.allows("blog")
    with store.engine.connect() as conn:  # the secret itself is nowhere in the store
        rows = conn.exec_driver_sql("SELECT * FROM tokens").all()
    assert text.split("_", 2)[2] not in repr(rows)
    assert verify_token(store, text[:-1] + ("A" if text[-1] != "A" else "B")) is None
    assert verify_token(store, "glv_000000000000_" + "x" * 43) is None
    admin = verify_token(store, create_token(store, "admin")[1])
    assert admin is not None and admin.allows("blog") and admin.project is None
    revoke_token(store, made.id)
    assert verify_token(store, text) is None
    assert [t.revoked_at is not None for t in list_tokens(store)] == [True, False]


def test_an_upload_is_stored_shown_and_the_cache_emptied(client: httpx.Client,
                                                         upload_token: str) -> None:
    before = client.get("/index.json").json()  # now cached
    shop = next(p for p in before["projects"] if p["name"] == "shop")
    with capture_logs() as logs:
        r = client.post(UPLOAD, content=report_bytes(make_run(7, branch="feature", p95=80)),
                        headers=_auth(upload_token))
        deadline = time.monotonic() + 5  # the line is written once the answer is sent
        while not any(e.get("status") == 201 for e in logs) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    assert r.headers["location"] == f"/runs/{run_id}" and "ratelimit-remaining" in r.headers
    after = next(p for p in client.get("/index.json").json()["projects"]
                 if p["name"] == "shop")
    assert after["runs"] == shop["runs"] + 1 and after["latest"]["id"] == run_id
    stored = client.get(f"/api/v1/runs/{run_id}").json()
    assert stored["run"]["git_branch"] == "feature" and stored["run"]["kind"] == "audit"
    assert stored["results"][0]["metrics"]["p95_ms"] == 80
    # one log line per request, with its id; the token appears in none
    assert any(e.get("route") == "/api/v1/projects/{project}/runs" and e["status"] == 201
               for e in logs)
    assert upload_token not in json.dumps(logs, default=str)
    assert upload_token.split("_", 2)[2] not in json.dumps(logs, default=str)


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401), ({"Authorization": "Bearer nonsense"}, 401),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
])
def test_no_valid_token_is_401(client: httpx.Client, headers: dict[str, str],
                               status: int) -> None:
    r = client.post(UPLOAD, content=report_bytes(make_run(7)), headers=headers)
    assert r.status_code == status and r.headers["www-authenticate"].startswith("Bearer")
    assert "golive server token create" in r.json()["error"]


def test_another_projects_token_is_403_and_a_revoked_one_401(client: httpx.Client,
                                                             store: Store) -> None:
    made, blog = create_token(store, "upload", "blog")
    r = client.post(UPLOAD, content=report_bytes(make_run(7)), headers=_auth(blog))
    assert r.status_code == 403 and "may not upload to project 'shop'" in r.json()["error"]
    revoke_token(store, made.id)
    r = client.post("/api/v1/projects/blog/runs", content=report_bytes(make_run(7)),
                    headers=_auth(blog))
    assert r.status_code == 401


def test_a_report_that_is_not_one_is_422_naming_the_field(client: httpx.Client,
                                                          upload_token: str) -> None:
    good = json.loads(report_bytes(make_run(7)))
    cases = [
        (b"not json", "not JSON"),
        (json.dumps({**good, "schema": "other/1"}).encode(), "schema"),
        (json.dumps({**good, "results": [{**good["results"][0], "status": "great"}]}).encode(),
         "results.0.status"),
        (json.dumps({k: v for k, v in good.items() if k != "run"}).encode(), "run"),
    ]
    for body, named in cases:
        r = client.post(UPLOAD, content=body, headers=_auth(upload_token))
        assert r.status_code == 422, body[:80]
        assert named in r.json()["error"], r.json()
    assert client.post("/api/v1/projects/../runs", content=b"{}",
                       headers=_auth(upload_token)).status_code in (404, 422)


def test_an_upload_over_the_limit_is_413_declared_or_chunked(
        client_for: Callable[..., httpx.Client], upload_token: str) -> None:
    client = client_for(max_upload_bytes=4096)
    body = report_bytes(make_run(7)) + b" " * 8000
    declared = client.post(UPLOAD, content=body, headers=_auth(upload_token))
    assert declared.status_code == 413

    def chunks() -> object:
        for _ in range(10):
            yield b" " * 1000

    chunked = client.post(UPLOAD, content=chunks(), headers=_auth(upload_token))  # type: ignore[arg-type]
    assert chunked.status_code == 413 and "larger than 4096 bytes" in chunked.json()["error"]


def test_uploads_and_failed_token_checks_are_rate_limited(
        client_for: Callable[..., httpx.Client], upload_token: str) -> None:
    client = client_for(upload_rate="2/minute", auth_failure_rate="3/minute")
    codes = [client.post(UPLOAD, content=report_bytes(make_run(7)),
                         headers=_auth(upload_token)).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    limited = client.post(UPLOAD, content=report_bytes(make_run(7)),
                          headers=_auth(upload_token))
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["ratelimit-limit"] == "2"
    assert limited.headers["ratelimit-remaining"] == "0"
    bad = [client.post(UPLOAD, content=b"{}", headers=_auth("glv_bad")).status_code
           for _ in range(4)]
    assert bad == [401, 401, 401, 429]


def _with_artifact(run: RunRecord, data: bytes) -> RunRecord:
    run.results.append(Result(
        check="frontend.lighthouse", area="frontend", title="Lighthouse", status=Status.PASS,
        metrics={"min_score": 97.0},
        artifacts=[Artifact("lighthouse-home.report.html", "text/html", data)]))
    return run


def test_an_uploaded_runs_artifacts_follow_it_declared_and_of_their_size(
        client: httpx.Client, store: Store, upload_token: str) -> None:
    page = b"<!doctype html><title>Lighthouse</title><script>1</script>" * 20
    r = client.post(UPLOAD, content=report_bytes(_with_artifact(make_run(7), page)),
                    headers=_auth(upload_token))
    run_id = r.json()["id"]
    where = f"/api/v1/runs/{run_id}/artifacts/frontend.lighthouse/lighthouse-home.report.html"
    put = client.put(where, content=page, headers={**_auth(upload_token),
                                                   "Content-Type": "text/html"})
    assert put.status_code == 201, put.text
    assert client.put(where, content=page, headers=_auth(upload_token)).status_code == 200
    served = client.get(put.json()["url"])
    assert served.content == page and served.headers["content-type"].startswith("text/html")
    assert served.headers["content-security-policy"].startswith("sandbox")
    assert "lighthouse-home.report.html</a>" in client.get(f"/runs/{run_id}").text
    # only what the report declares, of the size it declares, by the project's token
    assert client.put(where.replace("home", "other"), content=page,
                      headers=_auth(upload_token)).status_code == 422
    short = client.put(where, content=page[:-1], headers=_auth(upload_token))
    assert short.status_code == 422 and "bytes in its report" in short.json()["error"]
    blog = create_token(store, "upload", "blog")[1]
    assert client.put(where, content=page, headers=_auth(blog)).status_code == 403
    assert client.put(where, content=page).status_code == 401
    assert client.put(where.replace(f"runs/{run_id}/", "runs/999/"), content=page,
                      headers=_auth(upload_token)).status_code == 404


def test_the_client_sends_a_local_runs_artifacts_after_its_report(
        client: httpx.Client, tmp_path: Path, upload_token: str) -> None:
    from golive.report.json_report import report_json
    from golive.server.client import upload_artifacts, upload_report

    local = Store(f"sqlite:///{tmp_path / 'local.db'}")
    run_id = local.start_run(target="http://127.0.0.1:1", profile="quick",
                             golive_version="0", project="shop")
    data = b"{\"lighthouseVersion\": \"12.2.3\"}"
    for position, result in enumerate(_with_artifact(make_run(1), data).results):
        local.add_result(run_id, position, result)
    local.finish_run(run_id, status="complete", verdict="ready", reason="r", criteria=[])
    run = local.get_run(run_id)
    base = str(client.base_url)
    answer = upload_report(report_json(run).encode(), base, "shop", upload_token)
    assert upload_artifacts(local, run_id, base, int(answer["id"]), upload_token) == 1
    got = client.get(f"/runs/{answer['id']}/artifacts/frontend.lighthouse/"
                     "lighthouse-home.report.html")
    assert got.content == data
    local.close()
