"""The exchange rate table: importing the ECB's file, and the rates of a day.

Rates are kept per euro, as published; any other pair is a cross rate through the euro,
computed exactly and given to 12 significant digits (`conversion.cross_rate`). A day
without rates (weekends, holidays) takes the nearest earlier day's, at most 7 days back:
an older rate is no rate for that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, insert, select

from expense_tracker.currencies.conversion import cross_rate
from expense_tracker.currencies.ecb_csv import DayRates
from expense_tracker.errors import NotFound, ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.models import ExchangeRate

BASE = "EUR"
# How far back an expense's date may look for a rate (the contract's "the last 7 days").
LOOKBACK = timedelta(days=7)
BATCH = 5000


class RateUnavailable(ValidationFailed):
    problem_type = "/problems/rate-unavailable"
    detail = "The rate table has no rate for this currency on the expense's date."


def import_rates(days: Iterable[DayRates]) -> tuple[int, int]:
    """Replace the table's rates of these days with the file's, in one transaction.

    Returns (rates written, days). Running it again with the same file changes nothing.
    """
    days = list(days)
    table = ExchangeRate.__table__
    day_list = [entry.day for entry in days]
    for start in range(0, len(day_list), BATCH):
        db.session.execute(delete(table).where(table.c.day.in_(day_list[start : start + BATCH])))
    rows = [
        {"day": entry.day, "currency": code, "per_euro": rate}
        for entry in days
        for code, rate in sorted(entry.per_euro.items())
    ]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])
    db.session.commit()
    return len(rows), len(days)


def earliest_for(day: date) -> date:
    """The first day whose rates may stand for `day` (7 days back, never before year 1)."""
    return day - LOOKBACK if day - date.min >= LOOKBACK else date.min


def _per_euro(currency: str, rates: dict[str, Decimal]) -> Decimal | None:
    return Decimal(1) if currency == BASE else rates.get(currency)


def rates_on(base: str, day: date) -> tuple[date, dict[str, Decimal]]:
    """The rates for one `base` unit on the nearest day on or before `day` that has one,
    at most 7 days back.

    404 when the table has none for that day or the 7 days before it.
    """
    latest = select(func.max(ExchangeRate.day)).where(
        ExchangeRate.day.between(earliest_for(day), day)
    )
    if base != BASE:
        latest = latest.where(ExchangeRate.currency == base)
    found = db.session.scalar(latest)
    if found is None:
        raise NotFound(f"The rate table has no {base} rates for {day} or the 7 days before it.")
    per_euro: dict[str, Decimal] = {
        row.currency: row.per_euro
        for row in db.session.execute(
            select(ExchangeRate.currency, ExchangeRate.per_euro).where(ExchangeRate.day == found)
        )
    }
    per_euro[BASE] = Decimal(1)
    base_rate = per_euro[base]
    return found, {
        code: cross_rate(base_rate, rate) for code, rate in sorted(per_euro.items()) if code != base
    }


def rate_for(source: str, target: str, day: date) -> Decimal:
    """Target units for one source unit on `day`, or on the latest of the 7 days before it
    with rates for both; 422 `/problems/rate-unavailable` otherwise."""
    wanted = sorted({source, target} - {BASE})
    by_day: dict[date, dict[str, Decimal]] = defaultdict(dict)
    if wanted:
        for found, currency, rate in db.session.execute(
            select(ExchangeRate.day, ExchangeRate.currency, ExchangeRate.per_euro).where(
                ExchangeRate.currency.in_(wanted),
                ExchangeRate.day.between(earliest_for(day), day),
            )
        ):
            by_day[found][currency] = rate
    for found in sorted(by_day, reverse=True):
        rates = by_day[found]
        source_rate, target_rate = _per_euro(source, rates), _per_euro(target, rates)
        if source_rate is not None and target_rate is not None:
            return cross_rate(source_rate, target_rate)
    raise RateUnavailable(
        f"The rate table has no {source} to {target} rate for {day} or the 7 days before; "
        "send exchange_rate, or import the rates (flask rates import).",
        errors={
            "currency": [f"The rate table has no {source} to {target} rate for {day}."],
            "exchange_rate": ["Required: the rate table has none for this date."],
        },
    )


def rates_on_days(
    pairs: Iterable[tuple[str, date]], target: str
) -> dict[tuple[str, date], Decimal]:
    """`rate_for(source, target, day)` of every (source, day) of `pairs`, read in one query
    (a summary converts thousands of days). 422 `/problems/rate-unavailable` naming the
    earliest day without a rate."""
    pairs = sorted({(source, day) for source, day in pairs if source != target}, key=_by_day)
    if not pairs:
        return {}
    wanted = sorted(({source for source, _ in pairs} | {target}) - {BASE})
    first = earliest_for(min(day for _, day in pairs))
    last = max(day for _, day in pairs)
    table: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for found, currency, rate in db.session.execute(
        select(ExchangeRate.day, ExchangeRate.currency, ExchangeRate.per_euro).where(
            ExchangeRate.currency.in_(wanted), ExchangeRate.day.between(first, last)
        )
    ):
        table[found][currency] = rate
    answer: dict[tuple[str, date], Decimal] = {}
    for source, day in pairs:
        for back in range(LOOKBACK.days + 1):
            rates = table.get(day - timedelta(days=back))
            if rates is None:
                continue
            source_rate, target_rate = _per_euro(source, rates), _per_euro(target, rates)
            if source_rate is not None and target_rate is not None:
                answer[source, day] = cross_rate(source_rate, target_rate)
                break
        else:
            raise RateUnavailable(
                f"The rate table has no {source} to {target} rate for {day} or the 7 days "
                "before it; import the rates (flask rates import).",
                errors={"in": [f"No {source} to {target} rate for {day}."]},
            )
    return answer


def _by_day(pair: tuple[str, date]) -> tuple[date, str]:
    return pair[1], pair[0]
