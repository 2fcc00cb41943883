"""Reading Splitwise's group export: every row's nets reproduced exactly, the total line
checked, every bad line named. Files are built the way Splitwise writes them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expense_tracker.groups.imports.splitwise_file import (
    SplitwiseFileError,
    payers_and_shares,
    planned_balances,
    read_splitwise,
)

TODAY = dt.date(2026, 12, 7)
EXAMPLE = (
    "Date,Description,Category,Cost,Currency,Alice Martin,Bob Ferreira,Carol Nguyen\n"
    "\n"
    "2024-03-02,Groceries,Groceries,60.00,EUR,40.00,-20.00,-20.00\n"
    "2024-03-05,Bob Ferreira paid Alice Martin,Payment,20.00,EUR,-20.00,20.00,0.00\n"
    "\n"
    "2024-03-10,Total balance, , ,EUR,20.00,0.00,-20.00\n"
)


def money(units: int) -> str:
    sign = "-" if units < 0 else ""
    return f"{sign}{abs(units) // 100}.{abs(units) % 100:02d}"


def test_the_documented_example_gives_one_expense_and_one_payment() -> None:
    plan = read_splitwise(EXAMPLE.encode(), "Alice Martin", TODAY)
    assert plan.people == ["Alice Martin", "Bob Ferreira", "Carol Nguyen"]
    assert plan.me == 0
    assert plan.currency == "EUR"
    [expense] = plan.expenses
    assert (expense.amount, expense.payers, expense.shares) == (
        6000,
        {0: 6000},
        {0: 2000, 1: 2000, 2: 2000},
    )
    [payment] = plan.payments
    assert (payment.from_person, payment.to_person, payment.amount) == (1, 0, 2000)
    assert planned_balances(plan) == {0: 2000, 1: 0, 2: -2000}


def test_a_bom_crlf_quoted_newlines_commas_and_accents_are_read() -> None:
    text = (
        "\ufeffDate,Description,Category,Cost,Currency,Zoë Ångström,José Núñez\r\n"
        "\r\n"
        '2024-05-01,"Dinner, wine\r\nand ""dessert""",Dining out,30.00,EUR,15.00,-15.00\r\n'
        "\r\n"
        "2024-05-02,Total balance, , ,EUR,15.00,-15.00\r\n"
    )
    plan = read_splitwise(text.encode("utf-8"), "José Núñez", TODAY)
    assert plan.people == ["Zoë Ångström", "José Núñez"]
    assert plan.expenses[0].description == 'Dinner, wine\r\nand "dessert"'
    assert plan.me == 1


def test_every_bad_line_is_named_and_nothing_is_planned() -> None:
    text = (
        "Date,Description,Category,Cost,Currency,A,B\n"
        "2024-01-01,Fine,General,10.00,EUR,5.00,-5.00\n"
        "2024-01-02,Nets do not sum,General,10.00,EUR,5.00,-4.00\n"
        "2024-13-40,Bad date,General,10.00,EUR,5.00,-5.00\n"
        "2024-01-03,Too many places,General,10.001,EUR,5.00,-5.00\n"
        "2024-01-04,Short row,General,10.00\n"
        "2024-01-05,Total balance, , ,EUR,5.00,-5.00\n"
    )
    with pytest.raises(SplitwiseFileError) as caught:
        read_splitwise(text.encode(), "A", TODAY)
    assert set(caught.value.errors) == {"3", "4", "5", "6"}
    assert "sum to 1.00" in caught.value.errors["3"][0]


def test_a_total_line_that_disagrees_with_the_rows_is_refused_naming_each_person() -> None:
    wrong = EXAMPLE.replace("EUR,20.00,0.00,-20.00", "EUR,20.00,-1.00,-19.00")
    with pytest.raises(SplitwiseFileError) as caught:
        read_splitwise(wrong.encode(), "Alice Martin", TODAY)
    [(line, messages)] = caught.value.errors.items()
    assert line == "6"
    assert any("Bob Ferreira: the file says -1.00, the rows give 0.00" in m for m in messages)


@pytest.mark.parametrize(
    ("header", "me", "key"),
    [
        ("Date,Description,Category,Cost,Currency,A,A", "A", "file"),
        ("Date,Description,Category,Cost,Currency,A, ", "A", "file"),
        ("Date,Description,Category,Cost,Currency,A,B", "C", "me"),
        ("Datum,Beschreibung,Kategorie,Kosten,Währung,A,B", "A", "file"),
    ],
)
def test_the_people_must_be_named_once_and_me_among_them(header: str, me: str, key: str) -> None:
    text = f"{header}\n2024-01-05,Total balance, , ,EUR,0.00,0.00\n"
    with pytest.raises(SplitwiseFileError) as caught:
        read_splitwise(text.encode(), me, TODAY)
    assert key in caught.value.errors


