"""CSV export and import of personal expenses."""

from __future__ import annotations

import csv
import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.problems import assert_problem

HEADER = "date,category,amount,currency,description,payment_method"


def upload(client, account, content: bytes | str, **query):
    data = content.encode("utf-8") if isinstance(content, str) else content
    # Encoded in memory: the test client would spool large bodies to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "expenses.csv")})
    return client.post(
        "/expenses/import",
        query_string=query,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=account.headers,
    )


def listed(client, account):
    return client.get("/expenses/?limit=200", headers=account.headers).get_json()


def test_export_has_the_header_and_every_matching_row_in_list_order(client, user):
    for body in (
        {
            "amount": "1.50",
            "category": "Food",
            "payment_method": "cash",
            "date": "2024-01-01",
            "description": 'He said "hi", then\nleft',
        },
        {
            "amount": "1000",
            "currency": "JPY",
            "category": "Travel",
            "payment_method": "credit_card",
            "date": "2024-02-01",
        },
    ):
        assert client.post("/expenses/", json=body, headers=user.headers).status_code == 201
    response = client.get("/expenses/export.csv", headers=user.headers)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == HEADER.split(",")
    assert rows[1] == ["2024-02-01", "Travel", "1000", "JPY", "", "credit_card"]
    assert rows[2] == ["2024-01-01", "Food", "1.50", "USD", 'He said "hi", then\nleft', "cash"]
    filtered = client.get("/expenses/export.csv?currency=JPY", headers=user.headers)
    assert len(list(csv.reader(io.StringIO(filtered.get_data(as_text=True))))) == 2


def test_export_then_import_into_a_new_account_reproduces_the_expenses(client, user, make_user):
    bodies = [
        {
            "amount": "0.01",
            "category": "Straße",
            "payment_method": "cash",
            "date": "2024-01-01",
            "description": 'multi\nline, with "quotes"',
        },
        {"amount": "999999999.99", "category": "big", "payment_method": "bank_transfer"},
        {"amount": "1.234", "currency": "KWD", "category": "kw", "payment_method": "other"},
        {"amount": "7", "currency": "JPY", "category": "=cmd()", "payment_method": "cash"},
    ]
    for body in bodies:
        assert client.post("/expenses/", json=body, headers=user.headers).status_code == 201
    exported = client.get("/expenses/export.csv", headers=user.headers).get_data()
    newcomer = make_user()
    result = upload(client, newcomer, exported)
    assert result.status_code == 201
    assert result.get_json() == {"imported": 4, "skipped_duplicates": 0}

    def comparable(items):
        keys = ("date", "category", "amount", "currency", "description", "payment_method")
        return sorted(tuple(item[k] for k in keys) for item in items)

    assert comparable(listed(client, newcomer)) == comparable(listed(client, user))


def test_import_accepts_columns_in_any_order_a_bom_and_defaults(client, make_user):
    account = make_user(default_currency="EUR")
    content = (
        "\ufeffpayment_method,amount,date,category,description,currency\r\n"
        "cash,3.5,2024-05-01,Food,,\r\n"
    )
    response = upload(client, account, content)
    assert response.status_code == 201
    (expense,) = listed(client, account)
    assert expense["currency"] == "EUR"
    assert expense["amount"] == "3.50"
    assert expense["description"] == ""


def test_an_invalid_row_imports_nothing_and_names_its_line(client, user):
    content = (
        f"{HEADER}\n"
        "2024-01-01,Food,1.00,USD,ok,cash\n"
        "2024-01-02,Food,1.005,USD,too precise,cash\n"
        '"2024-01-03","Multi\nline",1,USD,,cash\n'
        "2024-13-01,,abc,usd,,cheque\n"
    )
    response = upload(client, user, content)
    assert_problem(response, 422, "validation-error")
    errors = response.get_json()["errors"]
    assert set(errors) == {"3", "6"}
    assert any(message.startswith("amount") for message in errors["3"])
    joined = " ".join(errors["6"])
    for field in ("date", "category", "amount", "payment_method"):
        assert field in joined
    assert listed(client, user) == []


def test_duplicates_are_skipped_counting_multiplicity(client, user):
    row = "2024-01-01,Food,1.00,USD,same,cash\n"
    content = HEADER + "\n" + row + row
    first = upload(client, user, content)
    assert first.get_json() == {"imported": 2, "skipped_duplicates": 0}
    second = upload(client, user, content)
    assert second.get_json() == {"imported": 0, "skipped_duplicates": 2}
    third = upload(client, user, HEADER + "\n" + row * 3)
    assert third.get_json() == {"imported": 1, "skipped_duplicates": 2}
    forced = upload(client, user, content, allow_duplicates="true")
    assert forced.get_json() == {"imported": 2, "skipped_duplicates": 0}
    assert len(listed(client, user)) == 5


