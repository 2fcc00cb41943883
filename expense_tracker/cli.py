"""Flask CLI commands for operators: accounts, demo data and benchmark data.

- `flask create-user`: one account, validated like a sign-up.
- `flask seed-demo`: a small, realistic data set, created through the HTTP API itself (so
  it passes the real validation and split rules); running it again changes nothing.
- `flask seed-bench`: a large synthetic data set, bulk-inserted with SQLAlchemy Core in
  batches (one password hash for every user), valid against every database constraint.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import click
import marshmallow as ma
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import Table, func, select, text

from expense_tracker import splits
from expense_tracker.auth import service
from expense_tracker.auth.passwords import hash_password
from expense_tracker.auth.schemas import RegistrationSchema
from expense_tracker.database import utcnow
from expense_tracker.errors import Conflict, flatten_messages
from expense_tracker.extensions import db
from expense_tracker.fields import casefold_key, utc_today
from expense_tracker.models import (
    Expense,
    ExpensePayer,
    ExpenseSplit,
    Group,
    GroupExpense,
    GroupMember,
    Settlement,
    User,
)
from expense_tracker.models.expense import PAYMENT_METHODS
from expense_tracker.models.group import HUNDREDTHS, SPLIT_TYPES
from expense_tracker.ratelimit import INTERNAL_REQUEST_FLAG


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_bench)


# -- create-user ---------------------------------------------------------------------------


@click.command("create-user")
@click.option("--email", prompt=True, help="Sign-in email (unique, any letter case).")
@click.option("--full-name", prompt=True, help="Name shown to group members.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="8 to 128 characters; prompted (hidden) when not given.",
)
@click.option("--currency", default="USD", show_default=True, help="Default currency.")
@with_appcontext
def create_user(email: str, full_name: str, password: str, currency: str) -> None:
    """Create an account."""
    try:
        data = RegistrationSchema().load(
            {
                "email": email,
                "full_name": full_name,
                "password": password,
                "default_currency": currency,
            }
        )
    except ma.ValidationError as exc:
        problems = "; ".join(
            f"{field}: {' '.join(messages)}"
            for field, messages in flatten_messages(exc.messages).items()
        )
        raise click.ClickException(f"invalid account: {problems}") from None
    try:
        user = service.register(**data)
    except Conflict:
        raise click.ClickException(f"an account with the email {email!r} exists") from None
    click.echo(f"Created user {user.id} <{user.email}> ({user.default_currency}).")


# -- seed-demo -----------------------------------------------------------------------------

DEMO_PASSWORD = "demo-password-2024"
DEMO_USERS = (
    ("alice@example.com", "Alice Martin", "EUR"),
    ("bob@example.com", "Bob Chen", "EUR"),
    ("carol@example.com", "Carol Díaz", "EUR"),
)


class DemoApiError(click.ClickException):
    pass


class ApiClient:
    """The API as a client sees it, in process; exempt from rate limits."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        expect: tuple[int, ...] = (200, 201),
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.open(
            path,
            method=method,
            json=json,
            data=data,
            headers=headers,
            environ_base={INTERNAL_REQUEST_FLAG: True},
        )
        body = response.get_json(silent=True)
        if response.status_code not in expect:
            raise DemoApiError(
                f"{method} {path} answered {response.status_code}: "
                f"{(body or {}).get('detail', '')} {(body or {}).get('errors', '')}".strip()
            )
        return response.status_code, body


