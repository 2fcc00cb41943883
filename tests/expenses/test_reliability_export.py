"""The CSV export when the database fails under it, in process.

Before the first byte the answer is still an ordinary error: a 503 problem (with the
security headers and the request id every answer has), not the WSGI server's own 500
page. After it, the status is sent and cannot change: the export is cut short (the
server then closes the connection without the terminating chunk) and a log line with
the request id says so. tests/test_reliability_export_server.py does the same to a real
gunicorn, killing its PostgreSQL connections.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from expense_tracker.expenses import csv_io, service
from expense_tracker.observability import JsonFormatter
from tests.factories import Account
from tests.problems import assert_problem

ROWS = 2 * csv_io.EXPORT_BATCH + 100  # three chunks after the header


def import_rows(client: FlaskClient, account: Account, count: int) -> None:
    lines = [f"2024-03-{1 + n % 28:02d},Food,{n + 1}.25,USD,row {n},cash\r\n" for n in range(count)]
    text = "date,category,amount,currency,description,payment_method\r\n" + "".join(lines)
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(text.encode()), "expenses.csv")}
    )
    response = client.post(
        "/expenses/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=account.headers,
    )
    assert response.status_code == 201, response.get_json()


def connection_killed() -> OperationalError:
    """What SQLAlchemy raises when PostgreSQL ends the connection under a query."""
    return OperationalError(
        "FETCH FORWARD 1000 FROM c_export",
        {},
        Exception("terminating connection due to administrator command"),
    )


@pytest.fixture
def database_fails_after(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Make the export's rows stop with a dropped connection after `count` rows."""

    def fail_after(count: int) -> None:
        real = service.iter_filtered

        def iter_filtered(*args: Any, **kwargs: Any) -> Iterator[Any]:
            rows = real(*args, **kwargs)
            try:
                for number, expense in enumerate(rows):
                    if number == count:
                        raise connection_killed()
                    yield expense
            finally:
                rows.close()

        monkeypatch.setattr(service, "iter_filtered", iter_filtered)

    return fail_after


@pytest.fixture
def json_log() -> Iterator[list[dict[str, Any]]]:
    """The log lines written meanwhile, formatted as production writes them (at the time
    of writing, so with the request id of the request that wrote them)."""
    lines: list[dict[str, Any]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))

    handler = Keep()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lines
    finally:
        root.removeHandler(handler)


@pytest.mark.parametrize("rows_before_failure", [0, 10, csv_io.EXPORT_BATCH - 1])
def test_a_database_failure_before_the_first_byte_is_a_503_problem(
    client: FlaskClient,
    user: Account,
    database_fails_after: Callable[[int], None],
    rows_before_failure: int,
) -> None:
    import_rows(client, user, ROWS)
    database_fails_after(rows_before_failure)

    response = client.get("/expenses/export.csv", headers=user.headers)

    assert_problem(response, 503, "service-unavailable")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]
    assert "Content-Disposition" not in response.headers


def test_a_database_failure_after_the_first_byte_cuts_the_export_short_and_logs_it(
    client: FlaskClient,
    user: Account,
    database_fails_after: Callable[[int], None],
    json_log: list[dict[str, Any]],
) -> None:
    import_rows(client, user, ROWS)
    database_fails_after(csv_io.EXPORT_BATCH + 50)

    response = client.get("/expenses/export.csv", headers=user.headers)
    assert response.status_code == 200  # sent with the first chunk: it cannot change now
    received: list[bytes] = []
    # The exception reaches the WSGI server, which ends the connection without the
    # terminating chunk (test_reliability_export_server.py sees that from gunicorn).
    with pytest.raises(OperationalError):
        received.extend(response.response)

    rows = list(csv.reader(io.StringIO(b"".join(received).decode())))
    assert rows[0] == list(csv_io.COLUMNS)
    assert len(rows) - 1 == csv_io.EXPORT_BATCH  # the first chunk went out, no more
    request_id = response.headers["X-Request-ID"]
    cut_short = [line for line in json_log if "cut short" in line["message"]]
    assert len(cut_short) == 1, json_log
    assert cut_short[0]["request_id"] == request_id
    assert cut_short[0]["level"] == "ERROR"
    assert "OperationalError" in cut_short[0]["exception"]


def test_an_export_that_does_not_fail_is_complete(client: FlaskClient, user: Account) -> None:
    import_rows(client, user, ROWS)
    response = client.get("/expenses/export.csv", headers=user.headers)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == ROWS + 1
