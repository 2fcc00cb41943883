"""Helpers for the tests that run real servers (gunicorn, nginx) as child processes."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from expense_tracker.web import STATIC_FOLDER as WEB_STATIC

ROOT = Path(__file__).resolve().parents[1]


def run_flask(env: dict[str, str], *args: str) -> str:
    """Run a `flask` command of the project (e.g. `db upgrade`); its output, or fail."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[bytes], graceful: signal.Signals) -> None:
    """Ask the process (a server master) to stop; kill its whole group if it will not."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(graceful)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def production_env(database_url: str, port: int) -> dict[str, str]:
    """The environment of a gunicorn serving the production settings (gunicorn.conf.py) on
    `database_url` at 127.0.0.1:`port`: throwaway secrets, two workers never replaced on
    purpose (so every restart seen is a death), no rate limits, warnings only."""
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": "false",
        "FLASK_APP": "wsgi:app",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_MAX_REQUESTS": "0",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
        "PYTHONFAULTHANDLER": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    return env


def wait_until_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait (60 s at most) until the server at `port` answers `/healthz`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited early:\n{log.read_text()}"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        with contextlib.suppress(OSError), contextlib.closing(connection):
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"the server did not answer within 60 s:\n{log.read_text()}")


@contextlib.contextmanager
def gunicorn_serving(
    env: dict[str, str], port: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn (gunicorn.conf.py, wsgi:app) with `env`, its output in `log`, answering at
    `port` when this yields; stopped (SIGTERM, then SIGKILL) afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_ready(port, process, log)
        yield process
    finally:
        stop(process, signal.SIGTERM)


def http_call(
    port: int,
    method: str,
    path: str,
    *,
    token: str | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], Any]:
    """One request to 127.0.0.1:`port` on a fresh connection: status, headers (lower-case
    names), body (JSON when it is)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    body = None
    if json_body is not None:
        body = json.dumps(json_body)
        sent["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()
    content: Any = raw
    if answer_headers.get("content-type", "").endswith("json") and raw:
        content = json.loads(raw)
    return response.status, answer_headers, content


@dataclass
class HttpTarget:
    """Something serving the API on a loopback port: a gunicorn, or nginx in front of some."""

    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, dict[str, str], Any]:
        """One request on a fresh connection: status, headers, body (JSON when it is)."""
        return http_call(
            self.port,
            method,
            path,
            token=token,
            json_body=json_body,
            headers=headers,
            timeout=timeout,
        )

    def upload_csv(self, token: str, text: str) -> Callable[[], tuple[int, dict[str, str], Any]]:
        """A `POST /expenses/import` of `text`, to call (at once with others, say)."""
        boundary = "csv-boundary-7d1f"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="expenses.csv"\r\nContent-Type: text/csv\r\n\r\n{text}\r\n'
            f"--{boundary}--\r\n"
        ).encode()

        def send() -> tuple[int, dict[str, str], Any]:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            }
            try:
                connection.request("POST", "/expenses/import", body=body, headers=headers)
                response = connection.getresponse()
                return response.status, dict(response.getheaders()), json.loads(response.read())
            finally:
                connection.close()

        return send

    def sign_up(self, email: str, password: str = "live-server-password") -> tuple[int, str]:
        """A new account signed in: its id and access token."""
        status, _, user = self.call(
            "POST", "/users/", json_body={"email": email, "password": password, "full_name": email}
        )
        assert status == 201, user
        return int(user["id"]), self.sign_in(email, password)["access_token"]

    def sign_in(self, email: str, password: str = "live-server-password") -> dict[str, Any]:
        """A new session's token pair."""
        status, _, pair = self.call(
            "POST", "/token", json_body={"email": email, "password": password}
        )
        assert status == 200, pair
        return dict(pair)


@dataclass
class LiveServer(HttpTarget):
    """A gunicorn serving the production stack (gunicorn.conf.py) on its own database."""

    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]

    def workers(self) -> set[int]:
        """The pids of the master's worker processes."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        return {int(child) for child in children.read_text().split()}

    def kill(self) -> None:
        """`kill -9` of the master and its workers at once: a host that dies, with no
        chance to finish a request, close a connection or roll back."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextlib.contextmanager