def _in_own_thread(work: Callable[[], Any]) -> Any:
    """Run `work` on a fresh thread: without this command's application context, each
    in-process request gets its own context, session and `g`, as in a server."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="seed-demo")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _seed_demo(app: Flask) -> str:
    api = ApiClient(app)
    status, _ = api.call(
        "POST",
        "/users/",
        json={
            "email": DEMO_USERS[0][0],
            "full_name": DEMO_USERS[0][1],
            "password": DEMO_PASSWORD,
            "default_currency": DEMO_USERS[0][2],
        },
        expect=(201, 409),
    )
    if status == 409:
        return "Demo data is already there (alice@example.com exists); nothing changed."
    for email, full_name, currency in DEMO_USERS[1:]:
        api.call(
            "POST",
            "/users/",
            json={
                "email": email,
                "full_name": full_name,
                "password": DEMO_PASSWORD,
                "default_currency": currency,
            },
        )
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    for email, _name, _currency in DEMO_USERS:
        name = email.split("@")[0]
        _, pair = api.call("POST", "/token", data={"username": email, "password": DEMO_PASSWORD})
        tokens[name] = pair["access_token"]
        _, me = api.call("GET", "/users/me", tokens[name])
        ids[name] = me["id"]
    alice, bob, carol = ids["alice"], ids["bob"], ids["carol"]
    today = utc_today()

    def day(days_ago: int) -> str:
        return (today - timedelta(days=days_ago)).isoformat()

    personal = {
        "alice": [
            ("Groceries", "54.20", "debit_card", "Weekly shop", 1),
            ("Transport", "2.90", "mobile_payment", "Metro ticket", 2),
            ("Rent", "950.00", "bank_transfer", "November rent", 5),
            ("Eating out", "18.50", "credit_card", "Lunch with Sam", 6),
            ("Utilities", "63.75", "bank_transfer", "Electricity", 12),
            ("Groceries", "31.05", "cash", "Market", 15),
            ("Health", "12.99", "credit_card", "Pharmacy", 33),
            ("Entertainment", "11.99", "credit_card", "Streaming subscription", 40),
        ],
        "bob": [
            ("Groceries", "22.40", "cash", "Bakery and fruit", 1),
            ("Transport", "45.00", "credit_card", "Fuel", 8),
            ("Books", "17.90", "debit_card", "Paperback", 20),
        ],
    }
    for name, rows in personal.items():
        for category, amount, method, description, days_ago in rows:
            api.call(
                "POST",
                "/expenses/",
                tokens[name],
                json={
                    "category": category,
                    "amount": amount,
                    "payment_method": method,
                    "description": description,
                    "date": day(days_ago),
                },
            )

    _, trip = api.call(
        "POST",
        "/groups/",
        tokens["alice"],
        json={
            "name": "Lisbon trip",
            "description": "Long weekend in Lisbon",
            "currency": "EUR",
            "join_policy": "invite",
        },
    )
    trip_id = trip["id"]
    api.call("POST", "/groups/join", tokens["bob"], json={"invite_code": trip["invite_code"]})
    api.call(
        "POST",
        f"/groups/{trip_id}/join",
        tokens["carol"],
        json={"invite_code": trip["invite_code"]},
    )
    trip_expenses: list[tuple[str, dict[str, Any]]] = [
        (
            "alice",
            {
                "description": "Apartment, 3 nights",
                "amount": "540.00",
                "category": "Lodging",
                "date": day(10),
                "split_type": "equal",
            },
        ),
        (
            "bob",
            {
                "description": "Dinner in Alfama",
                "amount": "96.50",
                "category": "Food",
                "date": day(9),
                "split_type": "exact",
                "splits": [
                    {"user_id": alice, "amount": "40.00"},
                    {"user_id": bob, "amount": "30.50"},
                    {"user_id": carol, "amount": "26.00"},
                ],
            },
        ),
        (
            "carol",
            {
                "description": "Car rental to Sintra",
                "amount": "210.00",
                "category": "Transport",
                "date": day(9),
                "split_type": "percentage",
                "splits": [
                    {"user_id": alice, "percentage": "50"},
                    {"user_id": bob, "percentage": "25"},
                    {"user_id": carol, "percentage": "25"},
                ],
            },
        ),
        (
            "alice",
            {
                "description": "Groceries for the apartment",
                "amount": "74.30",
                "category": "Food",
                "date": day(8),
                "split_type": "shares",
                "splits": [
                    {"user_id": alice, "shares": "2"},
                    {"user_id": bob, "shares": "1"},
                    {"user_id": carol, "shares": "1"},
                ],
            },
        ),
        (
            "bob",
            {
                "description": "Museum tickets (Carol had a student discount)",
                "amount": "60.00",
                "category": "Culture",
                "date": day(8),
                "split_type": "adjustment",
                "splits": [
                    {"user_id": alice, "adjustment": "2.50"},
                    {"user_id": bob, "adjustment": "2.50"},
                    {"user_id": carol, "adjustment": "-5.00"},
                ],
            },
        ),
        (
            "alice",
            {
                "description": "Fado show",
                "amount": "90.00",
                "category": "Culture",
                "date": day(8),
                "payers": [
                    {"user_id": alice, "amount": "50.00"},
                    {"user_id": bob, "amount": "40.00"},
                ],
                "split_type": "equal",
                "participants": [alice, bob, carol],
            },
        ),
    ]
    for name, body in trip_expenses:
        api.call("POST", f"/groups/{trip_id}/expenses", tokens[name], json=body)
    api.call(
        "POST",
        f"/groups/{trip_id}/settlements",
        tokens["carol"],
        json={"to_user": alice, "amount": "100.00", "date": day(3), "note": "Bank transfer"},
    )

    _, flat = api.call(
        "POST",
        "/groups/",
        tokens["bob"],
        json={"name": "Flat 3B", "description": "Shared flat costs", "join_policy": "open"},
    )
    api.call("POST", f"/groups/{flat['id']}/join", tokens["alice"], json={})
    api.call(
        "POST",
        f"/groups/{flat['id']}/expenses",
        tokens["bob"],
        json={
            "description": "Internet, this month",
            "amount": "39.99",
            "category": "Utilities",
            "date": day(4),
            "split_type": "equal",
        },
    )
    users = ", ".join(email for email, _, _ in DEMO_USERS)
    return (
        f"Demo data created: users {users} (password {DEMO_PASSWORD!r}), "
        f"groups 'Lisbon trip' ({trip_id}) and 'Flat 3B' ({flat['id']})."
    )


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create a small demo data set through the API (safe to run again)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(_in_own_thread(lambda: _seed_demo(app)))


# -- seed-bench ----------------------------------------------------------------------------

BENCH_CATEGORIES = (
    "Groceries", "Rent", "Transport", "Eating out", "Utilities", "Health", "Entertainment",
    "Travel", "Books", "Clothing", "Gifts", "Sports", "Education", "Insurance", "Pets", "Coffee",
)  # fmt: skip
BENCH_DESCRIPTIONS = (
    "", "weekly shop", "with friends", "online order", "monthly", "card payment", "market",
    "subscription", "refill", "tickets",
)  # fmt: skip
# (currency, weight, largest amount in minor units)
BENCH_CURRENCIES = (("USD", 70, 50_000), ("EUR", 25, 50_000), ("JPY", 5, 50_000))
BENCH_HISTORY_DAYS = 730


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BulkLoader:
    """Core bulk inserts in batches, one transaction per batch, with explicit ids (taken
    after the largest id present, so the command also adds to a loaded database)."""

    def __init__(self, batch_size: int, progress: Callable[[str], None]) -> None:
        self.engine = db.engine
        self.batch_size = batch_size
        self.progress = progress
        self.counts: dict[str, int] = {}

    def next_id(self, table: Table) -> int:
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.max(table.c.id))) or 0) + 1

    def insert(self, table: Table, rows: Iterable[dict[str, Any]]) -> None:
        started = time.perf_counter()
        batch: list[dict[str, Any]] = []
        total = 0
        for row in rows:
            batch.append(row)
            if len(batch) >= self.batch_size:
                self._flush(table, batch)
                total += len(batch)
                batch = []
        if batch:
            self._flush(table, batch)
            total += len(batch)
        self.counts[table.name] = self.counts.get(table.name, 0) + total
        elapsed = time.perf_counter() - started
        rate = total / elapsed if elapsed > 0 else 0.0
        self.progress(f"  {table.name}: {total:,} rows in {elapsed:.1f} s ({rate:,.0f} rows/s)")

    def _flush(self, table: Table, batch: list[dict[str, Any]]) -> None:
        with self.engine.begin() as connection:
            connection.execute(table.insert(), batch)

    def advance_sequences(self, tables: Iterable[Table]) -> None:
        """PostgreSQL: explicit ids leave the id sequences behind; move them past the rows."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.begin() as connection:
            for table in tables:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                    )
                )


