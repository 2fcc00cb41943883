"""IHateMoney, the peer of bench/peer.py: installed from PyPI into a throwaway virtualenv,
configured for its own PostgreSQL database, served by gunicorn with sync workers (its own
deployment template's choice), and loaded through its REST API.

Nothing of IHateMoney's code is copied here: the bench only talks to its installed package
(its `create_app`, which migrates the database) and to its HTTP API.
"""

from __future__ import annotations

import base64
import json
import random
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from bench import client
from bench.servers import Server, free_port, launch
from bench.wrk import Request

VERSION = "7.2.1"  # the release measured; --ihatemoney-version picks another
# What the server needs next to ihatemoney: gunicorn, and psycopg 3 (SQLAlchemy's
# postgresql+psycopg driver, the same one our service uses).
EXTRA_PACKAGES = ("gunicorn", "psycopg[binary]")
SHOWN_PACKAGES = (
    "ihatemoney",
    "Flask",
    "SQLAlchemy",
    "SQLAlchemy-Continuum",
    "gunicorn",
    "psycopg",
)
PASSWORD = "peer-bench-code"
CURRENCY = "XXX"  # IHateMoney's "no currency": no exchange rates are ever fetched
HISTORY_DAYS = 730
LOADERS = 3  # concurrent clients while loading bills: one per worker


@dataclass(frozen=True)
class Install:
    """A virtualenv with IHateMoney, and the versions of what matters in it."""

    python: Path
    versions: dict[str, str]

    def describe(self) -> str:
        return ", ".join(f"{name} {self.versions.get(name, '?')}" for name in SHOWN_PACKAGES)


def install(directory: Path, version: str) -> Install:
    """`pip install ihatemoney==<version>` into <directory>/ihatemoney-<version> (made on
    first use; a cache directory given again is reused, pip then only checks)."""
    venv = directory / f"ihatemoney-{version}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"ihatemoney=={version}", *EXTRA_PACKAGES],
        check=True,
    )  # fmt: skip
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    versions = {item["name"].lower(): item["version"] for item in json.loads(listed.stdout)}
    return Install(python, {name: versions.get(name.lower(), "?") for name in SHOWN_PACKAGES})


def settings_file(directory: Path, database_url: str) -> Path:
    """Its configuration (a Python file, IHATEMONEY_SETTINGS_FILE_PATH): our database, a
    throwaway secret, no demo project, no mail sent."""
    path = directory / "ihatemoney.cfg"
    path.write_text(
        f"SQLALCHEMY_DATABASE_URI = {database_url!r}\n"
        f"SECRET_KEY = {secrets.token_urlsafe(32)!r}\n"
        "DEBUG = False\n"
        "ACTIVATE_DEMO_PROJECT = False\n"
        "ALLOW_PUBLIC_PROJECT_CREATION = True\n"
        "MAIL_SUPPRESS_SEND = True\n"
    )
    return path


def environment(settings: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(settings.parent),
        "IHATEMONEY_SETTINGS_FILE_PATH": str(settings),
        "PYTHONUNBUFFERED": "1",
    }


def migrate(installed: Install, env: dict[str, str], cwd: Path) -> None:
    """Create its tables once, before the workers start: its create_app() runs its Alembic
    migrations, and three workers doing that at once on an empty database would race."""
    code = "from ihatemoney.run import create_app; create_app()"
    subprocess.run([str(installed.python), "-c", code], env=env, cwd=cwd, check=True)


def start(
    installed: Install, env: dict[str, str], workers: int, log_path: Path, boot_timeout: float
) -> Server:
    """gunicorn with `workers` sync workers serving ihatemoney.wsgi on a free port."""
    port = free_port()
    command = [
        str(installed.python), "-m", "gunicorn", "--workers", str(workers),
        "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "ihatemoney.wsgi:application",
    ]  # fmt: skip
    return launch(
        "IHateMoney", command, env, port, log_path, workers, boot_timeout,
        health_path="/api/currencies", cwd=log_path.parent,
    )  # fmt: skip


@dataclass(frozen=True)
class Bill:
    """One expense: paid by one member, shared equally by all of them."""

    what: str
    cents: int
    payer: int  # index into the members
    day: date


def bills(count: int, members: int, seed: int) -> list[Bill]:
    """`count` bills drawn from `seed`, over two years of history."""
    rng = random.Random(seed)
    today = date.today()
    return [
        Bill(
            what=f"Bill {number}",
            cents=rng.randrange(members * 2, 50_000),
            payer=rng.randrange(members),
            day=today - timedelta(days=rng.randrange(HISTORY_DAYS)),
        )
        for number in range(count)
    ]


@dataclass(frozen=True)
class Project:
    """A loaded project: its id, an API token and its members' ids."""

    id: str
    token: str
    members: list[int]

    def request(self, path: str) -> Request:
        return Request("GET", f"/api/projects/{self.id}{path}", b"", self.headers)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _post_form(
    port: int, path: str, fields: list[tuple[str, str]], headers: dict[str, str]
) -> bytes:
    form_headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = client.call(
        port, Request("POST", path, urlencode(fields).encode(), form_headers)
    )
    if status != 201:
        raise RuntimeError(f"IHateMoney POST {path} answered {status}: {body[:300]!r}")
    return body


def load_project(port: int, project_id: str, members: int, bills_to_add: list[Bill]) -> Project:
    """Create a project, its members and its bills through IHateMoney's API."""
    _post_form(
        port,
        "/api/projects",
        [("name", project_id), ("id", project_id), ("password", PASSWORD),
         ("contact_email", "peer-bench@example.com"), ("default_currency", CURRENCY)],
        {},
    )  # fmt: skip
    token = _token(port, project_id)
    project = Project(project_id, token, [])
    for number in range(members):
        body = _post_form(
            port, f"/api/projects/{project_id}/members", [("name", f"Member {number + 1}")],
            project.headers,
        )  # fmt: skip
        project.members.append(int(json.loads(body)))
    with ThreadPoolExecutor(LOADERS) as pool:
        for _ in pool.map(lambda bill: _add_bill(port, project, bill), bills_to_add):
            pass
    return project


def _token(port: int, project_id: str) -> str:
    """The project's API token (Basic auth with its private code once; bearer after that,
    so no request of the measurement pays for a password hash)."""
    basic = base64.b64encode(f"{project_id}:{PASSWORD}".encode()).decode()
    request = Request(
        "GET", f"/api/projects/{project_id}/token", b"", {"Authorization": f"Basic {basic}"}
    )
    status, _, body = client.call(port, request)
    if status != 200:
        raise RuntimeError(f"IHateMoney token answered {status}: {body[:300]!r}")
    return str(json.loads(body)["token"])


def _add_bill(port: int, project: Project, bill: Bill) -> None:
    fields = [
        ("date", bill.day.isoformat()),
        ("what", bill.what),
        ("payer", str(project.members[bill.payer])),
        ("amount", f"{bill.cents // 100}.{bill.cents % 100:02d}"),
        ("original_currency", CURRENCY),
        ("bill_type", "Expense"),
        *(("payed_for", str(member)) for member in project.members),
    ]
    _post_form(port, f"/api/projects/{project.id}/bills", fields, project.headers)
