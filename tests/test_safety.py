from __future__ import annotations

import pytest

from golive.exceptions import TargetError
from golive.safety import check_target


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://127.9.9.9/", "http://[::1]:80",
                                 "http://localhost:1", "https://127.0.0.1"])
def test_loopback_is_allowed(url: str) -> None:
    assert check_target(url) == url


@pytest.mark.parametrize("url", ["http://10.0.0.1", "http://192.168.1.1:80", "http://8.8.8.8",
                                 "http://example.invalid"])
def test_other_hosts_are_refused(url: str) -> None:
    with pytest.raises(TargetError, match="allow_targets"):
        check_target(url)


def test_allowlist() -> None:
    assert check_target("http://staging.internal:8080", ["staging.internal"])


@pytest.mark.parametrize("url", ["ftp://127.0.0.1", "127.0.0.1:8000", "http://"])
def test_malformed(url: str) -> None:
    with pytest.raises(TargetError, match="not an http"):
        check_target(url)


# --- one chokepoint for every connection --------------------------------------------------
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from http.server import BaseHTTPRequestHandler  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from golive.cli import build_cli  # noqa: E402
from golive.config import Config, DatabaseConfig, TargetConfig  # noqa: E402
from golive.safety import (  # noqa: E402
    TargetRefused,
    browser_args,
    connect,
    http_client,
    validate_config,
)
from tests.targets import serve_handler  # noqa: E402

OUTSIDE = "203.0.113.7"  # TEST-NET-3: never routed


class _Redirects(BaseHTTPRequestHandler):
    """A loopback service whose pages redirect off the machine."""

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("location", f"http://{OUTSIDE}/login")
        self.send_header("content-length", "0")
        self.end_headers()

    do_OPTIONS = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def redirecting() -> Iterator[str]:
    with serve_handler(_Redirects) as url:
        yield url


def test_the_client_refuses_a_redirect_off_the_allowlist(redirecting: str) -> None:
    with http_client(base_url=redirecting, follow_redirects=True) as client, \
            pytest.raises(TargetRefused, match=OUTSIDE) as refused:
        client.get("/")
    assert refused.value.host == OUTSIDE
    with http_client([OUTSIDE], base_url=redirecting, follow_redirects=True, timeout=0.5
                     ) as client:
        try:  # allowed: it is attempted (whatever answers, or nothing)
            client.get("/")
        except httpx.TransportError:
            pass


def test_a_check_that_meets_a_refused_redirect_is_skipped_naming_the_host(
        redirecting: str, tmp_path: Path) -> None:
    r = CliRunner().invoke(build_cli(), [
        "audit", "--target", redirecting, "--only", "security.observatory", "--json",
        str(tmp_path / "r.json"), "--store", f"sqlite:///{tmp_path / 'h.db'}"])
    (result,) = json.loads((tmp_path / "r.json").read_text())["results"]
    assert result["status"] == "skipped", r.output
    assert OUTSIDE in result["reason"] and "allow_targets" in result["reason"]


def test_tls_connections_pass_the_same_check() -> None:
    with pytest.raises(TargetRefused, match=OUTSIDE):
        connect(OUTSIDE, 443, 0.5)


@pytest.mark.parametrize(("config", "named"), [
    (Config(target=TargetConfig(https_url="https://example.com")), "[target] https_url"),
    (Config(target=TargetConfig(url="http://10.0.0.1")), "[target] url"),
    (Config(database=DatabaseConfig(url="postgresql://app@10.0.0.5/shop")), "[database] url"),
    (Config(security={"osv_url": "http://osv.example.com/v1/query"}), "[security] osv_url"),
])
def test_every_configured_url_is_checked_before_a_run(config: Config, named: str) -> None:
    with pytest.raises(TargetError, match=named.replace("[", r"\[").replace("]", r"\]")):
        validate_config(config)


