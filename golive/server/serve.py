"""Running the server: one process, or several uvicorn workers (metrics in Prometheus'
multiprocess mode, settings handed over in the environment). uvicorn finishes the requests in
flight on SIGTERM or Ctrl-C (up to ``GRACE_S``) before it exits."""

from __future__ import annotations

import os
import shutil
import tempfile

from golive.exceptions import StoreError
from golive.server.settings import ServerSettings
from golive.store import Store

GRACE_S = 20


def serve(settings: ServerSettings, *, host: str, port: int, workers: int = 1,
          certfile: str | None = None, keyfile: str | None = None) -> None:
    import uvicorn

    from golive.server.observe import configure_logging

    try:
        Store(settings.store, migrate=False).close()
    except StoreError as err:
        raise StoreError(f"{err} (the server never migrates the history: run 'golive db "
                         "upgrade --store URL' first)") from None
    configure_logging()
    options = {"host": host, "port": port, "server_header": False, "access_log": False,
               "log_level": "warning", "timeout_graceful_shutdown": GRACE_S,
               "ssl_certfile": certfile, "ssl_keyfile": keyfile}
    if workers == 1:
        from golive.server.app import create_app

        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
        return
    metrics_dir = tempfile.mkdtemp(prefix="golive-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    os.environ.update(settings.to_env())
    try:
        uvicorn.run("golive.server.app:app_from_env", factory=True, workers=workers,
                    **options)  # type: ignore[arg-type]
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
