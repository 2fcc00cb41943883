"""The date rule of a recurring series: pure, standard library only.

Occurrence `index` (0 for the start date) is computed from the start date itself, never
from the previous occurrence, so a series cannot drift: monthly from 31 January gives 28 or
29 February, then 31 March again (not 28 March). A day the month lacks becomes its last day;
a yearly series from 29 February gives 28 February in the years without one.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

FREQUENCIES = ("daily", "weekly", "monthly", "yearly")


@dataclass(frozen=True)
class Rule:
    frequency: str
    interval: int
    start_date: date
    end_date: date | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"unknown frequency {self.frequency!r}")
        if self.interval < 1:
            raise ValueError("interval must be at least 1")


def _in_month(year: int, month: int, day: int) -> date:
    """`day` of that month, or its last day when it is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def nominal_date(rule: Rule, index: int) -> date | None:
    """The date of occurrence `index` by the frequency alone (None: beyond year 9999)."""
    start = rule.start_date
    steps = index * rule.interval
    try:
        if rule.frequency == "daily":
            return start + timedelta(days=steps)
        if rule.frequency == "weekly":
            return start + timedelta(weeks=steps)
        if rule.frequency == "monthly":
            year, month = divmod(start.month - 1 + steps, 12)
            if start.year + year > date.max.year:
                return None
            return _in_month(start.year + year, month + 1, start.day)
        if start.year + steps > date.max.year:
            return None
        return _in_month(start.year + steps, start.month, start.day)
    except OverflowError:
        return None


def occurrence_date(rule: Rule, index: int) -> date | None:
    """The date of occurrence `index` (0-based), or None when the series has ended by then."""
    if index < 0:
        raise ValueError("index must not be negative")
    if rule.count is not None and index >= rule.count:
        return None
    day = nominal_date(rule, index)
    if day is None or (rule.end_date is not None and day > rule.end_date):
        return None
    return day


def first_index_after(rule: Rule, day: date | None) -> int:
    """The index of the rule's first date after `day` (0 when `day` is None or earlier).

    Dates grow with the index, so a search over the index finds it in O(log n) steps.
    """
    if day is None or rule.start_date > day:
        return 0
    low, high = 0, 1
    while (found := nominal_date(rule, high)) is not None and found <= day:
        low, high = high, high * 2
    # nominal_date(low) <= day < nominal_date(high) (or high is past year 9999)
    while high - low > 1:
        middle = (low + high) // 2
        found = nominal_date(rule, middle)
        if found is not None and found <= day:
            low = middle
        else:
            high = middle
    return high


def dates_due(rule: Rule, start_index: int, today: date) -> list[tuple[int, date]]:
    """Every (index, date) from `start_index` whose date is on or before `today`."""
    due = []
    index = start_index
    while (day := occurrence_date(rule, index)) is not None and day <= today:
        due.append((index, day))
        index += 1
    return due