def test_a_configured_url_off_the_allowlist_stops_the_audit_before_it_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("golive.toml").write_text('[target]\nhttps_url = "https://example.com"\n')
    r = CliRunner().invoke(build_cli(), ["audit", "--target", "http://127.0.0.1:9",
                                         "--store", f"sqlite:///{tmp_path / 'h.db'}"])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert "[target] https_url" in r.stderr and "'example.com'" in r.stderr
    assert not (tmp_path / "h.db").exists() or "no run" in CliRunner().invoke(
        build_cli(), ["show", "last", "--store", f"sqlite:///{tmp_path / 'h.db'}"]).stderr


def test_browsers_send_other_hosts_to_a_dead_proxy() -> None:
    flags = browser_args(["staging.internal"])
    assert "--proxy-server=http://127.0.0.1:9" in flags
    assert "--proxy-bypass-list=localhost;127.0.0.1;[::1];staging.internal" in flags


STRACE_SCRIPT = """
import sys, threading
sys.path[:0] = [{tests!r}, {root!r}]
from http.server import ThreadingHTTPServer
from test_safety import _Redirects
server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirects)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d" % server.server_address[1]
from golive.cli import main
try:
    main(["audit", "--target", url, "--only", "http,security.observatory,security.probes",
          "--store", "sqlite:///{db}", "--json", {report!r}])
except SystemExit as e:
    print("exit", e.code)
"""


@pytest.mark.integration
@pytest.mark.skipif(not (shutil.which("strace") and shutil.which("unshare")),
                    reason="needs strace and unshare (util-linux)")
def test_no_connection_leaves_loopback_under_strace(tmp_path: Path) -> None:
    """Every connect() of an audit whose target redirects off the machine, recorded inside a
    network namespace where only loopback exists: none goes anywhere else."""
    trace, report = tmp_path / "connect.trace", tmp_path / "r.json"
    script = STRACE_SCRIPT.format(tests=str(Path(__file__).parent),
                                  root=str(Path(__file__).parents[1]), db=tmp_path / "h.db",
                                  report=str(report))
    proc = subprocess.run(
        ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec strace -f -qq -e '
         f'trace=connect -e signal=none -o "{trace}" "{sys.executable}" -c "$0"', script],
        capture_output=True, text=True, timeout=240, check=False)
    if proc.returncode != 0 and "Operation not permitted" in proc.stderr:
        pytest.skip(f"no network namespace here: {proc.stderr.strip()[-200:]}")
    assert "exit" in proc.stdout, proc.stderr[-2000:]
    connects = [line for line in trace.read_text().splitlines() if "connect(" in line]
    inet = [line for line in connects if "AF_INET" in line]
    assert inet, "the audit made no TCP connection at all: the trace recorded nothing"
    off = [line for line in inet if 'inet_addr("127.' not in line
           and 'inet_pton(AF_INET6, "::1"' not in line]
    assert off == [], "connections off loopback:\n" + "\n".join(off)
    results = json.loads(report.read_text())["results"]
    assert any(OUTSIDE in (r["reason"] + json.dumps(r["findings"])) for r in results)


class _PageWithAThirdParty(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/":
            body = (f'<!doctype html><title>t</title><img src="/local.svg" alt="l">'
                    f'<img src="http://{OUTSIDE}/pixel.svg" alt="x">').encode()
            kind = "text/html"
        else:
            body, kind = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', \
                "image/svg+xml"
        self.send_response(200)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.integration
def test_the_browser_golive_starts_loads_nothing_off_the_allowlist() -> None:
    from golive.checks.frontend.browser import Browser
    from golive.checks.frontend.settings import FrontendConfig
    from golive.checks.frontend.tools import find_tools

    tools = find_tools(FrontendConfig())
    if tools.missing_browser():
        pytest.skip(tools.missing_browser() or "")
    with serve_handler(_PageWithAThirdParty) as url, Browser(tools) as browser:
        profile = browser.visit(url, "/", interactions=[], timeout_s=20)
    answered = {r.url for r in profile.resources}
    assert f"{url}/local.svg" in answered  # the page and its own image loaded
    assert not [u for u in answered if OUTSIDE in u], answered