def test_more_than_one_currency_is_refused() -> None:
    text = (
        "Date,Description,Category,Cost,Currency,A,B\n"
        "2024-01-01,One,General,10.00,EUR,5.00,-5.00\n"
        "2024-01-02,Two,General,10.00,USD,5.00,-5.00\n"
        "2024-01-05,Total balance, , ,EUR,10.00,-10.00\n"
    )
    with pytest.raises(SplitwiseFileError) as caught:
        read_splitwise(text.encode(), "A", TODAY)
    assert "EUR, USD" in caught.value.errors["file"][0]


def test_several_payers_pay_their_net_plus_an_equal_part_of_their_share() -> None:
    # 90.00: A +40, B +20, C -60. A and B share the remaining 30.00 equally.
    payers, shares = payers_and_shares(9000, [4000, 2000, -6000])
    assert payers == {0: 5500, 1: 3500}
    assert shares == {0: 1500, 1: 1500, 2: 6000}


# -- the property: any group's history, exported as Splitwise does, imports to its balances


@st.composite
def histories(draw: st.DrawFn) -> tuple[int, list[tuple[str, int, list[int]]]]:
    """(people, rows): each row (kind, cost, nets) from random payers and shares."""
    people = draw(st.integers(min_value=2, max_value=6))
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=25))):
        if draw(st.booleans()):
            cost = draw(st.integers(min_value=1, max_value=10**8))
            payer_set = draw(
                st.lists(st.integers(0, people - 1), min_size=1, max_size=people, unique=True)
            )
            paid = _spread(draw, cost, payer_set)
            sharers = draw(
                st.lists(st.integers(0, people - 1), min_size=1, max_size=people, unique=True)
            )
            owed = _spread(draw, cost, sharers)
            nets = [paid.get(i, 0) - owed.get(i, 0) for i in range(people)]
            rows.append(("expense", cost, nets))
        else:
            sender, receiver = draw(
                st.lists(st.integers(0, people - 1), min_size=2, max_size=2, unique=True)
            )
            amount = draw(st.integers(min_value=1, max_value=10**7))
            nets = [0] * people
            nets[sender], nets[receiver] = amount, -amount
            rows.append(("payment", amount, nets))
    return people, rows


def _spread(draw: st.DrawFn, total: int, who: list[int]) -> dict[int, int]:
    cuts = sorted(
        draw(st.lists(st.integers(0, total), min_size=len(who) - 1, max_size=len(who) - 1))
    )
    edges = [0, *cuts, total]
    return {person: edges[i + 1] - edges[i] for i, person in enumerate(who)}


def export(people: int, rows: list[tuple[str, int, list[int]]]) -> bytes:
    names = [f"Person {chr(65 + i)}" for i in range(people)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Date", "Description", "Category", "Cost", "Currency", *names])
    writer.writerow([])
    totals = [0] * people
    for number, (kind, cost, nets) in enumerate(rows):
        category = "Payment" if kind == "payment" else "General"
        writer.writerow(
            [
                "2024-02-01",
                f'Row {number}, "quoted"',
                category,
                money(cost),
                "EUR",
                *map(money, nets),
            ]
        )
        totals = [t + n for t, n in zip(totals, nets, strict=True)]
    writer.writerow([])
    writer.writerow(["2024-03-01", "Total balance", " ", " ", "EUR", *map(money, totals)])
    return ("\ufeff" + out.getvalue()).encode()


@settings(max_examples=150, deadline=None)
@given(histories())
def test_any_exported_history_imports_to_the_same_balances_and_the_same_row_nets(
    history: tuple[int, list[tuple[str, int, list[int]]]],
) -> None:
    people, rows = history
    plan = read_splitwise(export(people, rows), "Person A", TODAY)
    totals = [sum(nets[i] for _, _, nets in rows) for i in range(people)]
    assert planned_balances(plan) == dict(enumerate(totals))
    assert sum(planned_balances(plan).values()) == 0
    planned = sorted([*plan.expenses, *plan.payments], key=lambda item: item.line)
    assert len(planned) == len(rows)
    for item, (kind, cost, nets) in zip(planned, rows, strict=True):
        row_nets = [0] * people
        if kind == "payment":
            row_nets[item.from_person] += item.amount
            row_nets[item.to_person] -= item.amount
        else:
            assert sum(item.payers.values()) == sum(item.shares.values()) == item.amount == cost
            assert all(amount > 0 for amount in item.payers.values())
            assert all(amount >= 0 for amount in item.shares.values())
            for person, amount in item.payers.items():
                row_nets[person] += amount
            for person, amount in item.shares.items():
                row_nets[person] -= amount
        assert row_nets == nets or (not any(nets) and kind == "expense")
