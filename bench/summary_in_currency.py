"""What "my money in one currency" costs on a large ledger: one user with many personal
expenses over three years in three currencies (EUR, USD, GBP), a rate for every weekday,
and shares in a group; `GET /expenses/summary` plain (the kept cells), `?in=EUR` and
`?in=EUR&include=group_shares`, timed in process (Flask test client, no network) with SQL
statements counted. Prints figures; asserts nothing about time.

    .venv/bin/python -m bench.summary_in_currency                  # SQLite, 200,000 expenses
    .venv/bin/python -m bench.summary_in_currency --postgres --rows 1000000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import event, insert

FIRST_DAY = date(2023, 1, 2)
DAYS = 3 * 365
CATEGORIES = ["Groceries", "Rent", "Transport", "Coffee", "Books", "Fun", "Health", "Gifts"]
METHODS = ["cash", "credit_card", "debit_card", "bank_transfer", "mobile_payment", "other"]
ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    name = "bench_summary"
    with tempfile.TemporaryDirectory() as scratch:
        if options.postgres:
            with psycopg.connect(ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        else:
            url = f"sqlite:///{Path(scratch) / 'summary.db'}"
        try:
            run(url, options.rows, options.repeat)
        finally:
            if options.postgres:
                with psycopg.connect(ADMIN, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(url: str, rows: int, repeat: int) -> None:
    from flask_migrate import upgrade

    from expense_tracker import create_app
    from expense_tracker.domain.text import casefold_key
    from expense_tracker.expenses import summary_audit
    from expense_tracker.extensions import db
    from expense_tracker.models import ExchangeRate, Expense

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
    client.post(
        "/users/",
        json={"email": "ledger@example.com", "password": "bench password", "full_name": "Lee"},
    )
    token = client.post(
        "/token", json={"email": "ledger@example.com", "password": "bench password"}
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    other = client.post(
        "/users/",
        json={"email": "friend@example.com", "password": "bench password", "full_name": "Fay"},
    ).get_json()
    started = time.perf_counter()
    rng = random.Random(3)
    with app.app_context():
        owner_id = db.session.execute(
            db.text("SELECT id FROM users WHERE email_key = 'ledger@example.com'")
        ).scalar_one()
        batch = []
        for number in range(rows):
            currency = ("EUR", "EUR", "USD", "GBP")[number % 4]
            category = CATEGORIES[number % len(CATEGORIES)]
            batch.append(
                {
                    "owner_id": owner_id,
                    "date": FIRST_DAY + timedelta(days=rng.randrange(DAYS)),
                    "category": category,
                    "category_key": casefold_key(category),
                    "amount": rng.randint(100, 20_000),
                    "currency": currency,
                    "description": "",
                    "description_key": "",
                    "payment_method": METHODS[number % len(METHODS)],
                    "version": 1,
                }
            )
            if len(batch) == 10_000:
                db.session.execute(insert(Expense), batch)
                batch = []
        if batch:
            db.session.execute(insert(Expense), batch)
        rates = []
        for offset in range(DAYS + 7):
            day = FIRST_DAY - timedelta(days=7) + timedelta(days=offset)
            if day.weekday() < 5:
                rates.append({"day": day, "currency": "USD", "per_euro": Decimal("1.0921")})
                rates.append({"day": day, "currency": "GBP", "per_euro": Decimal("0.86055")})
        db.session.execute(insert(ExchangeRate), rates)
        summary_audit.rebuild([owner_id])
        db.session.commit()
    seeded = time.perf_counter() - started
    # A group with 200 shared expenses, to include my shares.
    group = client.post(
        "/groups/", json={"name": "Flat", "currency": "EUR"}, headers=headers
    ).get_json()
    code = group["invite_code"]
    friend_token = client.post(
        "/token", json={"email": "friend@example.com", "password": "bench password"}
    ).get_json()["access_token"]
    client.post(
        "/groups/join",
        json={"invite_code": code},
        headers={"Authorization": f"Bearer {friend_token}"},
    )
    for number in range(200):
        day = FIRST_DAY + timedelta(days=number * 5)
        client.post(
            f"/groups/{group['id']}/expenses",
            json={
                "description": "Shop",
                "amount": "30.00",
                "date": day.isoformat(),
                "split_type": "equal",
                "category": "Groceries",
            },
            headers=headers,
        )
    assert other["id"]

    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    kind = url.split(":", 1)[0].split("+")[0]
    print(
        f"database   {kind}; {rows:,} personal expenses over 3 years in EUR, USD, GBP "
        f"(seeded in {seeded:.0f} s); 200 group expenses shared with one friend"
    )
    print(f"{'summary':<46} {'median ms':>10} {'max ms':>8} {'SQL':>5} {'rows':>5}")
    for label, query in (
        ("plain (kept cells)", ""),
        ("?in=EUR", "?in=EUR"),
        ("?in=EUR&include=group_shares", "?in=EUR&include=group_shares"),
        ("?in=EUR&group_by=month", "?in=EUR&group_by=month"),
        (
            "?in=EUR, one year (date_from/date_to)",
            "?in=EUR&date_from=2024-01-01&date_to=2024-12-31",
        ),
    ):
        times = []
        for _ in range(repeat):
            statements = 0
            began = time.perf_counter()
            response = client.get(f"/expenses/summary{query}", headers=headers)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.get_json()
        print(
            f"{label:<46} {statistics.median(times):>10.1f} {max(times):>8.1f} "
            f"{statements:>5} {len(response.get_json()):>5}"
        )


if __name__ == "__main__":
    main()
