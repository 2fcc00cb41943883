"""Moving in from Splitwise: a group's CSV export becomes a new group, in one transaction.

`splitwise_file` reads the file into a plan (and refuses it, naming every bad line, before
anything is written); this module writes the plan: the group, owned by the caller; a guest
for every other person (to be merged when they sign up); the expenses with their payers
and exact shares; the payments as settlements; the members' running totals once for the
whole file; one activity entry per created object. It then reads the balances back and
compares them with the file's `Total balance` line, so that what the database holds is
proved equal to the file, not only what was planned.

Thousands of rows: Core INSERTs of a thousand rows at a time (SQLAlchemy's
insertmanyvalues), never one round trip per row; totals and activity one statement each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from expense_tracker.database import utc_today, utcnow
from expense_tracker.domain.text import casefold_key
from expense_tracker.errors import ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.groups import membership
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.balances import running_totals
from expense_tracker.groups.balances import service as balances
from expense_tracker.groups.expenses import documents as expense_documents
from expense_tracker.groups.expenses.service import add_to_expense_count
from expense_tracker.groups.guests import service as guests
from expense_tracker.groups.imports.splitwise_file import (
    ImportPlan,
    SplitwiseFileError,
    planned_balances,
    read_splitwise,
)
from expense_tracker.models import (
    ExpensePayer,
    ExpenseSplit,
    Group,
    GroupExpense,
    GroupMember,
    Settlement,
    User,
)

# Rows per flush: large enough to batch the INSERTs, small enough to keep memory flat.
BATCH = 1000


class SplitwiseImportRefused(ValidationFailed):
    """The file cannot be imported: nothing was written (422, every bad line named)."""

    detail = "The file cannot be imported; nothing was written."

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors=errors)


@dataclass(frozen=True)
class ImportResult:
    group: Group
    expenses: int
    settlements: int
    guests: int


def import_splitwise(user: User, raw: bytes, me: str, name: str) -> ImportResult:
    """Create the group of a Splitwise export, or nothing (422)."""
    try:
        plan = read_splitwise(raw, me, utc_today())
    except SplitwiseFileError as exc:
        raise SplitwiseImportRefused(exc.errors) from None
    group = membership.add_group(
        user, {"name": name, "description": "", "currency": plan.currency, "join_policy": "invite"}
    )
    owner = db.session.get(GroupMember, (group.id, user.id))
    assert owner is not None
    people = {plan.me: user.id}
    for index, person in enumerate(plan.people):
        if index != plan.me:
            people[index] = guests.add_guest_member(group, owner, {"full_name": person}).user_id
    _write_expenses(group, user, plan, people)
    _write_settlements(group, user, plan, people)
    _check_balances(group, plan, people)
    db.session.commit()
    return ImportResult(group, len(plan.expenses), len(plan.payments), len(people) - 1)


def _write_expenses(group: Group, user: User, plan: ImportPlan, people: dict[int, int]) -> None:
    """Core INSERTs, a batch at a time (an ORM flush of versioned rows goes row by row);
    the activity entries dump the rows read back, as every other entry does."""
    expenses, payers, splits = (
        GroupExpense.__table__,
        ExpensePayer.__table__,
        ExpenseSplit.__table__,
    )
    now = utcnow()
    totals: running_totals.Contribution = {}
    created: list[tuple[str, int, activity.Snapshot]] = []
    for start in range(0, len(plan.expenses), BATCH):
        batch = plan.expenses[start : start + BATCH]
        ids = db.session.scalars(
            insert(expenses).returning(expenses.c.id, sort_by_parameter_order=True),
            [
                {
                    "group_id": group.id,
                    "description": planned.description,
                    "amount": planned.amount,
                    "currency": group.currency,
                    "date": planned.date,
                    "category": planned.category,
                    "category_key": casefold_key(planned.category),
                    "notes": "",
                    "split_type": "exact",
                    "created_by": user.id,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for planned in batch
            ],
        ).all()
        payer_rows, split_rows = [], []
        for expense_id, planned in zip(ids, batch, strict=True):
            for index, amount in planned.payers.items():
                payer_rows.append(
                    {"expense_id": expense_id, "user_id": people[index], "amount": amount}
                )
                _add(totals, {people[index]: running_totals.Totals(paid=amount)})
            for index, amount in planned.shares.items():
                split_rows.append(
                    {
                        "expense_id": expense_id,
                        "user_id": people[index],
                        "amount": amount,
                        "is_paid": False,
                    }
                )
                _add(totals, {people[index]: running_totals.Totals(owed=amount)})
        db.session.execute(insert(payers), payer_rows)
        db.session.execute(insert(splits), split_rows)
        written = db.session.scalars(
            select(GroupExpense)
            .where(GroupExpense.id.in_(ids))
            .options(selectinload(GroupExpense.payers), selectinload(GroupExpense.splits))
            .order_by(GroupExpense.id)
        ).all()
        documents = [(row.id, row.version, activity.of_expense(row)) for row in written]
        created.extend(("expense", expense_id, document) for expense_id, _, document in documents)
        expense_documents.keep_new(documents)
        _forget(written)
    running_totals.record_change(group.id, running_totals.NOTHING, totals)
    add_to_expense_count(group, len(plan.expenses))
    activity.record_created(group.id, user.id, "expense.created", created)


def _write_settlements(group: Group, user: User, plan: ImportPlan, people: dict[int, int]) -> None:
    settlements = Settlement.__table__
    now = utcnow()
    totals: running_totals.Contribution = {}
    created: list[tuple[str, int, activity.Snapshot]] = []
    for start in range(0, len(plan.payments), BATCH):
        batch = plan.payments[start : start + BATCH]
        ids = db.session.scalars(
            insert(settlements).returning(settlements.c.id, sort_by_parameter_order=True),
            [
                {
                    "group_id": group.id,
                    "from_user_id": people[payment.from_person],
                    "to_user_id": people[payment.to_person],
                    "amount": payment.amount,
                    "currency": group.currency,
                    "date": payment.date,
                    "note": payment.description,
                    "created_by": user.id,
                    "created_at": now,
                    "version": 1,
                }
                for payment in batch
            ],
        ).all()
        for payment in batch:
            _add(totals, {people[payment.from_person]: running_totals.Totals(sent=payment.amount)})
            _add(
                totals, {people[payment.to_person]: running_totals.Totals(received=payment.amount)}
            )
        written = db.session.scalars(
            select(Settlement).where(Settlement.id.in_(ids)).order_by(Settlement.id)
        ).all()
        created.extend(("settlement", row.id, activity.of_settlement(row)) for row in written)
        _forget(written)
    running_totals.record_change(group.id, running_totals.NOTHING, totals)
    activity.record_created(group.id, user.id, "settlement.created", created)


def _forget(rows: Sequence[object]) -> None:
    """Let the session drop rows read only to be dumped: memory stays flat over a file."""
    for row in rows:
        db.session.expunge(row)


def _add(into: running_totals.Contribution, more: running_totals.Contribution) -> None:
    for user_id, change in more.items():
        into[user_id] = into.get(user_id, running_totals.Totals()) + change


def _check_balances(group: Group, plan: ImportPlan, people: dict[int, int]) -> None:
    """The balances as the database now computes them must equal the file's totals."""
    stored = balances.group_nets(group)
    expected = planned_balances(plan)
    wrong = [
        plan.people[index]
        for index, net in expected.items()
        if stored.get(people[index], 0) != net or net != plan.totals.get(index)
    ]
    if wrong:
        # A bug, not a bad file: the file was checked already. Write nothing.
        db.session.rollback()
        raise RuntimeError(f"Imported balances differ from the file for {', '.join(wrong)}")
