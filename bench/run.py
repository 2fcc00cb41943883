"""Benchmark the main endpoints against a seeded database: throughput, latency percentiles
and SQL queries per request.

Two ways to run it (from the repository root, with the virtualenv's Python):

    # In process (no network): seeds a fresh SQLite database with `seed-bench` data, or uses
    # --database-url as it is (seed it first with `flask seed-bench`). Counts the SQL
    # statements each request runs.
    .venv/bin/python bench/run.py --users 2000 --expenses 200000 --groups 200

    # Over HTTP against a running stack (`make serve`, nginx in front), loopback only, with
    # concurrent clients; the database must hold seed-bench data (same password).
    .venv/bin/python bench/run.py --url http://127.0.0.1:8080 --concurrency 8 --requests 400

Every run is bounded: --requests per endpoint (sign-in, which is bcrypt on purpose, gets
at most a tenth of them), and the HTTP mode only accepts loopback addresses.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "bench-password"


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    authenticated: bool = True
    share: float = 1.0  # fraction of --requests


@dataclass
class Result:
    endpoint: Endpoint
    seconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0


def endpoints(email: str, group_id: int | None) -> list[Endpoint]:
    chosen = [
        Endpoint(
            "sign in",
            "POST",
            "/token",
            form={"username": email, "password": BENCH_PASSWORD},
            authenticated=False,
            share=0.1,
        ),
        Endpoint("my account", "GET", "/users/me"),
        Endpoint("list expenses", "GET", "/expenses/?limit=50"),
        Endpoint("list expenses, page 5", "GET", "/expenses/?skip=200&limit=50"),
        Endpoint(
            "filter expenses",
            "GET",
            "/expenses/?category=groceries&min_amount=10&sort=-amount&limit=50",
        ),
        Endpoint("search expenses", "GET", "/expenses/?q=week&limit=50"),
        Endpoint("summary by month", "GET", "/expenses/summary?group_by=month"),
        Endpoint("categories", "GET", "/expenses/categories"),
        Endpoint(
            "record expense",
            "POST",
            "/expenses/",
            body={"amount": "12.34", "category": "Coffee", "payment_method": "cash"},
        ),
        Endpoint("my groups", "GET", "/groups/"),
        Endpoint("my balances", "GET", "/users/me/balances"),
    ]
    if group_id is not None:
        chosen += [
            Endpoint("group expenses", "GET", f"/groups/{group_id}/expenses/?limit=50"),
            Endpoint("group balances", "GET", f"/groups/{group_id}/balances"),
            Endpoint("settle-up plan", "GET", f"/groups/{group_id}/settle-up"),
        ]
    return chosen


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def report(results: list[Result], concurrency: int, count_queries: bool) -> None:
    header = (
        f"{'endpoint':<24}{'n':>6}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}" + (f"{'queries':>9}" if count_queries else "") + "  statuses"
    )
    print(f"\nconcurrency {concurrency}\n" + header + "\n" + "-" * len(header))
    for result in results:
        ms = [seconds * 1000 for seconds in result.seconds]
        throughput = len(ms) / result.wall if result.wall else 0.0
        queries = f"{statistics.mean(result.queries):>9.1f}" if count_queries else ""
        statuses = ",".join(f"{status}x{n}" for status, n in sorted(result.statuses.items()))
        print(
            f"{result.endpoint.name:<24}{len(ms):>6}{throughput:>9.1f}"
            f"{percentile(ms, 0.5):>9.1f}{percentile(ms, 0.9):>9.1f}{percentile(ms, 0.99):>9.1f}"
            f"{max(ms):>9.1f}{queries}  {statuses}"
        )


# -- in process ----------------------------------------------------------------------------


def run_in_process(args: argparse.Namespace) -> None:
    url = args.database_url
    seed = url is None
    if seed:
        scratch = tempfile.TemporaryDirectory(prefix="expense-bench-")
        url = f"sqlite:///{Path(scratch.name) / 'bench.db'}"
    try:
        _bench_in_process(args, url, seed)
    finally:
        if seed:
            scratch.cleanup()


def _bench_in_process(args: argparse.Namespace, url: str, seed: bool) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import event, func, select

    from expense_tracker import create_app
    from expense_tracker.extensions import db
    from expense_tracker.models import GroupMember, User
    from expense_tracker.seeding.bench import load_bench_data

    app = create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "BCRYPT_LOG_ROUNDS": args.bcrypt_rounds,
        },
    )
    with app.app_context():
        if seed:
            upgrade()
            print(f"seeding {url}")
            print(
                load_bench_data(
                    users=args.users,
                    expenses=args.expenses,
                    groups=args.groups,
                    group_expenses=args.group_expenses,
                    members=5,
                    password=BENCH_PASSWORD,
                    seed=1,
                    batch_size=10_000,
                    progress=print,
                )
            )
        # A group member with the most personal expenses: the heaviest ordinary user.
        group_id, user_id = db.session.execute(
            select(GroupMember.group_id, GroupMember.user_id).order_by(GroupMember.group_id)
        ).first() or (None, None)
        if user_id is None:
            user_id = db.session.scalar(select(func.min(User.id)))
        email = db.session.scalar(select(User.email).where(User.id == user_id))
        engine = db.engine

    counter = threading.local()

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args: Any) -> None:
        counter.n = getattr(counter, "n", 0) + 1

    client = app.test_client()
    token_reply = client.post("/token", data={"username": email, "password": BENCH_PASSWORD})
    assert token_reply.status_code == 200, token_reply.get_json()
    token = token_reply.get_json()["access_token"]
    print(f"\nas {email} (group {group_id}), database {engine.url.get_backend_name()}")

    results = []
    for endpoint in endpoints(email, group_id):
        result = Result(endpoint)
        total = max(3, int(args.requests * endpoint.share))
        headers = {"Authorization": f"Bearer {token}"} if endpoint.authenticated else {}
        for _ in range(min(5, total)):  # warm-up
            client.open(
                endpoint.path, method=endpoint.method, json=endpoint.body, data=endpoint.form,
                headers=headers,
            )  # fmt: skip
        wall_start = time.perf_counter()
        for _ in range(total):
            counter.n = 0
            start = time.perf_counter()
            response = client.open(
                endpoint.path, method=endpoint.method, json=endpoint.body, data=endpoint.form,
                headers=headers,
            )  # fmt: skip
            result.seconds.append(time.perf_counter() - start)
            result.queries.append(counter.n)
            result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
        result.wall = time.perf_counter() - wall_start
        results.append(result)
    report(results, 1, count_queries=True)
    engine.dispose()


# -- over HTTP -----------------------------------------------------------------------------


def run_over_http(args: argparse.Namespace) -> None:
    parts = urlsplit(args.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    address = ipaddress.ip_address(socket.gethostbyname(host))
    if not address.is_loopback:
        raise SystemExit(f"refusing to load {host}: benchmarks only target loopback addresses")
    local = threading.local()

    def call(endpoint: Endpoint, token: str | None) -> tuple[int, float]:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection(host, port, timeout=30)
        headers: dict[str, str] = {}
        body: bytes | None = None
        if endpoint.body is not None:
            body, headers["Content-Type"] = json.dumps(endpoint.body).encode(), "application/json"
        if endpoint.form is not None:
            body = urlencode(endpoint.form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token and endpoint.authenticated:
            headers["Authorization"] = f"Bearer {token}"
        start = time.perf_counter()
        try:
            connection.request(endpoint.method, endpoint.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            local.connection = None
            return 0, time.perf_counter() - start
        return response.status, time.perf_counter() - start

    email = args.email
    sign_in = Endpoint(
        "sign in", "POST", "/token", form={"username": email, "password": BENCH_PASSWORD}
    )
    status, _ = call(sign_in, None)
    if status != 200:
        raise SystemExit(f"could not sign in as {email} ({status}); seed with flask seed-bench")
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request(
        "POST", "/token", body=urlencode(sign_in.form or {}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    token = json.loads(connection.getresponse().read())["access_token"]
    connection.request("GET", "/groups/", headers={"Authorization": f"Bearer {token}"})
    groups = json.loads(connection.getresponse().read())
    connection.close()
    group_id = groups[0]["id"] if groups else None

    results = []
    with ThreadPoolExecutor(args.concurrency) as pool:
        for endpoint in endpoints(email, group_id):
            total = max(args.concurrency, int(args.requests * endpoint.share))
            result = Result(endpoint)
            wall_start = time.perf_counter()
            for status, seconds in pool.map(lambda _n, e=endpoint: call(e, token), range(total)):
                result.seconds.append(seconds)
                result.statuses[status] = result.statuses.get(status, 0) + 1
            result.wall = time.perf_counter() - wall_start
            results.append(result)
    print(f"\n{args.url} as {email} (group {group_id})")
    report(results, args.concurrency, count_queries=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--database-url", help="in process: a seeded database to use as it is")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--expenses", type=int, default=200_000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--group-expenses", type=int, default=50)
    parser.add_argument("--bcrypt-rounds", type=int, default=12, help="in process: sign-in cost")
    parser.add_argument("--url", help="over HTTP: the stack to load (loopback only)")
    parser.add_argument(
        "--email", default="bench-user-1@example.com", help="over HTTP: who signs in"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="over HTTP: parallel clients")
    args = parser.parse_args()
    args.requests = max(1, min(args.requests, 5000))
    args.concurrency = max(1, min(args.concurrency, 64))
    (run_over_http if args.url else run_in_process)(args)


if __name__ == "__main__":
    main()
