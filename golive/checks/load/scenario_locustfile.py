"""The locustfile golive generates traffic with, run INSIDE Locust (never imported by golive).

It reads the scenario and schedule from ``$GOLIVE_SCENARIO`` (JSON written by
``golive.checks.load.engine``): weighted requests and multi-step flows with think time and
variables, a closed model (users with think time) or a paced one (a target request rate spread
over the users with randomised pacing), and a ramp / hold / ramp-down shape.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from gevent import GreenletExit
from locust import FastHttpUser, LoadTestShape, task

SPEC: dict[str, Any] = json.loads(os.environ.get("GOLIVE_SCENARIO", "{}") or "{}")
#: the [auth] login: {"config": AuthConfig fields, "accounts": [[user, password]], "media"}
AUTH: dict[str, Any] = json.loads(os.environ.get("GOLIVE_AUTH", "") or "{}")
_USER_NUMBER = itertools.count()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """golive's safety rule: a redirect is never followed (the login's included)."""

    def redirect_request(self, *_args: Any, **_kw: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
_VAR = re.compile(r"\{(\w+)\}")


def _pick(data: Any, path: str) -> Any:
    """A value from JSON by a small path: ``a.b``, ``items[0].id``, ``items[*].id`` (random)."""
    for part in path.split("."):
        m = re.fullmatch(r"(\w*)(?:\[(\*|\d+)\])?", part)
        if not m:
            return None
        if m[1]:
            data = data.get(m[1]) if isinstance(data, dict) else None
        if m[2] is not None:
            if not isinstance(data, list) or not data:
                return None
            data = random.choice(data) if m[2] == "*" else data[int(m[2])]
    return data


def _other_origin(location: str, host: str) -> str:
    """The host of a redirect ``location`` when it leaves the target's origin, else ""."""
    if not location.startswith(("http://", "https://", "//")):
        return ""  # a relative redirect stays on the target
    there = urlsplit(location if "://" in location else "http:" + location)
    here = urlsplit(host)
    return "" if (there.hostname, there.port) == (here.hostname, here.port) else (
        there.hostname or location)


