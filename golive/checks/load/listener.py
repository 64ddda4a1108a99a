"""golive's recorder, loaded INSIDE the Locust process (``-f locustfile,listener.py``).

Never import this module from golive itself: Locust monkey-patches sockets and threads.

Every request's exact latency (Locust's own float milliseconds, not its rounded statistics) goes
into HdrHistograms, overall and per request name, one set per second. Once a second the process
appends one JSON line to ``$GOLIVE_LOAD_DIR/<pid>.jsonl`` (a worker sends it to the master,
which writes it): the second's histograms (compressed,
base64), request and error counts by status class and exception, the process's CPU seconds,
its open sockets, and any stall (a gap of more than ``$GOLIVE_STALL_MS`` between completions
while a request was outstanding). golive reads these files while the test runs and after it.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from typing import Any

import gevent
from hdrh.histogram import HdrHistogram
from locust import events
from locust.runners import MasterRunner, WorkerRunner

LOWEST_US, HIGHEST_US, DIGITS = 1, 3_600_000_000, 3
OUT_DIR = os.environ.get("GOLIVE_LOAD_DIR", ".")
STALL_MS = float(os.environ.get("GOLIVE_STALL_MS", "1000"))


def _hist() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


class _Sink:
    """Where lines go: a file here, or (in a worker) a message to the master, which writes it.

    Messages make ``--processes`` and workers on other machines report the same way.
    """

    def __init__(self) -> None:
        self.runner: Any = None

    def write(self, line: dict[str, Any]) -> None:
        if isinstance(self.runner, WorkerRunner):
            self.runner.send_message("golive_line", line)
            return
        _write_line(line)


def _write_line(line: dict[str, Any]) -> None:
    path = os.path.join(OUT_DIR, f"{line.get('pid', os.getpid())}.jsonl")
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


class _Recorder:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.sink = _Sink()
        self._reset()
        self.cpu_mark = time.process_time()
        self.last_done: float | None = None
        self.stalls: list[list[float]] = []
        self.flusher: Any = None
        self.environment: Any = None

    def _reset(self) -> None:
        self.overall = _hist()
        self.by_name: dict[str, HdrHistogram] = {}
        self.requests: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.status: Counter[str] = Counter()
        self.exceptions: Counter[str] = Counter()
        self.bytes = 0

    def record(self, name: str, method: str, latency_ms: float, length: int, status: int,
               exception: BaseException | None) -> None:
        now = time.time()
        micros = max(LOWEST_US, min(HIGHEST_US, int(latency_ms * 1000)))
        self.overall.record_value(micros)
        key = f"{method} {name}"
        hist = self.by_name.get(key)
        if hist is None:
            hist = self.by_name[key] = _hist()
        hist.record_value(micros)
        self.requests[key] += 1
        self.bytes += length or 0
        self.status[f"{status // 100}xx" if status else "none"] += 1
        if exception is not None:
            self.failures[key] += 1
            name = type(exception).__name__
            if name == "CatchResponseError":  # golive's own failures: their message says why
                name = f"{name}: {str(exception)[:120]}"
            self.exceptions[name] += 1
        # a stall: nothing completed for longer than STALL_MS, while this request was waiting
        # for at least half of that gap (an idle generator is not a stalled target)
        started = now - latency_ms / 1000
        if self.last_done is not None:
            gap = now - self.last_done
            if gap > STALL_MS / 1000 and now - max(started, self.last_done) >= gap / 2:
                self.stalls.append([round(self.last_done, 3), round(now, 3)])
        self.last_done = now

    def flush(self, final: bool = False) -> None:
        cpu = time.process_time()
        now = time.time()
        inflight = getattr(self.environment, "golive_inflight", None)
        # requests sent by golive's scenario and waiting for longer than STALL_MS now
        waiting_by_name: Counter[str] = Counter(
            name for t, name in list((inflight or {}).values()) if now - t > STALL_MS / 1000)
        waiting = sum(waiting_by_name.values()) if inflight is not None else None
        if final and waiting and self.last_done is not None \
                and now - self.last_done > STALL_MS / 1000:
            # nothing completed since last_done while requests waited: a stall that never ended
            self.stalls.append([round(self.last_done, 3), round(now, 3)])
        line = {
            "pid": self.pid, "t": round(time.time(), 3), "final": final,
            "users": getattr(getattr(self.environment, "runner", None), "user_count", None),
            "cpu_s": round(cpu - self.cpu_mark, 4), "sockets": _sockets(),
            "requests": dict(self.requests), "failures": dict(self.failures),
            "status": dict(self.status), "exceptions": dict(self.exceptions),
            "bytes": self.bytes, "stalls": self.stalls,
            "waiting_long": waiting, "waiting_by_name": dict(waiting_by_name),
            "hist": self.overall.encode().decode() if self.overall.total_count else None,
            "by_name": {k: h.encode().decode() for k, h in self.by_name.items()},
        }
        self.cpu_mark = cpu
        self.stalls = []
        self.sink.write(line)
        self._reset()

    def loop(self) -> None:
        while True:
            gevent.sleep(1.0 - (time.time() % 1.0))
            self.flush()


def _sockets() -> int:
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return -1
    count = 0
    for fd in fds:
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


_state: dict[str, _Recorder] = {}


def _recorder() -> _Recorder:
    rec = _state.get("rec")
    if rec is None or rec.pid != os.getpid():  # first use, or a forked worker
        rec = _state["rec"] = _Recorder()
    return rec


@events.init.add_listener
def _on_init(environment: Any, **_kw: Any) -> None:
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message(
            "golive_line", lambda msg, **_: _write_line(msg.data))


@events.test_start.add_listener
def _on_start(environment: Any, **_kw: Any) -> None:
    if isinstance(environment.runner, MasterRunner):
        return
    rec = _recorder()
    rec.environment = environment
    rec.sink.runner = environment.runner
    rec.sink.write({"pid": rec.pid, "start": round(time.time(), 3)})
    if rec.flusher is None:
        rec.flusher = gevent.spawn(rec.loop)


@events.request.add_listener
def _on_request(request_type: str, name: str, response_time: float, response_length: int,
                response: Any = None, exception: BaseException | None = None,
                **_kw: Any) -> None:
    status = getattr(response, "status_code", 0) or 0
    _recorder().record(name, request_type, response_time or 0.0, response_length, status,
                       exception)


def _finish(**_kw: Any) -> None:
    """The last partial second, once: at test stop (a worker can still reach its master)."""
    rec = _state.get("rec")
    if rec is None or rec.pid != os.getpid() or rec.flusher is None:
        return
    rec.flusher.kill()
    rec.flusher = None
    rec.flush(final=True)


events.test_stop.add_listener(_finish)
events.quitting.add_listener(_finish)
