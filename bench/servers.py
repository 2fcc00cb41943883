"""gunicorn servers for the bench: the service (wsgi:app) and the bare app, both started
with the project's gunicorn.conf.py, on free loopback ports, in sessions of their own
(so a Ctrl-C reaches the bench, which stops them in order)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.memory import children, cpu_seconds

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
# All workers together, per quarter second: what an idle gthread worker's loop uses.
IDLE_CPU_SECONDS = 0.02


class ServerError(RuntimeError):
    """A server did not start, or died."""


@dataclass(frozen=True)
class GunicornSettings:
    """What gunicorn.conf.py decides under the bench's environment."""

    workers: int
    threads: int
    worker_class: str
    max_requests: int
    timeout: int

    def describe(self) -> str:
        recycling = f"recycled every {self.max_requests} requests" if self.max_requests else ""
        return f"{self.workers} {self.worker_class} workers x {self.threads} threads" + (
            f", {recycling}" if recycling else ", never recycled"
        )


def gunicorn_settings(env: dict[str, str]) -> GunicornSettings:
    """Evaluate gunicorn.conf.py as gunicorn will (in a child, under `env`)."""
    probe = (
        "import json, runpy, sys; c = runpy.run_path(sys.argv[1]); "
        "print(json.dumps({k: c[k] for k in "
        "('workers', 'threads', 'worker_class', 'max_requests', 'timeout')}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(GUNICORN_CONF)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    values = json.loads(done.stdout.strip().splitlines()[-1])
    return GunicornSettings(**values)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running gunicorn master, its port and its log."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def errors(self, lines: int = 5) -> list[str]:
        """The last lines of its log at level ERROR or above (tracebacks included)."""
        try:
            logged = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [line for line in logged if '"level":"ERROR"' in line or "CRITICAL" in line][-lines:]

    def wait_until_idle(
        self, database_busy: Callable[[], bool] = lambda: False, timeout: float = 60
    ) -> float:
        """Wait until the workers use no CPU and `database_busy()` is false; the seconds
        waited. Requests a client gave up on (wrk stops with 8 in flight) still run to the
        end: the next measurement must not share the machine with them."""
        started = time.monotonic()
        quiet = 0
        before = self._cpu_seconds()
        while quiet < 2 and time.monotonic() - started < timeout:
            time.sleep(0.25)
            now = self._cpu_seconds()
            quiet = quiet + 1 if now - before < IDLE_CPU_SECONDS and not database_busy() else 0
            before = now
        return time.monotonic() - started

    def _cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) or 0.0 for pid in self.worker_pids())

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise ServerError(
                f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
            )

    def stop(self, grace: float = 15.0) -> None:
        """SIGINT (gunicorn's quick stop: nothing is in flight by then), then SIGKILL for
        the whole process group if the master is still there after `grace` seconds."""
        self.interrupt()
        self.wait_stopped(grace)

    def interrupt(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def wait_stopped(self, grace: float) -> None:
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            # The master and its workers form their own process group: stop all of it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def stop_all(servers: list[Server], grace: float = 15.0) -> None:
    """Stop several servers at once (a gunicorn master takes seconds to exit)."""
    for server in servers:
        server.interrupt()
    for server in servers:
        server.wait_stopped(grace)


def start_gunicorn(
    name: str, app: str, env: dict[str, str], log_path: Path, workers: int, boot_timeout: float
) -> Server:
    """gunicorn -c gunicorn.conf.py `app` on a free port; returns once every worker is up
    and /healthz answers."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), app]
    return launch(
        name, command, {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, port, log_path,
        workers, boot_timeout,
    )  # fmt: skip


def launch(
    name: str,
    command: list[str],
    env: dict[str, str],
    port: int,
    log_path: Path,
    workers: int,
    boot_timeout: float,
    health_path: str = "/healthz",
    cwd: Path = ROOT,
) -> Server:
    """Start a gunicorn `command` that listens on `port`; returns once `workers` workers
    are up and `health_path` answers 200 (bench/peer.py starts another project's this way)."""
    log = log_path.open("wb")
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    server = Server(name, process, port, log_path)
    try:
        _wait_until_ready(server, workers, boot_timeout, health_path)
    except BaseException:
        server.stop(grace=5)
        raise
    return server


def _wait_until_ready(server: Server, workers: int, timeout: float, health_path: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server.check_alive()
        if len(server.worker_pids()) >= workers and _healthy(server.port, health_path):
            return
        time.sleep(0.2)
    raise ServerError(f"{server.name} not ready after {timeout:.0f} s:\n{server.log_tail()}")


def _healthy(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()