def _fill(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _VAR.fullmatch(value)
        if whole and whole[1] in variables:
            return variables[whole[1]]
        return _VAR.sub(lambda m: str(variables.get(m[1], m[0])), value)
    if isinstance(value, dict):
        return {k: _fill(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, variables) for v in value]
    return value


def _paced_wait(period_s: float) -> Any:
    def wait(user: Any) -> float:
        now = time.monotonic()
        nxt = getattr(user, "_golive_next", None)
        if nxt is None:  # spread the first requests over one period: never all at once
            nxt = now + random.uniform(0, period_s)
        else:
            nxt += period_s * random.uniform(0.5, 1.5)
            nxt = max(nxt, now - period_s)  # after a stall, do not fire a burst to catch up
        user._golive_next = nxt
        return max(0.0, nxt - now)

    return wait


def _think(user: Any) -> float:
    low, high = SPEC.get("think", [0.5, 1.5])
    return random.uniform(low, high)


class GoliveUser(FastHttpUser):
    """One virtual user running the golive scenario."""

    abstract = not SPEC
    network_timeout = float(SPEC.get("timeout_s", 30))
    connection_timeout = float(SPEC.get("timeout_s", 30))
    if SPEC.get("model") == "paced" and SPEC.get("rate"):
        wait_time = _paced_wait(SPEC["users"] / SPEC["rate"])
    else:
        wait_time = _think

    def on_start(self) -> None:
        self.vars: dict[str, Any] = {}
        self._auth_headers: dict[str, str] = {}
        self._auth_expires: float | None = None
        self._account = next(_USER_NUMBER)
        if AUTH:
            self._login()
        for name, rule in (SPEC.get("vars") or {}).items():
            if "value" in rule:
                self.vars[name] = rule["value"]
        for step in SPEC.get("on_start") or []:
            self._step(step)
        self._items = [(i, i.get("weight", 1)) for i in (SPEC.get("requests") or [])]
        self._items += [(f, f.get("weight", 1)) for f in (SPEC.get("flows") or [])]

    def _login(self) -> None:
        """Log in as this user's account, outside Locust's statistics (a urllib request,
        cooperative under gevent): logins are not the endpoints under test."""
        from golive.auth import AuthConfig, carrying, credentials, login_body, read_token

        auth = AuthConfig.model_validate(AUTH["config"])
        username, password = AUTH["accounts"][self._account % len(AUTH["accounts"])]
        kind, body = login_body(auth, username, password, AUTH["media"])
        url = (self.host or "").rstrip("/") + auth.path
        if not url.startswith(("http://", "https://")):
            return
        request = urllib.request.Request(url, data=body, method=auth.method,  # noqa: S310
                                         headers={"Content-Type": kind})
        try:
            with _OPENER.open(request, timeout=float(SPEC.get("timeout_s", 30))) as r:
                status, head, content = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as err:
            status, head, content = err.code, dict(err.headers), err.read()
        except OSError:
            return  # the target is down: the steps fail and say so
        cookies = {}
        for line in [v for k, v in head.items() if k.lower() == "set-cookie"]:
            name, _, rest = line.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        try:
            token, self._auth_expires = read_token(auth, status, head, content, cookies,
                                                   time.time())
        except ValueError:
            return
        self._auth_headers = carrying(*credentials(auth, token))

    def _fresh_auth(self) -> dict[str, str]:
        margin = float(AUTH["config"].get("refresh_margin_s", 30)) if AUTH else 0.0
        if AUTH and (not self._auth_headers or (
                self._auth_expires is not None and self._auth_expires - margin <= time.time())):
            self._login()
        return self._auth_headers

    def _random_vars(self) -> None:
        for name, rule in (SPEC.get("vars") or {}).items():
            if "random_int" in rule:
                low, high = rule["random_int"]
                self.vars[name] = random.randint(low, high)
            elif "choice" in rule:
                self.vars[name] = random.choice(rule["choice"])

    def _step(self, step: dict[str, Any]) -> None:
        self._random_vars()
        method = step.get("method", "GET").upper()
        path = _fill(step["path"], self.vars)
        headers = _fill({**(SPEC.get("headers") or {}), **self._fresh_auth(),
                         **(step.get("headers") or {})}, self.vars)
        headers = {k: str(v) for k, v in headers.items() if "{" not in str(v)}
        kwargs: dict[str, Any] = {"headers": headers, "name": step.get("name") or step["path"]}
        if step.get("json") is not None:
            kwargs["json"] = _fill(step["json"], self.vars)
        # counted before sending: requests still waiting when the test stops never reach
        # Locust's request event, and golive reports them instead of forgetting them
        inflight = self.environment.__dict__.setdefault("golive_inflight", {})
        token = object()
        inflight[token] = (time.time(), f"{method} {kwargs['name']}")
        try:
            self._send(method, path, step, kwargs)
        except GreenletExit:
            raise  # stopped while waiting: it stays in golive_inflight, reported unanswered
        except BaseException:
            inflight.pop(token, None)
            raise
        inflight.pop(token, None)

    def _send(self, method: str, path: str, step: dict[str, Any],
              kwargs: dict[str, Any]) -> None:
        # redirects are not followed: golive's safety rule (only the checked target) holds for
        # the load generator too; a redirect to another origin fails the request, naming it
        with self.client.request(method, path, catch_response=True, allow_redirects=False,
                                 **kwargs) as response:
            location = response.headers.get("location", "") if response.headers else ""
            elsewhere = _other_origin(location, self.host or "")
            if elsewhere:
                response.failure(f"redirect to another host refused: {elsewhere}")
            elif response.status_code >= 400 or response.status_code == 0:
                response.failure(f"HTTP {response.status_code}")
            elif step.get("extract"):
                try:
                    data = response.json()
                except ValueError:
                    data = None
                for var, jpath in step["extract"].items():
                    value = _pick(data, jpath)
                    if value is not None:
                        self.vars[var] = value

    @task
    def iteration(self) -> None:
        if not self._items:
            return
        item = random.choices([i for i, _ in self._items], [w for _, w in self._items])[0]
        steps = item.get("steps") or [item]
        for n, step in enumerate(steps):
            if n and SPEC.get("model") != "paced":
                self.wait()  # think time between the steps of a flow
            self._step(step)


if SPEC:

    class GoliveShape(LoadTestShape):
        """Ramp to ``users`` in ``ramp_s``, hold ``hold_s``, ramp down in ``down_s``, stop."""

        def tick(self) -> tuple[int, float] | None:
            users, ramp, hold = SPEC["users"], SPEC["ramp_s"], SPEC["hold_s"]
            down = SPEC.get("down_s", 0)
            t = self.get_run_time()
            rate = users / ramp if ramp > 0 else users
            if t < ramp + hold:
                return users, rate
            if t < ramp + hold + down:
                return 0, users / down
            return None
