"""The European Central Bank's historical reference rates file, read: pure, no database.

The file (`eurofxref-hist.csv`, inside eurofxref-hist.zip on the ECB's site) has a header
`Date,USD,JPY,BGN,...` (often with a trailing comma), then one line per business day,
newest first: the date, then each currency's units per one euro, `N/A` where the ECB
published none (currencies that joined the euro or were dropped).

A file is taken whole or not at all: every line that breaks a rule is reported by its
number (the first `MAX_REPORTED` of them), and nothing is imported. Rules beyond the
format: no day before 1999-01-04 (the ECB's first reference rates), and every rate within
[1e-9, 1e9], the range any rate the service converts with must lie in.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from expense_tracker.currencies.conversion import MAX_RATE, MAX_RATE_DIGITS, MIN_RATE
from expense_tracker.domain.money import MoneyError, currency_exponent
from expense_tracker.models.rates import FIRST_RATES_DAY

_RATE = re.compile(r"[0-9]+(\.[0-9]+)?", re.ASCII)
_MISSING = {"", "N/A", "NA", "-"}
FIRST_DAY = FIRST_RATES_DAY
MAX_REPORTED = 20


class RatesFileError(ValueError):
    """A file that is not in the ECB's format; the message names the line."""


@dataclass
class DayRates:
    day: date
    per_euro: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class ParsedFile:
    days: list[DayRates]
    skipped_currencies: list[str]  # columns of codes this service does not accept


def _accepted(code: str) -> bool:
    try:
        currency_exponent(code)
    except MoneyError:
        return False
    return code != "EUR"  # the base itself: one euro is one euro


def parse_rates(lines: Iterable[str]) -> ParsedFile:
    """Every day's rates per euro, for the currencies this service accepts."""
    reader: Iterator[list[str]] = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise RatesFileError("The file is empty.") from None
    header = [name.strip().lstrip("\ufeff") for name in header]
    if not header or header[0] != "Date":
        raise RatesFileError("Line 1: the header must start with Date (the ECB's format).")
    columns = [(index, name.upper()) for index, name in enumerate(header) if index and name]
    accepted = [(index, code) for index, code in columns if _accepted(code)]
    skipped = sorted(code for _, code in columns if not _accepted(code))
    days: list[DayRates] = []
    seen: set[date] = set()
    problems: list[str] = []
    for line_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            problems.append(f"Line {line_number}: {row[0][:40]!r} is not a YYYY-MM-DD date.")
            continue
        if day < FIRST_DAY:
            problems.append(
                f"Line {line_number}: {day} is before {FIRST_DAY}, the first reference rates."
            )
        elif day in seen:
            problems.append(f"Line {line_number}: {day} appears twice.")
        seen.add(day)
        rates = DayRates(day)
        for index, code in accepted:
            text = row[index].strip() if index < len(row) else ""
            if text in _MISSING:
                continue
            problem = _rate_problem(text)
            if problem:
                problems.append(f"Line {line_number}: {code} {text[:40]!r} {problem}")
                continue
            rates.per_euro[code] = Decimal(text)
        days.append(rates)
    if problems:
        more = len(problems) - MAX_REPORTED
        shown = problems[:MAX_REPORTED] + ([f"... and {more} more."] if more > 0 else [])
        raise RatesFileError("Nothing was imported.\n" + "\n".join(shown))
    if not days:
        raise RatesFileError("The file has no rates.")
    return ParsedFile(days, skipped)


def _rate_problem(text: str) -> str | None:
    """Why `text` is not a rate this service takes, or None."""
    if not _RATE.fullmatch(text):
        return "is not a rate."
    rate = Decimal(text)
    if not MIN_RATE <= rate <= MAX_RATE:
        return f"is outside {MIN_RATE} to {MAX_RATE}."
    if len(rate.normalize().as_tuple().digits) > MAX_RATE_DIGITS:
        return f"has more than {MAX_RATE_DIGITS} significant digits."
    return None
