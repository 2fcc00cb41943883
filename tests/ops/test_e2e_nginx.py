"""The production stack end to end: real nginx (deploy/nginx.conf) in front of real gunicorn
(gunicorn.conf.py, wsgi.py) on loopback ports, a fresh SQLite database migrated with
`flask db upgrade`, and a user journey over real HTTP through nginx.

Both servers are stopped in the fixture's teardown whatever happens.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from expense_tracker.http.headers import APP_CONTENT_SECURITY_POLICY
from expense_tracker.web import STATIC_FOLDER as WEB_STATIC
from tests.problems import assert_problem
from tests.servers import free_port, nginx_config, run_flask, stop

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# The client connects from another loopback address than nginx uses towards gunicorn, so
# the address in the app's log can only have come from X-Forwarded-For.
CLIENT_ADDRESS = "127.0.0.2"
PASSWORD = "journey password 1"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        data = self.body
        if self.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return json.loads(data)


@dataclass
class Stack:
    nginx_port: int
    gunicorn_port: int
    directory: Path
    app_log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        port: int | None = None,
        source: str = CLIENT_ADDRESS,
    ) -> Reply:
        all_headers = dict(headers or {})
        body = raw
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        connection = http.client.HTTPConnection(
            "127.0.0.1", port or self.nginx_port, timeout=30, source_address=(source, 0)
        )
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def app_log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.app_log.read_text().splitlines():
            with contextlib.suppress(ValueError):
                lines.append(json.loads(line))
        return lines


def wait_until_ready(stack: Stack, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for process in processes:
            assert process.poll() is None, f"{process.args} exited early; see {stack.directory}"
        with contextlib.suppress(OSError):
            if stack.request("GET", "/healthz").status == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"the stack did not answer within 60 s; logs in {stack.directory}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not Path(NGINX).exists():
        message = "nginx is not installed (Debian package nginx; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    directory = tmp_path_factory.mktemp("e2e")
    nginx_port, gunicorn_port = free_port(), free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"sqlite:///{directory / 'e2e.db'}",
        "RATELIMIT_ENABLED": "false",
        "TRUSTED_PROXY_HOPS": "1",
        "METRICS_ENABLED": "true",
        "BCRYPT_LOG_ROUNDS": "4",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "FLASK_APP": "wsgi:app",
        "GUNICORN_BIND": f"127.0.0.1:{gunicorn_port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR", "RATELIMIT_STORAGE_URI"):
        env.pop(name, None)
    run_flask(env, "db", "upgrade")
    config = directory / "nginx.conf"
    config.write_text(nginx_config(directory, nginx_port, [gunicorn_port]))
    app_log = directory / "gunicorn.log"
    stack = Stack(nginx_port, gunicorn_port, directory, app_log)
    processes: list[tuple[subprocess.Popen[bytes], signal.Signals]] = []
    try:
        with app_log.open("wb") as log:
            processes.append(
                (
                    subprocess.Popen(
                        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                        cwd=ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    ),
                    signal.SIGTERM,
                )
            )
        with (directory / "nginx.out").open("wb") as out:
            processes.append(
                (
                    subprocess.Popen(
                        [NGINX, "-p", str(directory), "-c", str(config), "-e", "stderr"],
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    ),
                    signal.SIGQUIT,  # graceful: finish the requests in flight
                )
            )
        wait_until_ready(stack, [process for process, _ in processes])
        yield stack
    finally:
        for process, graceful in reversed(processes):
            stop(process, graceful)
    for process, _ in processes:
        assert process.returncode is not None


def test_nginx_serves_the_api_with_request_ids(stack: Stack) -> None:
    reply = stack.request("GET", "/healthz", headers={"X-Request-ID": "e2e-health-1"})
    assert reply.status == 200
    assert reply.headers["Server"] == "nginx"
    assert reply.headers["X-Request-ID"] == "e2e-health-1"
    generated = stack.request("GET", "/healthz").headers["X-Request-ID"]
    assert generated
    assert generated != "e2e-health-1"
    assert stack.request("GET", "/readyz").status == 200


def test_a_full_user_journey_through_nginx(stack: Stack) -> None:
    # Two people sign up and sign in (a form, as OAuth2 clients send, and JSON).
    for name in ("alice", "bob"):
        reply = stack.request(
            "POST",
            "/users/",
            json_body={
                "email": f"{name}@example.com",
                "password": PASSWORD,
                "full_name": name.title(),
                "default_currency": "EUR",
            },
        )
        assert reply.status == 201, reply.body
        assert reply.headers["Location"]
    alice_login = stack.request(
        "POST", "/token", form={"username": "alice@example.com", "password": PASSWORD}
    )
    assert alice_login.status == 200, alice_login.body
    bob_login = stack.request(
        "POST", "/token", json_body={"email": "bob@example.com", "password": PASSWORD}
    )
    assert bob_login.status == 200, bob_login.body
    alice, bob = alice_login.json()["access_token"], bob_login.json()["access_token"]
    alice_id = stack.request("GET", "/users/me", token=alice).json()["id"]
    bob_id = stack.request("GET", "/users/me", token=bob).json()["id"]

    # Alice's personal expenses.
    for number in range(12):
        reply = stack.request(
            "POST",
            "/expenses/",
            token=alice,
            json_body={
                "amount": f"{10 + number}.50",
                "category": "Groceries" if number % 2 else "Transport",
                "payment_method": "debit_card",
                "date": f"2024-03-{number + 1:02d}",
                "description": f"Expense number {number} with a description long enough "
                "to make the list worth compressing",
            },
        )
        assert reply.status == 201, reply.body
    listed = stack.request(
        "GET", "/expenses/?limit=200", token=alice, headers={"Accept-Encoding": "gzip"}
    )
    assert listed.status == 200
    assert listed.headers["Content-Encoding"] == "gzip"
    assert listed.headers["X-Total-Count"] == "12"
    expenses = listed.json()
    assert len(expenses) == 12
    assert expenses[0]["date"] == "2024-03-12"
    assert stack.request("GET", "/expenses/", token=bob).json() == []

    # A group with two members: Alice creates it, Bob joins with the invite code.
    created = stack.request(
        "POST", "/groups/", token=alice, json_body={"name": "Weekend trip", "currency": "EUR"}
    )
    assert created.status == 201, created.body
    group = created.json()
    joined = stack.request(
        "POST", "/groups/join", token=bob, json_body={"invite_code": group["invite_code"]}
    )
    assert joined.status == 201, joined.body
    members = stack.request("GET", f"/groups/{group['id']}/members", token=alice).json()
    assert sorted(member["user_id"] for member in members) == sorted([alice_id, bob_id])

    # A shared expense, split between them.
    expense = stack.request(
        "POST",
        f"/groups/{group['id']}/expenses",
        token=alice,
        json_body={"description": "Dinner", "amount": "90.01", "split_type": "equal"},
    )
    assert expense.status == 201, expense.body
    splits = expense.json()["splits"]
    assert sum(Decimal(split["amount"]) for split in splits) == Decimal("90.01")

    balances = stack.request("GET", f"/groups/{group['id']}/balances", token=bob).json()
    nets = {row["user_id"]: Decimal(row["net"]) for row in balances}
    assert nets[alice_id] > 0
    assert nets[alice_id] + nets[bob_id] == 0
    plan = stack.request("GET", f"/groups/{group['id']}/settle-up", token=bob).json()
    assert plan == [
        {
            "from_user": bob_id,
            "to_user": alice_id,
            "amount": f"{nets[alice_id]:.2f}",
            "currency": "EUR",
        }
    ]

    # Bob settles up; everyone is square.
    settled = stack.request(
        "POST",
        f"/groups/{group['id']}/settlements",
        token=bob,
        json_body={"to_user": alice_id, "amount": plan[0]["amount"]},
        headers={"X-Request-ID": "e2e-settle-1"},
    )
    assert settled.status == 201, settled.body
    assert settled.headers["X-Request-ID"] == "e2e-settle-1"
    balances = stack.request("GET", f"/groups/{group['id']}/balances", token=alice).json()
    assert {Decimal(row["net"]) for row in balances} == {Decimal(0)}
    assert stack.request("GET", f"/groups/{group['id']}/settle-up", token=alice).json() == []


def test_the_app_logs_the_real_client_address_and_the_request_id(stack: Stack) -> None:
    reply = stack.request(
        "GET",
        "/healthz",
        # A forged first hop: nginx appends the address it saw, which the app believes.
        headers={"X-Request-ID": "e2e-log-1", "X-Forwarded-For": "203.0.113.66"},
    )
    assert reply.status == 200
    deadline = time.monotonic() + 10
    line = None
    while line is None and time.monotonic() < deadline:
        matching = [
            entry
            for entry in stack.app_log_lines()
            if entry.get("logger") == "expense_tracker.requests"
            and entry.get("request_id") == "e2e-log-1"
        ]
        line = matching[0] if matching else None
        time.sleep(0.1)
    assert line is not None, "no request line for e2e-log-1 in the gunicorn log"
    assert line["remote_addr"] == CLIENT_ADDRESS
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    access_log = (stack.directory / "access.log").read_text()
    assert '"request_id":"e2e-log-1"' in access_log


def test_nginx_refuses_an_oversized_body_as_a_problem(stack: Stack) -> None:
    reply = stack.request(
        "POST",
        "/users/",
        raw=b"x" * (1024 * 1024 + 1),
        headers={"Content-Type": "application/json", "X-Request-ID": "e2e-big-1"},
    )
    assert_problem(reply, 413, "payload-too-large")
    assert reply.headers["X-Request-ID"] == "e2e-big-1"


def test_metrics_are_not_public_but_gunicorn_serves_every_workers_numbers(stack: Stack) -> None:
    refused = stack.request("GET", "/metrics")
    assert_problem(refused, 403, "forbidden")
    for _ in range(6):
        assert stack.request("GET", "/openapi.json").status == 200
    scraped = stack.request("GET", "/metrics", port=stack.gunicorn_port, source="127.0.0.1")
    assert scraped.status == 200
    text = scraped.body.decode()
    counts = [
        line
        for line in text.splitlines()
        if line.startswith("http_requests_total{") and 'endpoint="/openapi.json"' in line
    ]
    assert counts, text
    assert sum(float(line.rsplit(" ", 1)[1]) for line in counts) == 6


def test_nginx_serves_the_web_app_itself_with_its_headers(stack: Stack) -> None:
    page = stack.request("GET", "/app/")
    assert page.status == 200
    assert page.body == (WEB_STATIC / "index.html").read_bytes()
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Content-Security-Policy"] == APP_CONTENT_SECURITY_POLICY
    assert page.headers["Cache-Control"] == "no-cache"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    # Revalidation is cheap: the same file again is a 304 without a body.
    again = stack.request("GET", "/app/", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status == 304
    assert again.body == b""
    module = stack.request("GET", "/app/js/main.js", headers={"Accept-Encoding": "gzip"})
    assert module.status == 200
    assert module.headers["Content-Type"].startswith("text/javascript")
    assert module.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(module.body) == (WEB_STATIC / "js" / "main.js").read_bytes()
    assert module.headers["Content-Security-Policy"] == APP_CONTENT_SECURITY_POLICY
    # Nothing else of the checkout is reachable through the app's folder.
    assert stack.request("GET", "/app/../../config.py").status in (400, 404)
    # A missing file of the web app is nginx's own page (text/html), not an API problem.
    assert stack.request("GET", "/app/no-such-file.js").status == 404
    # The service's root (gunicorn, through nginx) and /app send a browser to the app.
    root = stack.request("GET", "/")
    assert root.status == 302
    assert root.headers["Location"].endswith("/app/")
    bare = stack.request("GET", "/app")
    assert bare.status == 301
    assert bare.headers["Location"].endswith("/app/")


def test_nginx_serves_the_manifest_and_the_service_worker_of_the_installable_app(
    stack: Stack,
) -> None:
    manifest = stack.request("GET", "/app/manifest.webmanifest")
    assert manifest.status == 200
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    assert json.loads(manifest.body)["start_url"] == "/app/"
    icon = stack.request("GET", "/app/icons/icon-512.png")
    assert icon.headers["Content-Type"] == "image/png"
    # The worker comes from the app (it carries the files' hash) and is revalidated each visit.
    worker = stack.request("GET", "/app/sw.js")
    assert worker.status == 200
    assert worker.headers["Content-Type"].startswith("text/javascript")
    assert worker.headers["Cache-Control"] == "no-cache"
    assert worker.headers["Content-Security-Policy"] == APP_CONTENT_SECURITY_POLICY
    assert b"const VERSION = " in worker.body
    assert b"__VERSION__" not in worker.body
