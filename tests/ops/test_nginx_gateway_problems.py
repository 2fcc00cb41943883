"""nginx's own gateway errors (deploy/nginx.conf) are problems like the API's: a 502 when
no gunicorn answers the connection, a 504 when one accepts it and never replies.

Real nginx on loopback in front of nothing (a free port) or of a socket that accepts and
stays silent; the 504 case shortens `proxy_read_timeout` so that it comes in a second.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.problems import assert_problem
from tests.servers import NGINX, free_port, nginx_config, stop

pytestmark = pytest.mark.slow

READ_TIMEOUT = "proxy_read_timeout 60s;"


def get(port: int, path: str) -> tuple[int, dict[str, str], object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    with contextlib.closing(connection):
        connection.request("GET", path)
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, json.loads(response.read())


@contextlib.contextmanager
def nginx_in_front_of(directory: Path, upstream_port: int) -> Iterator[int]:
    """nginx with deploy/nginx.conf (a 1 s read timeout) proxying to `upstream_port`."""
    if not Path(NGINX).exists():
        message = "nginx is not installed (Debian package nginx; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    text = nginx_config(directory, port, [upstream_port])
    assert text.count(READ_TIMEOUT) == 1, "deploy/nginx.conf changed its proxy_read_timeout"
    config = directory / "nginx.conf"
    config.write_text(text.replace(READ_TIMEOUT, "proxy_read_timeout 1s;"))
    log = directory / "nginx.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [NGINX, "-p", str(directory), "-c", str(config), "-e", "stderr"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"nginx exited early:\n{log.read_text()}"
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert time.monotonic() < deadline, f"nginx did not listen:\n{log.read_text()}"
            time.sleep(0.1)
        yield port
    finally:
        stop(process, signal.SIGQUIT)


def test_no_gunicorn_behind_nginx_is_a_502_problem(tmp_path: Path) -> None:
    with nginx_in_front_of(tmp_path, free_port()) as port:
        reply = get(port, "/users/me")
    body = assert_problem(reply, 502, "bad-gateway")
    assert "try again" in body["detail"]


def test_a_gunicorn_that_never_answers_is_a_504_problem(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections (the kernel does) and never replies
        with nginx_in_front_of(tmp_path, silent.getsockname()[1]) as port:
            reply = get(port, "/users/me")
    assert_problem(reply, 504, "gateway-timeout")
