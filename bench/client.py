"""Plain HTTP requests of the bench (what wrk does not do): signing in, recording one
answer, timing requests one at a time, and streaming the CSV export."""

from __future__ import annotations

import http.client
import json
import statistics
import time
from urllib.parse import urlencode

from bench.endpoints import BENCH_PASSWORD
from bench.memory import RssSampler
from bench.report import Export
from bench.servers import Server
from bench.wrk import Request


def call(port: int, request: Request, timeout: float = 300) -> tuple[int, str, bytes]:
    """One request to 127.0.0.1:`port`; its status, content type and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            request.method, request.path, body=request.body or None, headers=request.headers
        )
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def sign_in(port: int, email: str) -> tuple[str, float]:
    """An access token for `email` (the seed-bench password), and the seconds it took."""
    form = urlencode({"username": email, "password": BENCH_PASSWORD}).encode()
    request = Request("POST", "/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
    started = time.perf_counter()
    status, _, body = call(port, request)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"sign-in as {email} answered {status}: {body[:300]!r}")
    return str(json.loads(body)["access_token"]), elapsed


def one_at_a_time(port: int, request: Request, repeat: int = 3) -> tuple[float, int]:
    """The median seconds of `repeat` requests made one after the other, and the last
    status: the latency of an endpoint too slow for wrk to see it answer."""
    seconds = []
    status = 0
    for _ in range(repeat):
        started = time.perf_counter()
        status, _, _ = call(port, request)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), status


def stream_export(service: Server, sampler: RssSampler, token: str) -> Export:
    """GET /expenses/export.csv once, read as it streams. The worker that served it is the
    one whose CPU time grew the most meanwhile; its RSS before and at most during it."""
    service_workers = set(service.worker_pids())
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=900)
    size = lines = 0
    error = ""
    with sampler.window() as window:
        started = time.perf_counter()
        connection.request(
            "GET", "/expenses/export.csv", headers={"Authorization": f"Bearer {token}"}
        )
        response = connection.getresponse()
        first_byte = time.perf_counter() - started
        try:
            while chunk := response.read(256 * 1024):
                size += len(chunk)
                lines += chunk.count(b"\n")
        except (http.client.HTTPException, OSError) as exc:  # the server cut it short
            error = f"{type(exc).__name__} after {size:,} bytes"
        seconds = time.perf_counter() - started
        connection.close()
    worker = window.busiest(among=service_workers)
    return Export(
        status=response.status,
        seconds=seconds,
        first_byte_seconds=first_byte,
        size=size,
        rows=max(0, lines - 1),  # the header line
        worker=worker,
        rss_before_kib=window.rss_start.get(worker, 0) if worker else 0,
        rss_max_kib=window.max_kib.get(worker, 0) if worker else 0,
        error=error,
    )