def test_another_users_identical_rows_are_not_duplicates(client, user, other_user):
    content = HEADER + "\n2024-01-01,Food,1.00,USD,same,cash\n"
    upload(client, other_user, content)
    assert upload(client, user, content).get_json()["imported"] == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (HEADER.encode() + b"\n", "no rows"),
        (b"date,category,amount\n2024-01-01,x,1\n", "columns"),
        (HEADER.encode() + b",extra\n", "columns"),
        ("date,catégorie\n".encode("latin-1"), "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "UTF-8"),
        (HEADER.encode() + b'\n2024-01-01,"unterminated,1,USD,,cash', "CSV"),
    ],
)
def test_bad_files_get_a_clear_422_and_import_nothing(client, user, content, fragment):
    response = upload(client, user, content)
    assert_problem(response, 422, "validation-error")
    assert fragment.lower() in str(response.get_json()).lower()
    assert listed(client, user) == []


def test_more_than_50000_rows_is_refused(client, user):
    row = "2024-01-01,Food,1.00,USD,,cash\n"
    response = upload(client, user, HEADER + "\n" + row * 50_001)
    assert_problem(response, 422, "validation-error")
    assert "50000" in str(response.get_json())
    assert listed(client, user) == []


def test_import_needs_multipart_with_a_file(client, user):
    as_json = client.post("/expenses/import", json={"file": "x"}, headers=user.headers)
    assert_problem(as_json, 415, "unsupported-media-type")
    no_file = client.post(
        "/expenses/import",
        data={"other": "x"},
        content_type="multipart/form-data",
        headers=user.headers,
    )
    assert_problem(no_file, 422, "validation-error")
    assert "file" in no_file.get_json()["errors"]


def test_import_has_its_own_larger_body_limit(client, user):
    two_mib = HEADER + "\n" + ("2024-01-01,Food,1.00,USD," + "x" * 400 + ",cash\n") * 5000
    assert len(two_mib) > 2 * 1024 * 1024
    accepted = upload(client, user, two_mib, allow_duplicates="true")
    assert accepted.status_code == 201
    too_big = upload(client, user, b"x" * (20 * 1024 * 1024 + 1))
    assert_problem(too_big, 413, "payload-too-large")
    json_too_big = client.post(
        "/expenses/",
        data=b'{"a":"' + b"x" * (1024 * 1024) + b'"}',
        content_type="application/json",
        headers=user.headers,
    )
    assert_problem(json_too_big, 413, "payload-too-large")


@pytest.mark.parametrize(
    ("stored", "exported"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("'=already quoted", "''=already quoted"),
        ("'plain apostrophe", "'plain apostrophe"),
        ("Food", "Food"),
    ],
)
def test_export_defuses_spreadsheet_formulas_and_import_restores_them(
    client, user, make_user, stored, exported
):
    body = {"amount": "1", "category": "c", "description": stored, "payment_method": "cash"}
    assert client.post("/expenses/", json=body, headers=user.headers).status_code == 201
    text = client.get("/expenses/export.csv", headers=user.headers).get_data(as_text=True)
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["description"] == exported
    newcomer = make_user()
    assert upload(client, newcomer, text).status_code == 201
    assert listed(client, newcomer)[0]["description"] == stored


def test_millions_of_tiny_lines_are_refused_quickly(client, user):
    response = upload(client, user, HEADER + "\n" + "a\n" * 2_000_000)
    assert_problem(response, 422, "validation-error")
    assert "50000" in str(response.get_json())


def test_imported_rows_are_found_by_case_insensitive_filters_and_search(client, user):
    lines = ["2024-03-01,Straße,4.00,,Großer EINKAUF,cash", "2024-03-02,Food,1.00,,x,cash"]
    content = "\n".join([HEADER, *lines])
    assert upload(client, user, content).status_code == 201
    by_category = client.get("/expenses/?category=STRASSE", headers=user.headers).get_json()
    assert [row["category"] for row in by_category] == ["Straße"]
    by_text = client.get("/expenses/?q=grosser einkauf", headers=user.headers).get_json()
    assert [row["description"] for row in by_text] == ["Großer EINKAUF"]
    categories = client.get("/expenses/categories?q=str", headers=user.headers).get_json()
    assert categories == [{"category": "Straße", "count": 1}]
