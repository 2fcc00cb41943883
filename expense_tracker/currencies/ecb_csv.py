"""The European Central Bank's historical reference rates file, read: pure, no database.

The file (`eurofxref-hist.csv`, inside eurofxref-hist.zip on the ECB's site) has a header
`Date,USD,JPY,BGN,...` (often with a trailing comma), then one line per business day,
newest first: the date, then each currency's units per one euro, `N/A` where the ECB
published none (currencies that joined the euro or were dropped).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from expense_tracker.currencies.conversion import MAX_RATE_DIGITS
from expense_tracker.money import MoneyError, currency_exponent

_RATE = re.compile(r"[0-9]+(\.[0-9]+)?", re.ASCII)
_MISSING = {"", "N/A", "NA", "-"}


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
    for line_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            raise RatesFileError(
                f"Line {line_number}: {row[0]!r} is not a YYYY-MM-DD date."
            ) from None
        if day in seen:
            raise RatesFileError(f"Line {line_number}: {day} appears twice.")
        seen.add(day)
        rates = DayRates(day)
        for index, code in accepted:
            text = row[index].strip() if index < len(row) else ""
            if text in _MISSING:
                continue
            if not _RATE.fullmatch(text):
                raise RatesFileError(f"Line {line_number}: {code} {text!r} is not a rate.")
            rate = Decimal(text)
            if rate <= 0 or len(rate.normalize().as_tuple().digits) > MAX_RATE_DIGITS:
                raise RatesFileError(
                    f"Line {line_number}: {code} {text!r} must be > 0 with at most "
                    f"{MAX_RATE_DIGITS} significant digits."
                )
            rates.per_euro[code] = rate
        days.append(rates)
    if not days:
        raise RatesFileError("The file has no rates.")
    return ParsedFile(days, skipped)
