"""Personal expenses over HTTP: create, read, update, delete, list, filters, ETags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.problems import assert_problem


def create(client, account, **fields):
    body = {"amount": "12.50", "category": "Food", "payment_method": "cash", **fields}
    response = client.post("/expenses/", json=body, headers=account.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def today() -> date:
    return datetime.now(UTC).date()


def test_create_fills_defaults_and_answers_with_location_and_etag(client, user):
    response = client.post(
        "/expenses",
        json={"amount": 12.5, "category": " Food ", "payment_method": "cash"},
        headers=user.headers,
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["amount"] == "12.50"
    assert body["currency"] == "USD"
    assert body["category"] == "Food"
    assert body["description"] == ""
    assert body["date"] == today().isoformat()
    assert body["created_at"].endswith("Z")
    assert response.headers["Location"] == f"/expenses/{body['id']}"
    assert response.headers["ETag"]
    fetched = client.get(response.headers["Location"], headers=user.headers)
    assert fetched.get_json() == body


def test_currency_defaults_to_the_owners_default(client, make_user):
    yen_user = make_user(default_currency="JPY")
    body = create(client, yen_user, amount="1000")
    assert body["currency"] == "JPY"
    assert body["amount"] == "1000"


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("12.5", "USD", "12.50"),
        ("12.500", "USD", "12.50"),
        (12.34, "USD", "12.34"),
        ("1000", "jpy", "1000"),
        ("1", "KWD", "1.000"),
        ("999999999.99", "USD", "999999999.99"),
        ("0.0001", "CLF", "0.0001"),
    ],
)
def test_amounts_are_exact_in_each_currencys_minor_units(client, user, amount, currency, shown):
    body = create(client, user, amount=amount, currency=currency)
    assert body["amount"] == shown
    assert body["currency"] == currency.upper()


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("12.345", "USD"),
        ("1000.5", "JPY"),
        ("1e3", "USD"),
        ("+5", "USD"),
        ("-5", "USD"),
        ("0", "USD"),
        (0, "USD"),
        (-1, "USD"),
        ("1000000000", "USD"),
        ("999999999.999", "KWD"),
        ("abc", "USD"),
        (True, "USD"),
        (None, "USD"),
        ("12.50", "XXX"),
        ("12.50", "XAU"),
    ],
)
def test_invalid_amounts_and_currencies_are_422(client, user, amount, currency):
    response = client.post(
        "/expenses/",
        json={"amount": amount, "currency": currency, "category": "x", "payment_method": "cash"},
        headers=user.headers,
    )
    assert_problem(response, 422, "validation-error")
    assert set(response.get_json()["errors"]) <= {"amount", "currency"}
    assert client.get("/expenses/", headers=user.headers).get_json() == []


def test_nan_and_infinity_literals_are_refused(client, user):
    response = client.post(
        "/expenses/",
        data='{"amount": Infinity, "category": "x", "payment_method": "cash"}',
        content_type="application/json",
        headers=user.headers,
    )
    assert_problem(response, 400, "malformed-request")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", ""),
        ("category", "   "),
        ("category", "x" * 51),
        ("payment_method", "cheque"),
        ("description", "x" * 501),
        ("date", "2024-02-30"),
        ("date", "1899-12-31"),
        ("date", "20240101"),
        ("date", "not a date"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(client, user, field, value):
    response = client.post(
        "/expenses/",
        json={"amount": "1", "category": "x", "payment_method": "cash", field: value},
        headers=user.headers,
    )
    assert_problem(response, 422, "validation-error")
    assert list(response.get_json()["errors"]) == [field]


def test_date_may_be_up_to_366_days_ahead(client, user):
    assert create(client, user, date=(today() + timedelta(days=366)).isoformat())
    response = client.post(
        "/expenses/",
        json={
            "amount": "1",
            "category": "x",
            "payment_method": "cash",
            "date": (today() + timedelta(days=367)).isoformat(),
        },
        headers=user.headers,
    )
    assert_problem(response, 422, "validation-error")


def test_required_fields_and_read_only_fields(client, user):
    missing = client.post("/expenses/", json={}, headers=user.headers)
    assert set(missing.get_json()["errors"]) == {"amount", "category", "payment_method"}
    read_only = client.post(
        "/expenses/",
        json={
            "amount": "1",
            "category": "x",
            "payment_method": "cash",
            "id": 5,
            "created_at": "2020-01-01T00:00:00Z",
        },
        headers=user.headers,
    )
    assert_problem(read_only, 422, "validation-error")
    assert set(read_only.get_json()["errors"]) == {"id", "created_at"}


def test_other_users_expenses_are_404_on_every_path(client, user, other_user):
    expense = create(client, user)
    path = f"/expenses/{expense['id']}"
    assert_problem(client.get(path, headers=other_user.headers), 404, "not-found")
    assert_problem(
        client.patch(path, json={"amount": "1"}, headers=other_user.headers), 404, "not-found"
    )
    assert_problem(client.delete(path, headers=other_user.headers), 404, "not-found")
    assert client.get("/expenses/", headers=other_user.headers).get_json() == []
    assert client.get("/expenses/summary", headers=other_user.headers).get_json() == []
    assert client.get("/expenses/categories", headers=other_user.headers).get_json() == []
    export = client.get("/expenses/export.csv", headers=other_user.headers)
    assert export.get_data(as_text=True).strip().count("\n") == 0
    # and the owner still has it, unchanged
    assert client.get(path, headers=user.headers).get_json() == expense


def test_every_expense_path_needs_a_token(client):
    for method, path in [
        ("get", "/expenses/"),
        ("post", "/expenses/"),
        ("get", "/expenses/1"),
        ("patch", "/expenses/1"),
        ("delete", "/expenses/1"),
        ("get", "/expenses/summary"),
        ("get", "/expenses/categories"),
        ("get", "/expenses/export.csv"),
        ("post", "/expenses/import"),
    ]:
        response = getattr(client, method)(path)
        assert_problem(response, 401, "unauthorized")


def test_patch_changes_only_what_is_sent(client, user):
    expense = create(client, user, description="lunch")
    response = client.patch(
        f"/expenses/{expense['id']}",
        json={"amount": "20", "category": "Dining"},
        headers=user.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["amount"] == "20.00"
    assert body["category"] == "Dining"
    assert body["description"] == "lunch"
    assert body["updated_at"] >= expense["updated_at"]


def test_patch_currency_must_hold_the_amount(client, user):
    expense = create(client, user, amount="12.50")
    response = client.patch(
        f"/expenses/{expense['id']}", json={"currency": "JPY"}, headers=user.headers
    )
    assert_problem(response, 422, "validation-error")
    assert "amount" in response.get_json()["errors"]
    ok = client.patch(f"/expenses/{expense['id']}", json={"currency": "KWD"}, headers=user.headers)
    assert ok.get_json()["amount"] == "12.500"


def test_patch_refuses_null_and_unknown_fields(client, user):
    expense = create(client, user)
    for body in ({"amount": None}, {"owner_id": 3}, {"id": 1}):
        response = client.patch(f"/expenses/{expense['id']}", json=body, headers=user.headers)
        assert_problem(response, 422, "validation-error")


def test_if_match_guards_updates_and_deletes(client, user):
    expense = create(client, user)
    path = f"/expenses/{expense['id']}"
    etag = client.get(path, headers=user.headers).headers["ETag"]
    first = client.patch(path, json={"amount": "2"}, headers={**user.headers, "If-Match": etag})
    assert first.status_code == 200
    assert first.headers["ETag"] != etag
    stale = client.patch(path, json={"amount": "3"}, headers={**user.headers, "If-Match": etag})
    assert_problem(stale, 412, "precondition-failed")
    assert client.get(path, headers=user.headers).get_json()["amount"] == "2.00"
    assert_problem(
        client.delete(path, headers={**user.headers, "If-Match": etag}), 412, "precondition-failed"
    )
    fresh = first.headers["ETag"]
    assert client.delete(path, headers={**user.headers, "If-Match": fresh}).status_code == 204
    assert_problem(client.get(path, headers=user.headers), 404, "not-found")


def test_delete(client, user):
    expense = create(client, user)
    assert client.delete(f"/expenses/{expense['id']}", headers=user.headers).status_code == 204
    assert_problem(
        client.delete(f"/expenses/{expense['id']}", headers=user.headers), 404, "not-found"
    )


def list_ids(client, user, **params):
    response = client.get("/expenses/", query_string=params, headers=user.headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()]


def test_list_orders_by_date_then_id_descending(client, user):
    a = create(client, user, date="2024-01-02")["id"]
    b = create(client, user, date="2024-01-03")["id"]
    c = create(client, user, date="2024-01-02")["id"]
    assert list_ids(client, user) == [b, c, a]
    assert list_ids(client, user, sort="date") == [a, c, b]


def test_list_sorts_by_amount_with_id_breaking_ties(client, user):
    a = create(client, user, amount="5")["id"]
    b = create(client, user, amount="1")["id"]
    c = create(client, user, amount="5")["id"]
    assert list_ids(client, user, sort="-amount") == [c, a, b]
    assert list_ids(client, user, sort="amount") == [b, a, c]


def test_amount_sort_compares_face_values_across_currencies(client, user):
    yen = create(client, user, amount="100", currency="JPY")["id"]
    one = create(client, user, amount="1.00")["id"]
    three = create(client, user, amount="3.000", currency="KWD")["id"]
    assert list_ids(client, user, sort="amount") == [one, three, yen]
    assert list_ids(client, user, sort="-amount") == [yen, three, one]


def test_pagination_headers(client, user):
    ids = [create(client, user, date=f"2024-01-{day:02d}")["id"] for day in range(1, 6)]
    response = client.get("/expenses/?limit=2&skip=1", headers=user.headers)
    assert response.headers["X-Total-Count"] == "5"
    assert [e["id"] for e in response.get_json()] == [ids[3], ids[2]]
    assert 'rel="next"' in response.headers["Link"]
    assert "skip=3" in response.headers["Link"]
    last = client.get("/expenses/?limit=2&skip=4", headers=user.headers)
    assert 'rel="next"' not in last.headers.get("Link", "")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"skip": -1},
        {"limit": "x"},
        {"sort": "name"},
        {"date_from": "2024-02-01", "date_to": "2024-01-01"},
        {"payment_method": "cheque"},
        {"min_amount": "-1"},
        {"min_amount": "5", "max_amount": "1"},
        {"currency": "XYZ"},
    ],
)
def test_bad_list_queries_are_422(client, user, params):
    response = client.get("/expenses/", query_string=params, headers=user.headers)
    assert_problem(response, 422, "validation-error")


def test_unknown_query_parameters_are_ignored(client, user):
    create(client, user)
    assert len(list_ids(client, user, colour="blue")) == 1


def test_filters(client, user):
    food = create(
        client,
        user,
        category="Food",
        date="2024-01-10",
        amount="10",
        payment_method="cash",
        description="Pizza night",
    )["id"]
    travel = create(
        client,
        user,
        category="TRAVEL",
        date="2024-02-10",
        amount="100",
        payment_method="credit_card",
        currency="EUR",
    )["id"]
    yen = create(
        client,
        user,
        category="food",
        date="2024-03-10",
        amount="1500",
        currency="JPY",
        payment_method="cash",
        description="Ramen 100%",
    )["id"]
    assert list_ids(client, user, category="FOOD") == [yen, food]
    assert list_ids(client, user, date_from="2024-02-01", date_to="2024-02-29") == [travel]
    assert list_ids(client, user, date_from="2024-02-10") == [yen, travel]
    assert list_ids(client, user, payment_method="credit_card") == [travel]
    assert list_ids(client, user, currency="eur") == [travel]
    # Amount bounds are in major units of each expense's own currency.
    assert list_ids(client, user, min_amount="50") == [yen, travel]
    assert list_ids(client, user, max_amount="10") == [food]
    assert list_ids(client, user, min_amount="10", max_amount="100") == [travel, food]
    assert list_ids(client, user, min_amount="1500", currency="JPY") == [yen]
    assert list_ids(client, user, q="PIZZA") == [food]
    assert list_ids(client, user, q="travel") == [travel]
    assert list_ids(client, user, q="100%") == [yen]
    assert list_ids(client, user, q="%") == [yen]
    assert list_ids(client, user, q="_") == []


def test_case_insensitive_filters_use_unicode_case_folding(client, user):
    a = create(client, user, category="Straße")["id"]
    b = create(client, user, category="STRASSE")["id"]
    create(client, user, category="Other", description="ÉCOLE")
    assert sorted(list_ids(client, user, category="strasse")) == sorted([a, b])
    assert len(list_ids(client, user, q="école")) == 1


def test_summary_by_category_per_currency(client, user):
    create(client, user, category="food", amount="10.10")
    create(client, user, category="Food", amount="0.20")
    create(client, user, category="Food", amount="5", currency="EUR")
    create(client, user, category="Rent", amount="500")
    rows = client.get("/expenses/summary", headers=user.headers).get_json()
    assert rows == [
        {"key": "Food", "currency": "EUR", "total": "5.00", "count": 1},
        {"key": "Food", "currency": "USD", "total": "10.30", "count": 2},
        {"key": "Rent", "currency": "USD", "total": "500.00", "count": 1},
    ]


def test_summary_by_month_and_payment_method_with_filters(client, user):
    create(client, user, date="2024-01-31", amount="1", payment_method="cash")
    create(client, user, date="2024-01-01", amount="2", payment_method="debit_card")
    create(client, user, date="2024-02-01", amount="1000", currency="JPY", payment_method="cash")
    months = client.get("/expenses/summary?group_by=month", headers=user.headers).get_json()
    assert months == [
        {"key": "2024-01", "currency": "USD", "total": "3.00", "count": 2},
        {"key": "2024-02", "currency": "JPY", "total": "1000", "count": 1},
    ]
    methods = client.get(
        "/expenses/summary?group_by=payment_method&currency=USD", headers=user.headers
    ).get_json()
    assert methods == [
        {"key": "cash", "currency": "USD", "total": "1.00", "count": 1},
        {"key": "debit_card", "currency": "USD", "total": "2.00", "count": 1},
    ]
    bad = client.get("/expenses/summary?group_by=year", headers=user.headers)
    assert_problem(bad, 422, "validation-error")


def test_categories_most_used_first_with_latest_spelling(client, user):
    create(client, user, category="groceries")
    create(client, user, category="Rent")
    create(client, user, category="Groceries")
    create(client, user, category="Gym")
    rows = client.get("/expenses/categories", headers=user.headers).get_json()
    assert rows == [
        {"category": "Groceries", "count": 2},
        {"category": "Gym", "count": 1},
        {"category": "Rent", "count": 1},
    ]
    prefixed = client.get("/expenses/categories?q=g", headers=user.headers).get_json()
    assert [row["category"] for row in prefixed] == ["Groceries", "Gym"]
    assert client.get("/expenses/categories?q=%25", headers=user.headers).get_json() == []


def count_queries(app, action):
    from sqlalchemy import event

    from expense_tracker.extensions import db

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_query_count_does_not_grow_with_the_data(app, client, user):
    def requests():
        for path in (
            "/expenses/?limit=200",
            "/expenses/summary",
            "/expenses/summary?group_by=month",
            "/expenses/categories",
        ):
            assert client.get(path, headers=user.headers).status_code == 200

    create(client, user)
    few = count_queries(app, requests)
    for number in range(30):
        create(client, user, category=f"c{number % 7}", amount=str(number + 1))
    many = count_queries(app, requests)
    assert few == many


def test_deleting_the_account_deletes_its_expenses(app, client, user):
    from sqlalchemy import func, select

    from expense_tracker.extensions import db
    from expense_tracker.models import Expense

    create(client, user)
    response = client.delete(
        "/users/me", json={"current_password": user.password}, headers=user.headers
    )
    assert response.status_code == 204
    with app.app_context():
        assert db.session.scalar(select(func.count(Expense.id))) == 0


def test_a_deleted_expenses_id_and_etag_never_point_at_a_new_one(client, user):
    first = client.post(
        "/expenses/",
        json={"amount": "1", "category": "x", "payment_method": "cash"},
        headers=user.headers,
    )
    stale_etag, location = first.headers["ETag"], first.headers["Location"]
    client.delete(location, headers=user.headers)
    second = create(client, user)
    assert f"/expenses/{second['id']}" != location
    response = client.delete(location, headers={**user.headers, "If-Match": stale_etag})
    assert_problem(response, 404, "not-found")
    assert client.get(f"/expenses/{second['id']}", headers=user.headers).status_code == 200
