"""A local OSV-compatible vulnerability service over a folder of OSV records (POST /v1/query)
on a free loopback port: pip-audit needs one, and neither the demo nor the tests may reach the
internet (this machine has no vulnerability service)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@contextmanager
def osv_server(folder: Path) -> Iterator[str]:
    """Serve the records of ``folder``; yields the query URL for ``[security] osv_url``."""
    records = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    queries: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            queries.append(body)
            name = body.get("package", {}).get("name", "").lower()
            version = body.get("version", "")
            vulns = [r for r in records for a in r["affected"]
                     if a["package"]["name"].lower() == name and version in a["versions"]]
            data = json.dumps({"vulns": vulns} if vulns else {}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()
