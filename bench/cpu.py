"""CPU and SQL per request, in process: what one request of each `make bench` endpoint
costs the Python side, without gunicorn, wrk or the network.

    .venv/bin/python bench/cpu.py                      # PostgreSQL (bench_cpu on 127.0.0.1)
    .venv/bin/python bench/cpu.py --database sqlite    # SQLite, a scratch file
    .venv/bin/python bench/cpu.py --keep               # keep the seeded database...
    .venv/bin/python bench/cpu.py --reuse              # ...and measure again on it
    .venv/bin/python bench/cpu.py --reuse --code /tmp/base   # another commit's package
                                       # (git archive <commit> expense_tracker config.py)

For each endpoint of the main table (bench/endpoints.py): `time.process_time` over
`--requests` requests (300) through Flask's test client, after 20 warm-up ones, divided
by their number (the CPU of this process: Flask, the service, the driver; not the
database server's), the least of `--rounds` such measurements; the SQL statements of one
request (a `before_cursor_execute` listener) and the connections it takes from the pool.
Production settings as `make bench` has them (no rate limits, warning logs).
The data set is `make bench`'s scaled by `--scale` (0.02: a few thousand rows a user,
seeded in about a minute); the pages read are the same size at every scale.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.database import DEFAULT_POSTGRES_URL, BenchDatabase  # noqa: E402
from bench.endpoints import (  # noqa: E402
    BENCH_PASSWORD,
    DataSet,
    Layout,
    find_layout,
    main_endpoints,
)

WARM_UP = 20
# Throwaway secrets: every run signs in afresh (seed-bench's password), so a reused
# database needs none of a previous run's.
SECRETS = (secrets.token_urlsafe(48), secrets.token_urlsafe(48))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--database-name", default="bench_cpu")
    parser.add_argument("--sqlite-path", default="/tmp/bench-cpu.db")
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each endpoint this many times and keep the least CPU per request "
        "(what the code costs when nothing else disturbs the process: a shared machine "
        "moves one round by 20%%)",
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept before")
    parser.add_argument(
        "--code",
        help="measure the expense_tracker package (and config.py) in this directory, an "
        "export of another commit: before and after, in turns, under the same load",
    )
    parser.add_argument(
        "--layout-file",
        default="/tmp/bench-cpu-layout.json",
        help="where --keep leaves the seeded layout for --reuse (the writes measured add "
        "expenses, so the sized groups are no longer found by their sizes)",
    )
    return parser.parse_args(argv)


def environment(database_url: str) -> dict[str, str]:
    return {
        "APP_ENV": "production",
        "FLASK_APP": "wsgi:app",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRETS[0],
        "JWT_SECRET_KEY": SECRETS[1],
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "ACCESS_TOKEN_LIFETIME": "10800",
        "METRICS_ENABLED": "false",
    }


def prepare(args: argparse.Namespace, data: DataSet) -> tuple[str, BenchDatabase | None]:
    """The database URL, seeded unless reused; the database to drop at the end, if any."""
    if args.database == "postgresql":
        database = BenchDatabase.postgresql(args.postgres_url, args.database_name)
    else:
        database = BenchDatabase(
            kind="sqlite", url=f"sqlite:///{args.sqlite_path}", name=args.sqlite_path
        )
    if not args.reuse:
        if database.kind == "sqlite":
            Path(args.sqlite_path).unlink(missing_ok=True)
        database.create()
        env = {**os.environ, **environment(database.url)}
        for command in (["db", "upgrade"], data.seed_arguments()):
            subprocess.run([sys.executable, "-m", "flask", *command], cwd=ROOT, env=env, check=True)
        database.vacuum()
    return database.url, None if args.keep else database


def layout_of(args: argparse.Namespace, url: str, data: DataSet) -> Layout:
    """The seeded layout: found in the database, or read from where --keep left it."""
    path = Path(args.layout_file)
    if args.reuse:
        saved = json.loads(path.read_text())
        return Layout(
            saved["top_user"],
            {int(k): v for k, v in saved["group_of_size"].items()},
            {int(k): v for k, v in saved["member_of"].items()},
            {int(k): v for k, v in saved["emails"].items()},
        )
    layout = find_layout(url, data)
    if args.keep:
        path.write_text(json.dumps(layout.__dict__))
    return layout


def measure(
    database_url: str, layout: Layout, data: DataSet, requests: int, rounds: int = 1
) -> list[tuple[str, int, float, int, int]]:
    """(endpoint, status, CPU ms per request, SQL statements and connections taken from the
    pool per request) per endpoint."""
    from sqlalchemy import event

    from expense_tracker import create_app
    from expense_tracker.extensions import db

    os.environ.update(environment(database_url))
    app = create_app()
    client = app.test_client()
    tokens: dict[int, str] = {}
    for user_id in layout.users:
        answer = client.post(
            "/token", data={"username": layout.emails[user_id], "password": BENCH_PASSWORD}
        )
        tokens[user_id] = answer.get_json()["access_token"]
    counter = {"n": 0, "checkouts": 0}

    def count(*_args: Any) -> None:
        counter["n"] += 1

    def count_checkout(*_args: Any) -> None:
        counter["checkouts"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine.pool, "checkout", count_checkout)
    rows = []
    for endpoint in main_endpoints(layout, data):
        headers = {"Authorization": f"Bearer {tokens[endpoint.user_id]}"}
        request = (endpoint.path, endpoint.method, endpoint.body, headers)
        for _ in range(WARM_UP):
            _one(client, *request)
        counter["n"] = counter["checkouts"] = 0
        status = _one(client, *request)
        statements, checkouts = counter["n"], counter["checkouts"]
        cpu_ms = min(_cpu_ms(client, request, requests) for _ in range(rounds))
        rows.append((endpoint.key, status, cpu_ms, statements, checkouts))
    engine.dispose()
    return rows


def _cpu_ms(client: Any, request: tuple[Any, ...], requests: int) -> float:
    started = time.process_time()
    for _ in range(requests):
        _one(client, *request)
    return (time.process_time() - started) * 1000 / requests


def _one(client: Any, path: str, method: str, body: Any, headers: dict[str, str]) -> int:
    response = client.open(path, method=method, json=body, headers=headers)
    response.get_data()
    return int(response.status_code)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.code:
        sys.path.insert(0, str(Path(args.code).resolve()))
    data = DataSet().scaled(args.scale)
    url, to_drop = prepare(args, data)
    try:
        rows = measure(url, layout_of(args, url, data), data, args.requests, args.rounds)
    finally:
        if to_drop is not None:
            to_drop.drop()
            if to_drop.kind == "sqlite":
                Path(args.sqlite_path).unlink(missing_ok=True)
    import expense_tracker

    print(
        f"\n{args.database}, scale {args.scale}, {args.requests} requests per endpoint, "
        f"least of {args.rounds} round(s)"
    )
    print(f"code: {Path(expense_tracker.__file__).parent}\n")
    print("| endpoint | status | CPU ms/req | SQL/req | connections/req |")
    print("|---|---|---|---|---|")
    for key, status, cpu_ms, statements, checkouts in rows:
        print(f"| {key} | {status} | {cpu_ms:.2f} | {statements} | {checkouts} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
