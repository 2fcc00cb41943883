"""Request ids, one structured log line per request, server-side stack traces, metrics, and
the client address as the proxy (and only a trusted one) reports it."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from expense_tracker.observability import JsonFormatter, TextFormatter
from tests.problems import assert_problem

AppFactory = Callable[..., Flask]


@pytest.fixture
def logged_app(make_app: AppFactory) -> AppFactory:
    """An app logging requests as JSON, with a view that answers and one that fails."""

    def make(**overrides: Any) -> Flask:
        new_app = make_app(**{"LOG_LEVEL": "INFO", "LOG_FORMAT": "json", **overrides})
        new_app.add_url_rule("/probe/<int:thing_id>", "probe", lambda thing_id: {"id": thing_id})

        def fail() -> None:
            raise RuntimeError("internal detail: the vault code is 1234")

        new_app.add_url_rule("/boom", "boom", fail)
        return new_app

    return make


def request_lines(output: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "expense_tracker.requests"]


def test_a_request_without_an_id_gets_a_fresh_one(client: Any) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_sane_client_request_id_is_echoed(client: Any) -> None:
    for sent in ("abc-123", "0b6f2c1e-7f7a-4c55-9a7e-1d8d7f5e9a10", "trace:1.2/3+4=", "x" * 128):
        response = client.get("/healthz", headers={"X-Request-ID": sent})
        assert response.headers["X-Request-ID"] == sent


@pytest.mark.parametrize(
    "sent", ["x" * 129, "has space", "<script>", "naïve", "semi;colon", 'quote"d']
)
def test_an_unreasonable_client_request_id_is_replaced(client: Any, sent: str) -> None:
    echoed = client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    assert echoed != sent
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)


def test_error_responses_carry_the_request_id_too(client: Any) -> None:
    headers = {"X-Request-ID": "req-42"}
    assert client.get("/no/such/path", headers=headers).headers["X-Request-ID"] == "req-42"
    assert client.get("/users/me", headers=headers).headers["X-Request-ID"] == "req-42"
    assert client.delete("/healthz", headers=headers).headers["X-Request-ID"] == "req-42"
    too_big = client.post(
        "/users/",
        data="x" * (2 * 1024 * 1024),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert_problem(too_big, 413, "payload-too-large")
    assert too_big.headers["X-Request-ID"] == "req-42"


def test_the_request_id_is_an_exposed_cors_header(logged_app: AppFactory) -> None:
    client = logged_app(CORS_ORIGINS=["https://app.example.com"]).test_client()
    response = client.get("/healthz", headers={"Origin": "https://app.example.com"})
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]


def test_each_request_writes_one_json_line_with_the_path_template(
    logged_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    client = logged_app().test_client()
    capsys.readouterr()
    response = client.get("/probe/98176543", headers={"X-Request-ID": "line-1"})
    assert response.status_code == 200
    (line,) = request_lines(capsys.readouterr().out)
    assert line["message"] == "request"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/probe/<int:thing_id>"
    assert "98176543" not in json.dumps(line)
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["request_id"] == "line-1"
    assert line["remote_addr"] == "127.0.0.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_the_log_line_names_the_signed_in_user(
    logged_app: AppFactory, user: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    client = logged_app().test_client()
    capsys.readouterr()
    assert client.get("/users/me", headers=user.headers).status_code == 200
    (line,) = request_lines(capsys.readouterr().out)
    assert line["user_id"] == user.id
    assert line["path"] == "/users/me"


def test_unmatched_paths_are_logged_without_the_raw_path(
    logged_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    client = logged_app().test_client()
    capsys.readouterr()
    assert_problem(client.get("/secret-token-in-path/abc"), 404, "not-found")
    (line,) = request_lines(capsys.readouterr().out)
    assert line["path"] == "<unmatched>"
    assert line["status"] == 404
    assert "secret-token" not in json.dumps(line)


def test_an_unexpected_error_is_logged_with_its_traceback_and_hidden_from_the_client(
    logged_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    client = logged_app().test_client()
    capsys.readouterr()
    response = client.get("/boom", headers={"X-Request-ID": "boom-1"})
    assert_problem(response, 500, "internal-error")
    assert response.headers["X-Request-ID"] == "boom-1"
    body = response.get_data(as_text=True)
    assert "vault" not in body
    assert "Traceback" not in body
    assert "RuntimeError" not in body
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (error,) = [line for line in lines if "exception" in line]
    assert error["level"] == "ERROR"
    assert error["request_id"] == "boom-1"
    assert "Traceback" in error["exception"]
    assert "RuntimeError: internal detail" in error["exception"]
    (request_line,) = [line for line in lines if line["logger"] == "expense_tracker.requests"]
    assert request_line["status"] == 500
    assert request_line["level"] == "ERROR"


def test_text_format_is_one_readable_line_with_the_fields() -> None:
    record = logging.LogRecord("expense_tracker.requests", logging.INFO, "", 0, "request", (), None)
    record.method = "GET"
    record.status = 200
    line = TextFormatter().format(record)
    assert "\n" not in line
    assert line.endswith("request method=GET status=200")


def test_json_format_keeps_non_serialisable_values_readable() -> None:
    record = logging.LogRecord("x", logging.WARNING, "", 0, "value %s", (3,), None)
    record.when = object()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "value 3"
    assert entry["level"] == "WARNING"
    assert entry["when"].startswith("<object object")


def test_metrics_are_off_by_default(client: Any) -> None:
    assert_problem(client.get("/metrics"), 404, "not-found")


def test_metrics_count_requests_and_latency_by_path_template(logged_app: AppFactory) -> None:
    client = logged_app(METRICS_ENABLED=True).test_client()
    client.get("/probe/1")
    client.get("/probe/2")
    client.get("/nothing/here")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert (
        'http_requests_total{endpoint="/probe/<int:thing_id>",method="GET",status="200"} 2.0'
        in text
    )
    assert 'http_requests_total{endpoint="<unmatched>",method="GET",status="404"} 1.0' in text
    assert (
        'http_request_duration_seconds_count{endpoint="/probe/<int:thing_id>",method="GET"} 2.0'
        in text
    )
    assert 'http_request_duration_seconds_bucket{endpoint="/probe/<int:thing_id>",le="0.005"' in (
        text.replace('method="GET",', "")
    )


def test_two_apps_in_one_process_keep_separate_metrics(logged_app: AppFactory) -> None:
    first = logged_app(METRICS_ENABLED=True).test_client()
    second = logged_app(METRICS_ENABLED=True).test_client()
    first.get("/probe/1")
    assert 'endpoint="/probe/<int:thing_id>"' not in second.get("/metrics").get_data(as_text=True)


def test_forwarded_for_is_ignored_when_no_proxy_is_trusted(
    logged_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    client = logged_app(TRUSTED_PROXY_HOPS=0).test_client()
    capsys.readouterr()
    client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    (line,) = request_lines(capsys.readouterr().out)
    assert line["remote_addr"] == "127.0.0.1"


def test_one_trusted_hop_gives_the_address_that_proxy_saw(
    logged_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    client = logged_app(TRUSTED_PROXY_HOPS=1).test_client()
    capsys.readouterr()
    # The client forged the first entry; the proxy appended the address it really saw.
    response = client.get(
        "/healthz",
        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 200
    (line,) = request_lines(capsys.readouterr().out)
    assert line["remote_addr"] == "203.0.113.7"
