"""Reading the CSV that Splitwise exports for a group, into a plan of what to create.

Pure: no database, no Flask. The file is

    Date,Description,Category,Cost,Currency,Alice Martin,Bob Ferreira,Carol Nguyen

    2024-03-02,Groceries,Groceries,60.00,EUR,40.00,-20.00,-20.00
    2024-03-05,Bob Ferreira paid Alice Martin,Payment,20.00,EUR,-20.00,20.00,0.00

    2024-03-10,Total balance, , ,EUR,20.00,0.00,-20.00

where each person's cell is their net for the row: what they paid minus their share. An
expense row becomes payers and exact shares that give every person exactly that net; a
`Payment` row a settlement from the person whose net rose to the one whose net fell. The
`Total balance` line must equal the sum of the rows, per person, to the cent.

Everything wrong is collected, line by line, so that one answer names every bad line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from expense_tracker.domain import money
from expense_tracker.domain.text import has_visible_character

FIXED_COLUMNS = ("Date", "Description", "Category", "Cost", "Currency")
PAYMENT_CATEGORY = "Payment"
TOTAL_DESCRIPTION = "Total balance"
MAX_ROWS = 20_000
MAX_PEOPLE = 200
MAX_REPORTED_LINES = 50
MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 500
MAX_CATEGORY_LENGTH = 50
MAX_NOTE_LENGTH = 500  # a payment's description becomes its settlement's note
# The date rule of every expense: a real date from 1900-01-01 to a year ahead of today.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE_AHEAD = dt.timedelta(days=366)


class SplitwiseFileError(ValueError):
    """The file cannot be imported. `errors` maps "file" or a line number to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{key}: {' '.join(v)}" for key, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class PlannedExpense:
    line: int
    date: dt.date
    description: str
    category: str
    amount: int
    payers: dict[int, int]  # person index -> minor units paid
    shares: dict[int, int]  # person index -> minor units owed


@dataclass(frozen=True)
class PlannedPayment:
    line: int
    date: dt.date
    description: str
    from_person: int
    to_person: int
    amount: int


@dataclass
class ImportPlan:
    people: list[str]
    me: int
    currency: str
    expenses: list[PlannedExpense] = field(default_factory=list)
    payments: list[PlannedPayment] = field(default_factory=list)
    totals: dict[int, int] = field(default_factory=dict)  # the file's Total balance line


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise SplitwiseFileError({"file": ["The file is empty."]})
    try:
        return raw.decode("utf-8-sig")  # Splitwise (and Excel) may start with a BOM
    except UnicodeDecodeError:
        raise SplitwiseFileError({"file": ["The file is not UTF-8 text."]}) from None


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the line on which each starts (quoted cells may hold line
    ends, so a record can span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SplitwiseFileError(
            {str(reader.line_num): [f"Not valid CSV ({exc}); nothing was imported."]}
        ) from None


def _people(header: list[str], me: str) -> tuple[list[str], int]:
    names = [name.strip() for name in header]
    if tuple(names[: len(FIXED_COLUMNS)]) != FIXED_COLUMNS:
        raise SplitwiseFileError(
            {"file": [f"The first line must start with {','.join(FIXED_COLUMNS)}."]}
        )
    people = names[len(FIXED_COLUMNS) :]
    problems: list[str] = []
    if not people:
        problems.append("The first line names no person after Currency.")
    if len(people) > MAX_PEOPLE:
        problems.append(f"The file names more than {MAX_PEOPLE} people.")
    for name in people:
        if not has_visible_character(name):
            problems.append("A person's column has an empty name.")
        elif len(name) > MAX_NAME_LENGTH:
            problems.append(f"The name {name[:20]!r}… is longer than {MAX_NAME_LENGTH}.")
    if len(set(people)) != len(people):
        problems.append("Two person columns have the same name.")
    if problems:
        raise SplitwiseFileError({"file": problems})
    if me.strip() not in people:
        raise SplitwiseFileError(
            {"me": [f"Must be one of the file's people: {', '.join(people)}."]}
        )
    return people, people.index(me.strip())


def _date(text: str, today: dt.date) -> dt.date:
    try:
        date = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"Date {text.strip()!r} is not a date (YYYY-MM-DD).") from None
    if date < EARLIEST_DATE:
        raise ValueError("The date is before 1900-01-01.")
    if date > today + LATEST_DATE_AHEAD:
        raise ValueError("The date is more than 366 days after today.")
    return date


