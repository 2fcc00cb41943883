"""The synthetic data set of `flask seed-bench`: users, personal expenses, groups with
shared expenses (every split type, some with two payers), and settlements.

`load_bench_data` loads the rows that `bench_rows.BenchData` draws, with `BulkLoader`, after
the largest ids present, so the command also adds to a loaded database. The rows go in
around the services (COPY on PostgreSQL), so they carry every derived column themselves
(case-folded keys), and the kept totals are filled from them afterwards.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import click
from flask import current_app

from expense_tracker.auth.passwords import hash_password
from expense_tracker.database import utcnow
from expense_tracker.expenses import service as expense_service
from expense_tracker.expenses import summary_audit
from expense_tracker.extensions import db
from expense_tracker.groups.balances import audit as balance_audit
from expense_tracker.groups.expenses import documents as expense_documents
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
from expense_tracker.seeding.bench_rows import BenchData
from expense_tracker.seeding.bulk import BulkLoader


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
    sized_groups: Sequence[int] = (),
    top_user_expenses: int = 0,
) -> str:
    """Load the data set; `progress` hears about each table, the result sums it all up.

    `groups` groups get `group_expenses` shared expenses each. `sized_groups` adds one group
    per number, with exactly that many shared expenses, created first in that order (so
    they have the lowest new group ids). `top_user_expenses` of the `expenses` personal
    expenses belong to the first user; the rest are spread at random over the others.
    """
    if (groups or sized_groups) and members > users:
        raise click.BadParameter(f"groups of {members} need at least {members} users")
    if top_user_expenses > expenses:
        raise click.BadParameter(
            f"the first user cannot have {top_user_expenses:,} of {expenses:,} expenses"
        )
    if top_user_expenses and users == 1 and top_user_expenses < expenses:
        raise click.BadParameter("the expenses beyond --top-user-expenses need a second user")
    started = time.perf_counter()
    loader = BulkLoader(batch_size, progress)
    data = BenchData(random.Random(seed), utcnow())
    # One bcrypt hash for everyone: hashing a million passwords would take days.
    password_hash = hash_password(password, int(current_app.config["BCRYPT_LOG_ROUNDS"]))

    user_ids = data.draw_users(loader.next_id(User.__table__), users)
    all_groups = groups + len(sized_groups)
    progress(f"Loading {users:,} users, {expenses:,} expenses, {all_groups:,} groups ...")
    loader.insert(User.__table__, data.user_rows(password_hash))
    loader.insert(
        Expense.__table__,
        data.expense_rows(loader.next_id(Expense.__table__), expenses, top_user_expenses),
    )

    data.draw_groups(loader.next_id(Group.__table__), groups, members, group_expenses, sized_groups)
    loader.insert(Group.__table__, data.group_rows())
    loader.insert(GroupMember.__table__, data.member_rows())

    # The payers and splits of each shared expense are drawn with it, and inserted after
    # each batch of expenses.
    payer_rows: list[dict[str, Any]] = []
    split_rows: list[dict[str, Any]] = []
    first_group_expense = loader.next_id(GroupExpense.__table__)
    loader.insert(
        GroupExpense.__table__,
        data.group_expense_rows(first_group_expense, payer_rows, split_rows),
        children=[(ExpensePayer.__table__, payer_rows), (ExpenseSplit.__table__, split_rows)],
    )

    loader.insert(Settlement.__table__, data.settlement_rows(loader.next_id(Settlement.__table__)))
    loader.advance_sequences()
    # The rows went in around the services: fill the members' running totals from them.
    filled = time.perf_counter()
    balance_audit.repair(list(data.group_members))
    # And each shared expense's kept document, as writing it through the service would.
    expense_documents.rebuild(expense_documents.stale_ids(db.session))
    expense_service.recount_expenses(user_ids)
    summary_audit.rebuild(user_ids)
    db.session.commit()
    progress(f"  running totals of {all_groups:,} groups in {time.perf_counter() - filled:.1f} s")
    loader.analyse()
    elapsed = time.perf_counter() - started
    total = sum(loader.counts.values())
    return (
        f"Loaded {total:,} rows in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s). "
        f"Users sign in as bench-user-<id>@example.com (ids {user_ids[0]}-{user_ids[-1]}) "
        f"with the password {password!r}."
    )
