"""Resident memory of gunicorn workers, sampled from /proc through the whole bench.

A background thread reads every worker's RSS (VmRSS) and CPU time a few times a second;
workers are the children of each gunicorn master, so replaced workers are followed too.
`window()` also keeps the largest RSS of each worker over one stretch (the CSV export),
and CPU times tell which worker did that stretch's work.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class WorkerMemory:
    """What was seen of one worker process."""

    server: str
    pid: int
    first_kib: int
    max_kib: int
    last_kib: int
    cpu_seconds: float = 0.0
    samples: int = 1


@dataclass
class Window:
    """The largest RSS of each worker while the window was open, and its CPU time then."""

    max_kib: dict[int, int] = field(default_factory=dict)
    cpu_start: dict[int, float] = field(default_factory=dict)
    cpu_end: dict[int, float] = field(default_factory=dict)
    rss_start: dict[int, int] = field(default_factory=dict)

    def busiest(self, among: Collection[int]) -> int | None:
        """Of the workers `among`, the one that used the most CPU during the window (the
        one that served the request)."""
        used = {
            pid: self.cpu_end.get(pid, start) - start
            for pid, start in self.cpu_start.items()
            if pid in among
        }
        return max(used, key=lambda pid: used[pid]) if used else None


def children(pid: int) -> list[int]:
    """The child processes of `pid`: /proc/<pid>/task/*/children, or where the kernel has
    no such file, every process whose parent is `pid`."""
    found: set[int] = set()
    try:
        for task in (PROC / str(pid) / "task").iterdir():
            found.update(int(child) for child in (task / "children").read_text().split())
    except FileNotFoundError:
        if (PROC / str(pid)).exists():
            return _children_by_scan(pid)
    except OSError:
        pass
    return sorted(found)


def _children_by_scan(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _read_stat(int(entry.name))
            if stat is not None and int(stat[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def _read_stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat fields from the state on (the name, in parentheses, is cut off)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def rss_kib(pid: int) -> int | None:
    """Resident set size of `pid` in KiB, or None when it is gone."""
    try:
        with (PROC / str(pid) / "status").open() as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of `pid`, or None when it is gone."""
    stat = _read_stat(pid)
    if stat is None:
        return None
    # After the state (index 0): utime and stime are fields 14 and 15 of the full line.
    return (int(stat[11]) + int(stat[12])) / _CLOCK_TICKS


class RssSampler:
    """Samples the workers of the registered gunicorn masters until stopped."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.masters: dict[str, int] = {}
        self.workers: dict[int, WorkerMemory] = {}
        self._windows: list[Window] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def watch(self, server: str, master_pid: int) -> None:
        with self._lock:
            self.masters[server] = master_pid

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        """Read every worker's RSS and CPU time once."""
        with self._lock:
            masters = dict(self.masters)
        for server, master in masters.items():
            for pid in children(master):
                kib, cpu = rss_kib(pid), cpu_seconds(pid)
                if kib is None or cpu is None:
                    continue
                with self._lock:
                    self._record(server, pid, kib, cpu)

    def _record(self, server: str, pid: int, kib: int, cpu: float) -> None:
        seen = self.workers.get(pid)
        if seen is None:
            self.workers[pid] = WorkerMemory(server, pid, kib, kib, kib, cpu)
        else:
            seen.max_kib = max(seen.max_kib, kib)
            seen.last_kib, seen.cpu_seconds = kib, cpu
            seen.samples += 1
        for window in self._windows:
            window.max_kib[pid] = max(window.max_kib.get(pid, 0), kib)
            window.cpu_start.setdefault(pid, cpu)
            window.rss_start.setdefault(pid, kib)
            window.cpu_end[pid] = cpu

    @contextmanager
    def window(self) -> Iterator[Window]:
        """Track each worker's largest RSS and CPU time from now until the block ends."""
        window = Window()
        self.sample()
        with self._lock:
            self._windows.append(window)
            for pid, seen in self.workers.items():
                window.cpu_start[pid] = seen.cpu_seconds
                window.rss_start[pid] = seen.last_kib
        try:
            yield window
        finally:
            time.sleep(self.interval)
            self.sample()
            with self._lock:
                self._windows.remove(window)

    def of(self, server: str) -> list[WorkerMemory]:
        with self._lock:
            return sorted(
                (seen for seen in self.workers.values() if seen.server == server),
                key=lambda seen: seen.pid,
            )