def live_server(directory: Path, database_url: str, **settings: str) -> Iterator[LiveServer]:
    """Migrate `database_url`, serve it with gunicorn (production settings, `settings` on
    top), and stop the server afterwards. bcrypt runs at its lowest cost, as in the fast
    tests: these servers test concurrency and outages, not hashing, on a shared machine."""
    with live_servers(directory, database_url, 1, **settings) as (server,):
        yield server


@contextlib.contextmanager
def live_servers(
    directory: Path, database_url: str, count: int, **settings: str
) -> Iterator[tuple[LiveServer, ...]]:
    """`count` gunicorns on `database_url`, as `count` hosts would run them: the same
    settings and secrets (a token one signs, another accepts), one port each, the
    migrations run once before any starts. Each is stopped afterwards (those still alive)."""
    ports = [free_port() for _ in range(count)]
    shared = {**production_env(database_url, ports[0]), "BCRYPT_LOG_ROUNDS": "4", **settings}
    run_flask(shared, "db", "upgrade")
    with contextlib.ExitStack() as stack:
        servers = []
        for port in ports:
            env = {**shared, "GUNICORN_BIND": f"127.0.0.1:{port}"}
            log = directory / f"gunicorn-{port}.log"
            process = stack.enter_context(gunicorn_serving(env, port, log))
            servers.append(LiveServer(port, process, log, env))
        yield tuple(servers)


# -- nginx ---------------------------------------------------------------------------------

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_config(directory: Path, listen_port: int, upstream_ports: list[int]) -> str:
    """deploy/nginx.conf inside a minimal main config: listening on 127.0.0.1:`listen_port`,
    its upstream the gunicorns at `upstream_ports`, logs and temporary files in
    `directory`."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    upstreams = "\n    ".join(f"server 127.0.0.1:{port};" for port in upstream_ports)
    replacements = {
        "server 127.0.0.1:8000;": upstreams,
        "listen 80;": f"listen 127.0.0.1:{listen_port};",
        "listen [::]:80;": "",
        "/var/log/nginx/expense_tracker.access.log": str(directory / "access.log"),
        "/srv/expense_tracker/expense_tracker/web/static/": str(WEB_STATIC) + "/",
    }
    for old, new in replacements.items():
        assert site.count(old) == 1, f"deploy/nginx.conf no longer has {old!r} exactly once"
        site = site.replace(old, new)
    # nginx started as root hands requests to unprivileged workers unless told otherwise.
    user = f"user {pwd.getpwuid(os.getuid()).pw_name};" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
daemon off;
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "nginx-error.log"} info;
{user}
events {{ worker_connections 256; }}
http {{
    default_type application/octet-stream;
{temp_paths}
{site}
}}
"""


@contextlib.contextmanager
def nginx_serving(directory: Path, upstream_ports: list[int]) -> Iterator[HttpTarget]:
    """Debian's nginx with deploy/nginx.conf in front of the gunicorns at `upstream_ports`
    (round robin), answering at the port this yields; stopped (QUIT: requests in flight
    finish) afterwards. The caller checks that nginx is installed (`NGINX`)."""
    port = free_port()
    config = directory / "nginx.conf"
    config.write_text(nginx_config(directory, port, upstream_ports))
    log = directory / "nginx.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [NGINX, "-p", str(directory), "-c", str(config), "-e", "stderr"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_ready(port, process, log)
        yield HttpTarget(port)
    finally:
        stop(process, signal.SIGQUIT)


def expenses_not_whole(database_url: str) -> list[int]:
    """The group expenses whose splits do not sum to their amount: after a crash, an outage
    or a restore, none may be half-written."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT e.id FROM group_expenses e LEFT JOIN group_expense_splits s "
                    "ON s.expense_id = e.id GROUP BY e.id, e.amount "
                    "HAVING COALESCE(SUM(s.amount), 0) <> e.amount"
                )
            )
            return [row.id for row in rows]
    finally:
        engine.dispose()
