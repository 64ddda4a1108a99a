"""With Redis (a throwaway redis-server on a free port, never the machine's): two workers
share the cache and the rate limits; an upload to one empties the cache of both; /readyz says
when Redis is gone."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from golive.server.app import create_app
from golive.server.settings import ServerSettings
from golive.store import Store
from tests.server.conftest import make_run, report_bytes, running

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("redis-server") is None,
                                 reason="no redis-server (apt-get install redis-server)")]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            assert time.monotonic() < deadline and proc.poll() is None, "redis did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def test_two_workers_share_the_cache_and_the_limits(store: Store, upload_token: str,
                                                    redis_url: str) -> None:
    settings = ServerSettings(store="unused", redis_url=redis_url, upload_rate="3/minute")
    with running(create_app(settings, store=store)) as a, \
            running(create_app(settings, store=store)) as b:
        shop = lambda url: next(p for p in httpx.get(f"{url}/index.json").json()["projects"]  # noqa: E731
                                if p["name"] == "shop")
        assert shop(a)["runs"] == 5
        assert shop(b)["runs"] == 5  # served from the cache worker A filled
        assert 'golive_server_cache_total{outcome="hit"} 1.0' in httpx.get(f"{b}/metrics").text
        auth = {"Authorization": f"Bearer {upload_token}"}
        codes = [httpx.post(f"{url}/api/v1/projects/shop/runs", headers=auth,
                            content=report_bytes(make_run(7))).status_code
                 for url in (a, b, a, b)]
        assert codes == [201, 201, 201, 429]  # one limit for both workers
        assert shop(b)["runs"] == 8 and shop(a)["runs"] == 8  # the uploads emptied both
        assert httpx.get(f"{a}/readyz").text == "ready"


def test_readiness_fails_and_pages_still_answer_without_redis(store: Store,
                                                              redis_url: str) -> None:
    settings = ServerSettings(store="unused", redis_url=redis_url,
                              rate_storage="memory://")
    app = create_app(settings, store=store)
    cache = app.state.golive.cache
    cache.redis.connection_pool.reset()
    with running(app) as url:
        assert httpx.get(f"{url}/readyz").status_code == 200
        cache.redis.shutdown(nosave=True)
        time.sleep(0.2)
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 503 and "redis unreachable" in ready.text
        page = httpx.get(f"{url}/index.json")  # computed without the cache, not an error
        assert page.status_code == 200 and page.json()["projects"]
        assert 'golive_server_cache_total{outcome="error"}' in httpx.get(f"{url}/metrics").text
