"""How long a large Splitwise import takes: one `POST /groups/import/splitwise` of a
generated export (default 10,000 rows: nine people, one payment in ten rows), in process
through the Flask test client on a fresh database. Prints wall and CPU time, SQL
statements, and rows per second.

    .venv/bin/python -m bench.splitwise_import                      # SQLite file
    .venv/bin/python -m bench.splitwise_import --postgres           # PostgreSQL (bench_import)
    .venv/bin/python -m bench.splitwise_import --rows 20000
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy import event

PEOPLE = [
    "Alice Martin",
    "Bob Ferreira",
    "Carol Nguyen",
    "Dario Rossi",
    "Eva Novák",
    "Fatima Zahra",
    "Gustav Lind",
    "Hana Sato",
    "Ines Ødegaard",
]


def export(rows: int, seed: int = 7) -> bytes:
    """A Splitwise-shaped export of `rows` random expenses and payments."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Date", "Description", "Category", "Cost", "Currency", *PEOPLE])
    writer.writerow([])
    totals = [0] * len(PEOPLE)
    for number in range(rows):
        nets = [0] * len(PEOPLE)
        if number % 10 == 9:
            sender, receiver = rng.sample(range(len(PEOPLE)), 2)
            cost = rng.randint(100, 50_000)
            nets[sender], nets[receiver] = cost, -cost
            category, description = "Payment", f"{PEOPLE[sender]} paid {PEOPLE[receiver]}"
        else:
            cost = rng.randint(100, 500_000)
            payer = rng.randrange(len(PEOPLE))
            sharers = rng.sample(range(len(PEOPLE)), rng.randint(1, len(PEOPLE)))
            base, spare = divmod(cost, len(sharers))
            nets[payer] += cost
            for position, person in enumerate(sharers):
                nets[person] -= base + (1 if position < spare else 0)
            category, description = "Groceries", f'Row {number}, "shop"\nsecond line'
        totals = [total + net for total, net in zip(totals, nets, strict=True)]
        day = f"2023-{1 + number % 12:02d}-{1 + number % 28:02d}"
        writer.writerow([day, description, category, _money(cost), "EUR", *map(_money, nets)])
    writer.writerow([])
    writer.writerow(["2024-01-01", "Total balance", " ", " ", "EUR", *map(_money, totals)])
    return ("\ufeff" + out.getvalue()).encode()


def _money(units: int) -> str:
    sign = "-" if units < 0 else ""
    return f"{sign}{abs(units) // 100}.{abs(units) % 100:02d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_import"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if options.postgres:
            url = options.postgres_url
            name = url.rsplit("/", 1)[1]
            with psycopg.connect(
                "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True
            ) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                c.execute(f'CREATE DATABASE "{name}"')
        else:
            url = f"sqlite:///{Path(scratch) / 'import.db'}"
        run(url, options.rows)
        if options.postgres:
            with psycopg.connect(
                "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True
            ) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(url: str, rows: int) -> None:
    from flask_migrate import upgrade

    from expense_tracker import create_app
    from expense_tracker.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
    client = app.test_client()
    client.post(
        "/users/",
        json={"email": "bench@example.com", "password": "bench password", "full_name": "Alice"},
    )
    token = client.post(
        "/token", json={"email": "bench@example.com", "password": "bench password"}
    ).get_json()["access_token"]
    body = export(rows)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    started, cpu = time.perf_counter(), time.process_time()
    response = client.post(
        "/groups/import/splitwise",
        data={"file": (io.BytesIO(body), "bench.csv"), "me": "Alice Martin"},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert response.status_code == 201, response.get_json()
    imported = response.get_json()["imported"]
    kind = url.split(":", 1)[0].split("+")[0]
    print(f"database          {kind}")
    print(f"file              {rows} rows, {len(body) / 1e6:.1f} MB")
    print(f"imported          {imported}")
    print(f"wall time         {wall:.2f} s ({rows / wall:,.0f} rows/s)")
    where = "app and SQLite" if kind == "sqlite" else "the app; PostgreSQL's own time is not in it"
    print(f"CPU time          {cpu:.2f} s (this process: {where})")
    print(f"SQL statements    {statements} ({statements / rows:.3f} per row)")


if __name__ == "__main__":
    main()
