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
