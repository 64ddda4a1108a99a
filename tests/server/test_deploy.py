"""deploy/: the Kubernetes manifests validate offline and name real commands and endpoints;
the systemd unit runs real commands; the nginx configuration runs (nginx on free ports in
front of two real server processes): TLS, the http redirect, a backend killed mid-way."""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from golive.cli import build_cli
from golive.server.app import create_app
from golive.server.settings import ServerSettings
from golive.store import Store
from tests.server.conftest import running

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CLI = build_cli()


def _documents() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((DEPLOY / "kubernetes" / "golive.yaml").read_text()))


def _golive_args(args: list[str]) -> None:
    """``args`` parse as a golive command line: its command exists and every option is one
    (click refuses an unknown option before it acts on ``--help``)."""
    from click.testing import CliRunner

    result = CliRunner().invoke(CLI, [*args, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output, (args, result.output)


def test_the_argument_check_can_fail() -> None:
    with pytest.raises(AssertionError):
        _golive_args(["server", "--port", "8080", "--wokers", "2"])


def test_the_manifests_validate_strictly_offline() -> None:
    import kubernetes_validate
    from kubernetes_validate.utils import latest_version

    docs = _documents()
    assert {d["kind"] for d in docs} == {"Deployment", "Service", "Ingress",
                                         "HorizontalPodAutoscaler", "PodDisruptionBudget",
                                         "NetworkPolicy", "Job"}
    for doc in docs:
        kubernetes_validate.validate(doc, latest_version(), strict=True)
    broken = {**docs[0], "spec": {**docs[0]["spec"], "replicaz": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, latest_version(), strict=True)


def test_the_manifests_name_real_commands_probes_and_limits(store: Store) -> None:
    docs = {d["kind"]: d for d in _documents()}
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    (server,) = pod["containers"]
    _golive_args([a.replace("$(GOLIVE_STORE)", "sqlite://").replace("$(GOLIVE_REDIS)", "")
                  for a in server["args"]])
    (upgrade,) = docs["Job"]["spec"]["template"]["spec"]["containers"]
    _golive_args([a.replace("$(GOLIVE_STORE)", "sqlite://") for a in upgrade["args"]])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert server["securityContext"]["readOnlyRootFilesystem"] is True
    assert server["resources"]["requests"] and server["resources"]["limits"]
    probes = {k: server[k]["httpGet"]["path"] for k in ("readinessProbe", "livenessProbe")}
    with running(create_app(ServerSettings(store="unused"), store=store)) as url:
        for path in probes.values():
            assert httpx.get(url + path).status_code == 200, path
    assert probes == {"readinessProbe": "/readyz", "livenessProbe": "/healthz"}
    # the probe timeout is Kubernetes' default 1 s: the health answers must be far below it
    assert server["readinessProbe"]["timeoutSeconds"] == 1


def test_the_systemd_unit_runs_real_commands() -> None:
    unit = (DEPLOY / "systemd" / "golive-server@.service").read_text()
    for key in ("ExecStart", "ExecStartPre"):
        line = re.search(rf"^{key}=(.+)$", unit, re.MULTILINE)
        assert line is not None, key
        argv = shlex.split(line[1].replace("%i", "8081").replace("${GOLIVE_STORE}", "sqlite://")
                           .replace("${GOLIVE_REDIS}", "redis://127.0.0.1:1/0"))
        assert argv[0] == "/opt/golive/.venv/bin/golive"
        _golive_args(argv[1:])
    assert "SuccessExitStatus=143" in unit  # uvicorn re-raises SIGTERM after it drained


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("nginx") is None, reason="no nginx (make install)")
def test_nginx_in_front_of_two_servers_redirects_terminates_tls_and_survives_a_backend(
        store: Store, tls_files: dict[str, str], tmp_path: Path) -> None:
    http_port, https_port = _free_port(), _free_port()
    settings = ServerSettings(store="unused")
    first = running(create_app(settings, store=store))
    one = first.__enter__()
    with running(create_app(settings, store=store)) as two:
        conf = (DEPLOY / "nginx" / "golive.conf").read_text()
        conf = conf.replace("server 127.0.0.1:8081", f"server {one.removeprefix('http://')}")
        conf = conf.replace("server 127.0.0.1:8082", f"server {two.removeprefix('http://')}")
        conf = conf.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        conf = conf.replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
        conf = conf.replace("/etc/golive/tls/fullchain.pem", tls_files["cert"])
        conf = conf.replace("/etc/golive/tls/privkey.pem", tls_files["key"])
        conf = conf.replace("$host$request_uri", f"$host:{https_port}$request_uri")
        main = tmp_path / "nginx.conf"
        main.write_text(
            f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; daemon off;\n"
            "worker_processes 1; events { worker_connections 256; }\n"
            f"http {{ access_log {tmp_path}/access.log; client_body_temp_path {tmp_path}; "
            f"proxy_temp_path {tmp_path}/proxy; {conf} }}\n")
        (tmp_path / "proxy").mkdir()
        checked = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(main)],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        proc = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(main)],
                                stderr=subprocess.DEVNULL)
        try:
            base = f"https://127.0.0.1:{https_port}"
            trust = ssl.create_default_context(cafile=tls_files["ca"])
            with httpx.Client(verify=trust, timeout=5) as client:
                deadline = time.monotonic() + 10
                while True:
                    try:
                        ready = client.get(base + "/readyz")
                        break
                    except httpx.HTTPError:
                        assert time.monotonic() < deadline and proc.poll() is None
                        time.sleep(0.1)
                assert ready.status_code == 200
                redirect = httpx.get(f"http://127.0.0.1:{http_port}/p/shop?x=1")
                assert redirect.status_code == 308
                assert redirect.headers["location"] == f"https://127.0.0.1:{https_port}/p/shop?x=1"
                page = client.get(base + "/p/shop", headers={"Accept-Encoding": "br"})
                assert page.status_code == 200 and page.headers["content-encoding"] == "br"
                assert "server" not in page.headers or "nginx/" not in page.headers["server"]
                assert re.fullmatch(r"[0-9a-f]{32}", page.headers["x-request-id"])
                # /metrics: loopback only (Prometheus on the host); this client is loopback
                assert client.get(base + "/metrics").status_code == 200
                assert "allow 127.0.0.1;\n        deny all;" in conf
                statuses = [client.get(base + "/p/shop").status_code for _ in range(6)]
                assert statuses == [200] * 6
                # one backend stops: nginx sends every request to the other, none fails
                first.__exit__(None, None, None)
                statuses = [client.get(base + "/p/shop").status_code for _ in range(10)]
                assert statuses == [200] * 10
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            first.__exit__(None, None, None)