def _nets(cells: list[str], currency: str) -> list[int]:
    nets = []
    for cell in cells:
        text = cell.strip()
        nets.append(0 if text == "" else money.parse_amount(text, currency, signed=True))
    return nets


def payers_and_shares(cost: int, nets: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Payers and shares of an expense of `cost` whose people's nets are `nets` (paid
    minus share, summing to zero): everyone with a positive net paid, everyone with a
    negative one owes it. The share of the payers, `cost - (sum of positive nets)`, is
    spread over them equally (spare minor units to the first), so that each pays their
    net plus that share. Both sum to `cost`. ValueError when no one has a positive net, or
    the positive nets exceed the cost (no way to pay that)."""
    positive = [index for index, net in enumerate(nets) if net > 0]
    payers_share = cost - sum(nets[index] for index in positive)
    if not positive:
        raise ValueError("No one paid: every person's amount is zero or negative.")
    if payers_share < 0:
        raise ValueError("The people who paid got back more than the cost.")
    base, spare = divmod(payers_share, len(positive))
    shares = {index: -net for index, net in enumerate(nets) if net < 0}
    payers = {}
    for position, index in enumerate(positive):
        share = base + (1 if position < spare else 0)
        payers[index] = nets[index] + share
        if share:
            shares[index] = share
    return payers, shares


def _row(
    line: int, cells: dict[str, str], nets_cells: list[str], plan: ImportPlan, today: dt.date
) -> list[str]:
    """Add one row to the plan; the problems that stop it otherwise."""
    problems: list[str] = []
    currency = cells["Currency"].strip().upper()
    if currency != plan.currency:
        return [f"Currency {currency or '(none)'} differs from the file's {plan.currency}."]
    try:
        date = _date(cells["Date"], today)
    except ValueError as exc:
        problems.append(str(exc))
        date = dt.date.min
    description = cells["Description"].strip()
    category = cells["Category"].strip()
    if not has_visible_character(description):
        problems.append("The description is empty.")
    elif len(description) > MAX_DESCRIPTION_LENGTH:
        problems.append(f"The description is longer than {MAX_DESCRIPTION_LENGTH} characters.")
    if len(category) > MAX_CATEGORY_LENGTH:
        problems.append(f"The category is longer than {MAX_CATEGORY_LENGTH} characters.")
    try:
        cost = money.parse_amount(cells["Cost"].strip(), currency, allow_zero=True)
    except money.MoneyError as exc:
        problems.append(f"Cost: {exc}")
        cost = None
    try:
        nets = _nets(nets_cells, currency)
    except money.MoneyError as exc:
        problems.append(f"A person's amount: {exc}")
        nets = None
    if problems or cost is None or nets is None:
        return problems
    if sum(nets) != 0:
        difference = money.format_amount(sum(nets), currency)
        return [f"The people's amounts sum to {difference}, not to zero."]
    if category == PAYMENT_CATEGORY:
        moved = [index for index, net in enumerate(nets) if net != 0]
        if len(moved) != 2 or cost != max(nets):
            return ["A payment must move its cost from one person to one other person."]
        if len(description) > MAX_NOTE_LENGTH:
            return [f"A payment's description is longer than {MAX_NOTE_LENGTH} characters."]
        sender = max(moved, key=lambda index: nets[index])
        receiver = min(moved, key=lambda index: nets[index])
        plan.payments.append(PlannedPayment(line, date, description, sender, receiver, cost))
        return []
    if cost == 0:
        return ["The cost is zero."]
    if not any(nets):
        # Someone paid for themselves alone; the file does not say who: the importer.
        plan.expenses.append(
            PlannedExpense(
                line, date, description, category, cost, {plan.me: cost}, {plan.me: cost}
            )
        )
        return []
    try:
        payers, shares = payers_and_shares(cost, nets)
    except ValueError as exc:
        return [str(exc)]
    plan.expenses.append(PlannedExpense(line, date, description, category, cost, payers, shares))
    return []


def read_splitwise(raw: bytes, me: str, today: dt.date) -> ImportPlan:
    """The plan of a Splitwise group export; SplitwiseFileError naming every bad line."""
    text = _decode(raw)
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise SplitwiseFileError({"file": ["The file is empty."]})
    people, me_index = _people(first[1], me)
    width = len(FIXED_COLUMNS) + len(people)
    rows = list(records)
    if len(rows) > MAX_ROWS + 1:
        raise SplitwiseFileError({"file": [f"The file has more than {MAX_ROWS} rows."]})
    totals_rows = [
        (line, record)
        for line, record in rows
        if len(record) > 1 and record[1].strip() == TOTAL_DESCRIPTION
    ]
    if len(totals_rows) != 1:
        raise SplitwiseFileError(
            {"file": [f"The file must end with exactly one {TOTAL_DESCRIPTION!r} line."]}
        )
    total_line, total_record = totals_rows[0]
    currencies = {
        record[4].strip().upper()
        for _, record in rows
        if len(record) == width and record[4].strip()
    }
    errors: dict[str, list[str]] = {}
    if len(currencies) != 1:
        found = ", ".join(sorted(currencies)) or "none"
        raise SplitwiseFileError({"file": [f"The file must use one currency (found {found})."]})
    currency = currencies.pop()
    try:
        currency = money.normalize_currency(currency)
    except money.MoneyError:
        raise SplitwiseFileError({"file": [f"Unknown currency {currency}."]}) from None
    plan = ImportPlan(people=people, me=me_index, currency=currency)

    def report(line: int, problems: list[str]) -> None:
        if len(errors) < MAX_REPORTED_LINES:
            errors[str(line)] = problems
        else:
            errors.setdefault("more", ["Further invalid lines are not listed."])

    for line, record in rows:
        if line == total_line:
            continue
        if len(record) != width:
            report(line, [f"Expected {width} columns, found {len(record)}."])
            continue
        cells = dict(zip(FIXED_COLUMNS, record[: len(FIXED_COLUMNS)], strict=True))
        problems = _row(line, cells, record[len(FIXED_COLUMNS) :], plan, today)
        if problems:
            report(line, problems)
    if len(total_record) != width:
        report(total_line, [f"Expected {width} columns, found {len(total_record)}."])
    else:
        try:
            totals = _nets(total_record[len(FIXED_COLUMNS) :], currency)
        except money.MoneyError as exc:
            report(total_line, [f"A person's total: {exc}"])
        else:
            plan.totals = dict(enumerate(totals))
            mismatches = [
                f"{people[index]}: the file says {money.format_amount(total, currency)}, "
                f"the rows give {money.format_amount(net, currency)}"
                for index, (total, net) in enumerate(zip(totals, _balances(plan), strict=True))
                if total != net
            ]
            if mismatches and not errors:
                report(total_line, ["The total balance does not match the rows.", *mismatches])
    if errors:
        raise SplitwiseFileError(errors)
    if not plan.expenses and not plan.payments:
        raise SplitwiseFileError({"file": ["The file has no expenses or payments."]})
    return plan


def _balances(plan: ImportPlan) -> list[int]:
    """Each person's net after the plan: paid - owed + sent - received."""
    nets = [0] * len(plan.people)
    for expense in plan.expenses:
        for index, amount in expense.payers.items():
            nets[index] += amount
        for index, amount in expense.shares.items():
            nets[index] -= amount
    for payment in plan.payments:
        nets[payment.from_person] += payment.amount
        nets[payment.to_person] -= payment.amount
    return nets


def planned_balances(plan: ImportPlan) -> dict[int, int]:
    """Person index -> net, as the group's balances must show after the import."""
    return dict(enumerate(_balances(plan)))