def _group_splits(
    rng: random.Random, expense_id: int, amount: int, members: list[int]
) -> tuple[str, list[dict[str, Any]]]:
    """A valid split of `amount` among `members`, of a type chosen by the expense id."""
    split_type = SPLIT_TYPES[expense_id % len(SPLIT_TYPES)]
    inputs: dict[int, dict[str, Any]] = {
        user_id: {"percentage_hundredths": None, "shares_hundredths": None, "adjustment": None}
        for user_id in members
    }
    if split_type == "equal":
        owed = splits.split_equal(amount, members, members=members, rotation_key=expense_id)
    elif split_type == "exact":
        cuts = sorted(rng.randint(0, amount) for _ in range(len(members) - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, amount], strict=True)]
        owed = splits.split_exact(amount, list(zip(members, parts, strict=True)), members=members)
    elif split_type == "percentage":
        # Whole percents summing to 100, each at least 1.
        cuts = sorted(rng.sample(range(1, 100), len(members) - 1))
        percents = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
        owed = splits.split_percentage(
            amount,
            [(user_id, Decimal(p)) for user_id, p in zip(members, percents, strict=True)],
            members=members,
            rotation_key=expense_id,
        )
        for user_id, percent in zip(members, percents, strict=True):
            inputs[user_id]["percentage_hundredths"] = percent * HUNDREDTHS
    elif split_type == "shares":
        shares = [rng.randint(1, 4) for _ in members]
        owed = splits.split_shares(
            amount,
            [(user_id, Decimal(n)) for user_id, n in zip(members, shares, strict=True)],
            members=members,
            rotation_key=expense_id,
        )
        for user_id, share in zip(members, shares, strict=True):
            inputs[user_id]["shares_hundredths"] = share * HUNDREDTHS
    else:  # adjustment: small signed corrections that leave nobody owing less than zero
        equal_part = amount // len(members)
        adjustments = [rng.randint(-equal_part // 2, equal_part // 2) for _ in members]
        owed = splits.split_adjustment(
            amount,
            list(zip(members, adjustments, strict=True)),
            members=members,
            rotation_key=expense_id,
        )
        for user_id, adjustment in zip(members, adjustments, strict=True):
            inputs[user_id]["adjustment"] = adjustment
    rows = [
        {"expense_id": expense_id, "user_id": user_id, "amount": owed[user_id], **inputs[user_id]}
        for user_id in members
    ]
    return split_type, rows


def load_bench_data(
    *,
    users: int,
    expenses: int,
    groups: int,
    group_expenses: int,
    members: int,
    password: str,
    seed: int,
    batch_size: int,
    progress: Callable[[str], None],
) -> str:
    if groups and members > users:
        raise click.BadParameter(f"groups of {members} need at least {members} users")
    started = time.perf_counter()
    rng = random.Random(seed)
    loader = BulkLoader(batch_size, progress)
    now = utcnow()
    today = now.date()
    # One bcrypt hash for everyone: hashing a million passwords would take days.
    password_hash = hash_password(password, int(current_app.config["BCRYPT_LOG_ROUNDS"]))

    users_table = User.__table__
    first_user = loader.next_id(users_table)
    user_ids = list(range(first_user, first_user + users))
    currency_names = [name for name, _, _ in BENCH_CURRENCIES]
    currency_weights = [weight for _, weight, _ in BENCH_CURRENCIES]
    largest = {name: top for name, _, top in BENCH_CURRENCIES}
    user_currency = dict(
        zip(user_ids, rng.choices(currency_names, currency_weights, k=users), strict=True)
    )

    def user_rows() -> Iterator[dict[str, Any]]:
        for user_id in user_ids:
            email = f"bench-user-{user_id}@example.com"
            yield {
                "id": user_id,
                "email": email,
                "email_key": email,
                "full_name": f"Bench User {user_id}",
                "password_hash": password_hash,
                "default_currency": user_currency[user_id],
                "created_at": now - timedelta(days=BENCH_HISTORY_DAYS + 1),
                "deleted_at": None,
            }

    progress(f"Loading {users:,} users, {expenses:,} expenses, {groups:,} groups ...")
    loader.insert(users_table, user_rows())

    expenses_table = Expense.__table__
    first_expense = loader.next_id(expenses_table)
    methods = PAYMENT_METHODS
    categories = [(name, casefold_key(name)) for name in BENCH_CATEGORIES]

    def expense_rows() -> Iterator[dict[str, Any]]:
        randrange, choice = rng.randrange, rng.choice
        for offset in range(expenses):
            owner = user_ids[randrange(users)]
            currency = user_currency[owner]
            category, category_key = choice(categories)
            created = now - timedelta(seconds=randrange(BENCH_HISTORY_DAYS * 86400))
            yield {
                "id": first_expense + offset,
                "owner_id": owner,
                "date": created.date(),
                "category": category,
                "category_key": category_key,
                "amount": randrange(1, largest[currency]),
                "currency": currency,
                "description": choice(BENCH_DESCRIPTIONS),
                "payment_method": choice(methods),
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }

    loader.insert(expenses_table, expense_rows())

    groups_table = Group.__table__
    first_group = loader.next_id(groups_table)
    group_members: dict[int, list[int]] = {
        group_id: sorted(rng.sample(user_ids, members))
        for group_id in range(first_group, first_group + groups)
    }
    owners = {group_id: rng.choice(ids) for group_id, ids in group_members.items()}
    group_currency = {group_id: user_currency[owners[group_id]] for group_id in group_members}
    founded = now - timedelta(days=BENCH_HISTORY_DAYS)

    loader.insert(
        groups_table,
        (
            {
                "id": group_id,
                "name": f"Bench group {group_id}",
                "name_key": f"bench group {group_id}",
                "description": "",
                "currency": group_currency[group_id],
                "join_policy": "open" if group_id % 2 else "invite",
                "invite_code": secrets.token_urlsafe(16),
                "created_by": owners[group_id],
                "created_at": founded,
                "updated_at": founded,
                "version": 1,
            }
            for group_id in group_members
        ),
    )
    loader.insert(
        GroupMember.__table__,
        (
            {
                "group_id": group_id,
                "user_id": user_id,
                "role": "owner" if user_id == owners[group_id] else "member",
                "joined_at": founded,
                "left_at": None,
            }
            for group_id, ids in group_members.items()
            for user_id in ids
        ),
    )

    group_expenses_table = GroupExpense.__table__
    first_group_expense = loader.next_id(group_expenses_table)
    payer_rows: list[dict[str, Any]] = []
    split_rows: list[dict[str, Any]] = []

    def group_expense_rows() -> Iterator[dict[str, Any]]:
        expense_id = first_group_expense
        for group_id, ids in group_members.items():
            currency = group_currency[group_id]
            for _ in range(group_expenses):
                amount = rng.randrange(len(ids) * 2, largest[currency])
                created = now - timedelta(seconds=rng.randrange(BENCH_HISTORY_DAYS * 86400))
                split_type, rows = _group_splits(rng, expense_id, amount, ids)
                payers = rng.sample(ids, 2 if rng.random() < 0.15 else 1)
                if len(payers) == 1:
                    payer_rows.append(
                        {"expense_id": expense_id, "user_id": payers[0], "amount": amount}
                    )
                else:
                    first = rng.randrange(1, amount)
                    payer_rows.append(
                        {"expense_id": expense_id, "user_id": payers[0], "amount": first}
                    )
                    payer_rows.append(
                        {"expense_id": expense_id, "user_id": payers[1], "amount": amount - first}
                    )
                for row in rows:
                    paid = len(payers) == 1 and row["user_id"] != payers[0] and rng.random() < 0.1
                    row["is_paid"] = paid
                    row["paid_at"] = created if paid else None
                split_rows.extend(rows)
                category, category_key = rng.choice(categories)
                yield {
                    "id": expense_id,
                    "group_id": group_id,
                    "description": f"{category} ({expense_id})",
                    "amount": amount,
                    "currency": currency,
                    "date": created.date(),
                    "category": category,
                    "category_key": category_key,
                    "split_type": split_type,
                    "created_by": payers[0],
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
                expense_id += 1

    loader.insert(group_expenses_table, group_expense_rows())
    loader.insert(ExpensePayer.__table__, payer_rows)
    loader.insert(ExpenseSplit.__table__, split_rows)

    settlements_table = Settlement.__table__
    first_settlement = loader.next_id(settlements_table)

    def settlement_rows() -> Iterator[dict[str, Any]]:
        settlement_id = first_settlement
        for group_id, ids in group_members.items():
            for _ in range(2):
                sender, receiver = rng.sample(ids, 2)
                created = now - timedelta(seconds=rng.randrange(BENCH_HISTORY_DAYS * 86400))
                yield {
                    "id": settlement_id,
                    "group_id": group_id,
                    "from_user_id": sender,
                    "to_user_id": receiver,
                    "amount": rng.randrange(1, largest[group_currency[group_id]] // 10),
                    "currency": group_currency[group_id],
                    "date": min(created.date(), today),
                    "note": "",
                    "created_by": sender,
                    "created_at": created,
                    "version": 1,
                }
                settlement_id += 1

    loader.insert(settlements_table, settlement_rows())
    loader.advance_sequences(
        [users_table, expenses_table, groups_table, group_expenses_table, settlements_table]
    )
    elapsed = time.perf_counter() - started
    total = sum(loader.counts.values())
    return (
        f"Loaded {total:,} rows in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s). "
        f"Users sign in as bench-user-<id>@example.com (ids {first_user}-{user_ids[-1]}) "
        f"with the password {password!r}."
    )


@click.command("seed-bench")
@click.option("--users", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option(
    "--expenses",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    help="Personal expenses in all, spread over the users.",
)
@click.option("--groups", type=click.IntRange(min=0), default=100, show_default=True)
@click.option(
    "--group-expenses",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Shared expenses per group, each with its payers and splits.",
)
@click.option(
    "--members",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Members per group (no more than --users).",
)
@click.option("--password", default="bench-password", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--batch-size", type=click.IntRange(min=100), default=10_000, show_default=True)
@with_appcontext
def seed_bench(**options: Any) -> None:
    """Bulk-load a large synthetic data set for benchmarks (a million rows in minutes)."""
    click.echo(load_bench_data(progress=click.echo, **options))
