"""The whole machine's CPU while a load test runs (``/proc/stat``).

When the target runs on the same machine as the generator (loopback), a busy machine starves
the target and its latency says nothing about the target (measured here: the tuned demo went
from p95 4 ms to 5.2 s while packages were installed beside it). The load check makes such a
run inconclusive with the figure.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import TracebackType

STAT = Path("/proc/stat")


def read_cpu() -> tuple[float, float] | None:
    """(busy, total) jiffies of all cores since boot, or None where /proc/stat is missing."""
    try:
        first = STAT.read_text(encoding="ascii").split("\n", 1)[0].split()
    except OSError:
        return None
    if not first or first[0] != "cpu":
        return None
    values = [float(v) for v in first[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0.0)  # idle + iowait
    total = sum(values[:8])  # guest time is already in user/nice
    return total - idle, total


class CpuSampler:
    """Samples the machine's CPU every ``interval_s`` in a thread, as a context manager."""

    def __init__(self, interval_s: float = 0.5) -> None:
        self.interval_s = interval_s
        self.samples: list[tuple[float, float, float]] = []  # (wall time, busy, total)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="golive-cpu")

    def _take(self) -> None:
        found = read_cpu()
        if found is not None:
            self.samples.append((time.time(), *found))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._take()

    def __enter__(self) -> CpuSampler:
        self._take()
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._take()


def busy_pct(samples: list[tuple[float, float, float]], w0: float, w1: float) -> float | None:
    """How busy all cores were, in %, between the samples nearest ``w0`` and ``w1``."""
    if len(samples) < 2:
        return None
    start = min(samples, key=lambda s: abs(s[0] - w0))
    end = min(samples, key=lambda s: abs(s[0] - w1))
    if end[2] <= start[2]:
        return None
    return round(100.0 * (end[1] - start[1]) / (end[2] - start[2]), 1)
