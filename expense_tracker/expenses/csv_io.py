"""CSV export (streamed row by row) and import (validated whole before anything is written)."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import marshmallow as ma

from expense_tracker.domain import money
from expense_tracker.expenses.errors import ImportFileRefused, ImportLinesInvalid
from expense_tracker.expenses.schemas import ExpenseCreateSchema
from expense_tracker.fields import CalendarDate
from expense_tracker.models import Expense

COLUMNS = ("date", "category", "amount", "currency", "description", "payment_method")
MAX_ROWS = 50_000
# At most this many invalid lines are reported: enough to fix a file, bounded in size.
MAX_REPORTED_LINES = 100
EXPORT_BATCH = 500
# Spreadsheets run a cell starting with one of these as a formula ("CSV injection"), so the
# export quotes such text with a leading apostrophe, as spreadsheets themselves do, and the
# import removes it again. Text that already starts with apostrophes before such a
# character gets one more, so the round trip is exact for every value.
FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
QUOTED_FORMULA_START = re.compile(r"'+[=+\-@\t\r]")
TEXT_COLUMNS = ("category", "description")

log = logging.getLogger(__name__)


class ImportRowSchema(ExpenseCreateSchema):
    """One line: the body of `POST /expenses/`, except that the date is required. (A blank
    currency cell is left out before loading: the account's currency, as in the body.)"""

    date = CalendarDate(required=True)


def protect_formula(text: str) -> str:
    return "'" + text if FORMULA_START.match(text) else text


def unprotect_formula(text: str) -> str:
    return text[1:] if QUOTED_FORMULA_START.match(text) else text


def export_lines(expenses: Iterable[Expense]) -> Iterator[str]:
    """The CSV text in chunks: the header, then a chunk per batch of expenses."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for count, expense in enumerate(expenses, start=1):
        writer.writerow(
            (
                expense.date.isoformat(),
                protect_formula(expense.category),
                money.format_amount(expense.amount, expense.currency),
                expense.currency,
                protect_formula(expense.description),
                expense.payment_method,
            )
        )
        if count % EXPORT_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_stream(expenses: Iterable[Expense]) -> Iterator[str]:
    """`export_lines`, with its first chunk made now and a failure after it made visible.

    The first chunk runs the query, so calling this in the view turns a database that
    fails before the first byte into an error answer like any other (a 503 problem for an
    outage, errors.py) instead of the WSGI server's own error page. Once bytes are sent
    the status cannot change: a failure then is logged (with the request id, like every
    line written during a request) and raised on to the server, which closes the
    connection without the terminating chunk, so the client sees an incomplete transfer,
    never a 200 that looks complete.
    """
    chunks = export_lines(expenses)
    first = next(chunks)
    return _cut_short_on_failure(first, chunks)


def _cut_short_on_failure(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    sent = len(first)
    try:
        for chunk in rest:
            yield chunk
            sent += len(chunk)
    except Exception:
        log.error(
            "CSV export cut short after %d characters: the response ends unfinished",
            sent,
            exc_info=True,
        )
        raise


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise ImportFileRefused("The file is empty.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileRefused("The file is not UTF-8 text.") from None


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the file line on which each starts (the header is line 1)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):  # blank lines carry nothing
                yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileRefused(f"Line {reader.line_num}: not valid CSV ({exc}).") from None


def _refuse_too_many_rows(text: str) -> None:
    """Count the rows, stopping at the first one too many, before validating any.

    Validating costs far more than splitting lines: a file of millions of tiny lines must
    be refused after reading the first MAX_ROWS of them, not after checking them all.
    """
    allowed_records = MAX_ROWS + 1  # the header, then the rows
    if sum(1 for _ in islice(_records(text), allowed_records + 1)) > allowed_records:
        raise ImportFileRefused(f"The file has more than {MAX_ROWS} rows.")


def _normalised_row(
    record: list[str], header: list[str], default_currency: str
) -> tuple[dict[str, Any] | None, list[str]]:
    if len(record) != len(header):
        return None, [f"Expected {len(header)} columns, found {len(record)}."]
    cells = dict(zip(header, record, strict=True))
    for column in TEXT_COLUMNS:
        cells[column] = unprotect_formula(cells[column])
    if not cells["currency"].strip():
        del cells["currency"]
    try:
        loaded = ImportRowSchema().load(cells)
    except ma.ValidationError as exc:
        messages = exc.normalized_messages()
        return None, [f"{field}: {' '.join(msgs)}" for field, msgs in sorted(messages.items())]
    currency = loaded.get("currency", default_currency)
    try:
        amount = money.parse_amount(loaded["amount"], currency)
    except money.MoneyError as exc:
        return None, [f"amount: {exc}"]
    return {**loaded, "currency": currency, "amount": amount}, []


def parse_import(raw: bytes, default_currency: str) -> list[dict[str, Any]]:
    """Every row of the file as expense values; 422 naming each invalid line otherwise."""
    text = _decode(raw)
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise ImportFileRefused("The file is empty.")
    header = [name.strip() for name in first[1]]
    if sorted(header) != sorted(COLUMNS):
        raise ImportFileRefused(
            f"The first line must name exactly these columns: {','.join(COLUMNS)}."
        )
    _refuse_too_many_rows(text)
    rows: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for line, record in records:
        row, messages = _normalised_row(record, header, default_currency)
        if messages:
            if len(errors) < MAX_REPORTED_LINES:
                errors[str(line)] = messages
            else:
                errors.setdefault("more", ["Further invalid lines are not listed."])
        elif row is not None:
            rows.append(row)
    if errors:
        raise ImportLinesInvalid(errors)
    if not rows:
        raise ImportFileRefused("The file has no rows after the header.")
    return rows


def row_identity(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[name] for name in COLUMNS)


def without_duplicates(
    rows: list[dict[str, Any]], existing: Iterable[tuple[Any, ...]]
) -> tuple[list[dict[str, Any]], int]:
    """Drop rows equal to an existing expense, one existing expense per dropped row."""
    available = Counter(existing)
    kept: list[dict[str, Any]] = []
    skipped = 0
    for row in rows:
        identity = row_identity(row)
        if available[identity] > 0:
            available[identity] -= 1
            skipped += 1
        else:
            kept.append(row)
    return kept, skipped
