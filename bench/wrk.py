"""Running wrk against one request and reading its report.

Every request goes through a Lua script (method, body, headers), written to a scratch
directory, so GET and POST are driven alike; wrk's `--latency` report gives the
percentiles, which `parse_report` reads.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# wrk's duration units, in milliseconds.
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m|h)"


@dataclass(frozen=True)
class Request:
    """One HTTP request, replayed as it is by every wrk connection."""

    method: str
    path: str  # with its query string
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """How wrk loads the server: threads, connections, and how long."""

    threads: int = 2
    connections: int = 8
    seconds: float = 5.0
    warmup_seconds: float = 1.0
    timeout_seconds: int = 60


@dataclass(frozen=True)
class Result:
    """What wrk measured: throughput, latency percentiles and the failures it saw."""

    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int  # responses with a 4xx or 5xx status
    socket_errors: int  # connect, read, write errors and timeouts

    @property
    def failures(self) -> int:
        return self.non_2xx + self.socket_errors


class WrkError(RuntimeError):
    """wrk could not run, or printed no report."""


def lua_string(text: bytes | str) -> str:
    """A Lua (5.1 / LuaJIT) string literal of `text`, byte for byte."""
    raw = text.encode() if isinstance(text, str) else text
    parts = []
    for byte in raw:
        char = chr(byte)
        if char in '"\\' or not 32 <= byte < 127:
            parts.append(f"\\{byte:03d}")
        else:
            parts.append(char)
    return '"' + "".join(parts) + '"'


def write_script(request: Request, path: Path) -> Path:
    """The Lua script that makes wrk send `request` (its path comes with the URL)."""
    lines = [f"wrk.method = {lua_string(request.method)}"]
    if request.body:
        lines.append(f"wrk.body = {lua_string(request.body)}")
    for name, value in request.headers.items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk_binary() -> str:
    """The wrk executable, or a clear error naming the package that provides it."""
    found = shutil.which("wrk")
    if not found:
        raise WrkError("wrk is not installed (Debian: apt-get install wrk)")
    return found


def run(
    base_url: str,
    request: Request,
    script: Path,
    settings: Settings,
    settle: Callable[[], object] = lambda: None,
) -> Result:
    """Warm up, then load `base_url` + the request's path for `settings.seconds`;
    `settle()` after each of the two (it waits for what wrk left running to finish)."""
    if settings.warmup_seconds > 0:
        _run_once(base_url, request, script, settings, settings.warmup_seconds)
        settle()
    result = parse_report(_run_once(base_url, request, script, settings, settings.seconds))
    settle()
    return result


def _run_once(
    base_url: str, request: Request, script: Path, settings: Settings, seconds: float
) -> str:
    command = [
        wrk_binary(),
        f"-t{settings.threads}",
        f"-c{settings.connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={settings.timeout_seconds}s",
        "--latency",
        "-s",
        str(script),
        base_url + request.path,
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + settings.timeout_seconds + 30,
        check=False,
    )
    if done.returncode != 0:
        raise WrkError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    return done.stdout


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_report(text: str) -> Result:
    """Read wrk's `--latency` report: req/s, p50, p99, the request count and failures."""
    percentiles = {
        int(match[1]): _milliseconds(match[2], match[3])
        for match in re.finditer(rf"^\s+(\d+)%\s+{_DURATION}\s*$", text, re.MULTILINE)
    }
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    total = re.search(rf"^\s+(\d+) requests in {_DURATION}", text, re.MULTILINE)
    if rate is None or total is None:
        raise WrkError(f"no report in wrk's output:\n{text}")
    requests = int(total[1])
    if requests and (50 not in percentiles or 99 not in percentiles):
        raise WrkError(f"no latency distribution in wrk's output:\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return Result(
        requests=requests,
        seconds=_milliseconds(total[2], total[3]) / 1000,
        requests_per_second=float(rate[1]),
        p50_ms=percentiles.get(50, 0.0),
        p99_ms=percentiles.get(99, 0.0),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )
