"""The recurring date rule (expense_tracker.recurring.dates), against dateutil's rrule."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from dateutil import rrule
from hypothesis import given
from hypothesis import strategies as st

from expense_tracker.domain.dates import Rule, dates_due, first_index_after, occurrence_date


def test_monthly_from_31_january_follows_the_start_day_without_drift():
    rule = Rule("monthly", 1, date(2025, 1, 31))
    assert [occurrence_date(rule, i) for i in range(6)] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
        date(2025, 6, 30),
    ]
    leap = Rule("monthly", 1, date(2024, 1, 31))
    assert occurrence_date(leap, 1) == date(2024, 2, 29)


def test_yearly_from_29_february_gives_28_february_in_other_years():
    rule = Rule("yearly", 1, date(2024, 2, 29))
    assert [occurrence_date(rule, i) for i in range(5)] == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_end_date_and_count_end_the_series():
    assert occurrence_date(Rule("weekly", 2, date(2025, 1, 1), count=2), 2) is None
    by_end = Rule("daily", 1, date(2025, 1, 1), end_date=date(2025, 1, 3))
    assert [d for _, d in dates_due(by_end, 0, date(2030, 1, 1))] == [
        date(2025, 1, 1),
        date(2025, 1, 2),
        date(2025, 1, 3),
    ]


def _rrule(rule: Rule, how_many: int) -> list[date]:
    """The same rule in dateutil: a day the month lacks is its last (bysetpos=-1 of 28..day)."""
    start = datetime.combine(rule.start_date, datetime.min.time())
    kwargs: dict = {"dtstart": start, "interval": rule.interval, "count": how_many}
    frequency = {
        "daily": rrule.DAILY,
        "weekly": rrule.WEEKLY,
        "monthly": rrule.MONTHLY,
        "yearly": rrule.YEARLY,
    }[rule.frequency]
    day = rule.start_date.day
    if rule.frequency in ("monthly", "yearly") and day > 28:
        kwargs["bymonthday"] = list(range(28, day + 1))
        kwargs["bysetpos"] = -1
        if rule.frequency == "yearly":
            kwargs["bymonth"] = rule.start_date.month
    return [moment.date() for moment in rrule.rrule(frequency, **kwargs)]


rules = st.builds(
    Rule,
    frequency=st.sampled_from(["daily", "weekly", "monthly", "yearly"]),
    interval=st.integers(1, 40),
    start_date=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
)


@given(rule=rules, how_many=st.integers(1, 40))
def test_dates_equal_dateutil_rrule(rule: Rule, how_many: int):
    ours = [occurrence_date(rule, i) for i in range(how_many)]
    assert ours == _rrule(rule, how_many)


@given(rule=rules, index=st.integers(0, 200))
def test_first_index_after_a_date_is_the_next_one(rule: Rule, index: int):
    day = occurrence_date(rule, index)
    assert day is not None
    assert first_index_after(rule, day) == index + 1
    assert first_index_after(rule, None) == 0


def test_negative_index_is_a_bug():
    with pytest.raises(ValueError, match="negative"):
        occurrence_date(Rule("daily", 1, date(2025, 1, 1)), -1)
