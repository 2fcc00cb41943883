"""Problem details (RFC 9457) for every error source, and the domain exceptions.

Every error a client can see leaves through `problem_response`: HTTP errors raised by
routing and by Werkzeug, validation errors from the schemas, JWT failures, domain errors
raised by the services, and anything unexpected (logged here, never shown).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, json, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from expense_tracker.domain.money import MoneyError

PROBLEM_MIMETYPE = "application/problem+json"
# Where webargs reads request values; its messages are nested under these names.
BODY_AND_QUERY_LOCATIONS = frozenset(
    {"json", "query", "querystring", "form", "files", "json_or_form", "multipart"}
)

log = logging.getLogger(__name__)

# One stable `type` per kind of problem; the OpenAPI document lists them.
PROBLEM_TYPES: dict[int, tuple[str, str]] = {
    400: ("/problems/malformed-request", "Malformed request"),
    401: ("/problems/unauthorized", "Unauthorized"),
    403: ("/problems/forbidden", "Forbidden"),
    404: ("/problems/not-found", "Not found"),
    405: ("/problems/method-not-allowed", "Method not allowed"),
    409: ("/problems/conflict", "Conflict"),
    412: ("/problems/precondition-failed", "Precondition failed"),
    413: ("/problems/payload-too-large", "Payload too large"),
    415: ("/problems/unsupported-media-type", "Unsupported media type"),
    422: ("/problems/validation-error", "Validation error"),
    429: ("/problems/rate-limited", "Too many requests"),
    500: ("/problems/internal-error", "Internal server error"),
    # nginx answers these two itself (deploy/nginx.conf), in the same shape.
    502: ("/problems/bad-gateway", "Bad gateway"),
    503: ("/problems/service-unavailable", "Service unavailable"),
    504: ("/problems/gateway-timeout", "Gateway timeout"),
}


# Kinds of problem more specific than their status's, each with its status.
SPECIFIC_PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "/problems/rate-unavailable": (422, "Exchange rate unavailable"),
    "/problems/limit-reached": (409, "Limit reached"),
}


def problem_type(status: int) -> tuple[str, str]:
    if status in PROBLEM_TYPES:
        return PROBLEM_TYPES[status]
    phrase = HTTPStatus(status).phrase
    return f"/problems/{phrase.lower().replace(' ', '-')}", phrase


def problem_response(
    status: int,
    detail: str,
    *,
    errors: Mapping[str, list[str]] | None = None,
    extensions: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    specific_type: str | None = None,
) -> Response:
    type_, title = problem_type(status)
    if specific_type is not None:
        type_, title = specific_type, SPECIFIC_PROBLEM_TYPES[specific_type][1]
    body: dict[str, Any] = {
        "type": type_,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = dict(errors)
    if extensions:
        body.update(extensions)
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ApiError(Exception):
    """A domain error with the status and message the client should see."""

    status = 400
    detail = "The request could not be processed."
    # A kind of problem of its own (SPECIFIC_PROBLEM_TYPES), else its status's.
    problem_type: str | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Mapping[str, list[str]] | None = None,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.detail)
        self.detail = detail or self.detail
        self.errors = errors
        self.extensions = extensions
        self.headers = headers

    def to_response(self) -> Response:
        return problem_response(
            self.status,
            self.detail,
            errors=self.errors,
            extensions=self.extensions,
            headers=self.headers,
            specific_type=self.problem_type,
        )


class Unauthorized(ApiError):
    status = 401
    detail = "Missing or invalid credentials."


class Forbidden(ApiError):
    status = 403
    detail = "You do not have the right to do this."


class NotFound(ApiError):
    status = 404
    detail = "The requested resource does not exist."


class Conflict(ApiError):
    status = 409
    detail = "The request conflicts with the current state of the resource."


class LimitReached(Conflict):
    """A per-group cap that protects everyone (guests, recurring series, comments) is full.

    Raise it with a detail that names the limit, e.g. `LimitReached("A group holds at most
    200 guests.")`; check it under the lock that serialises the writes it counts."""

    problem_type = "/problems/limit-reached"


class PreconditionFailed(ApiError):
    status = 412
    detail = "The resource has changed since the ETag you sent."


class ValidationFailed(ApiError):
    status = 422
    detail = "The request contains invalid fields."

    @classmethod
    def field(cls, path: str, message: str, **kwargs: Any) -> ValidationFailed:
        return cls(errors={path: [message]}, **kwargs)


class ServiceUnavailable(ApiError):
    status = 503
    detail = "The service is temporarily unavailable."


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dicts into dotted paths (`splits.1.amount`)."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "body"
            for sub_path, sub_messages in flatten_messages(value, path).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
    elif isinstance(messages, list | tuple):
        if all(isinstance(item, str) for item in messages):
            flat[prefix or "body"] = [str(item) for item in messages]
        else:
            for item in messages:
                for sub_path, sub_messages in flatten_messages(item, prefix).items():
                    flat.setdefault(sub_path, []).extend(sub_messages)
    else:
        flat[prefix or "body"] = [str(messages)]
    return flat


def handle_http_exception(error: HTTPException) -> Response:
    """Routing and Werkzeug errors, and webargs' aborts with validation messages."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    headers = dict(data.get("headers") or {})
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(sorted(error.valid_methods))  # type: ignore[attr-defined]
    if status == 400 and messages:
        return problem_response(400, "The request body is not valid JSON.", headers=headers)
    if status == 422 and messages:
        # webargs nests messages under the location ("json", "query", "form", "files"...).
        if isinstance(messages, Mapping) and len(messages) == 1:
            ((location, inner),) = messages.items()
            if location in {
                "json",
                "query",
                "querystring",
                "form",
                "files",
                "json_or_form",
                "multipart",
            }:
                messages = inner
        return problem_response(
            422,
            "The request contains invalid fields.",
            errors=flatten_messages(messages),
            headers=headers,
        )
    if status >= 500:
        if status == 500:
            log.error("unhandled error", exc_info=getattr(error, "original_exception", None))
        return problem_response(status, problem_type(status)[1] + ".", headers=headers)
    detail = data.get("message") or DEFAULT_DETAILS.get(status) or error.description or ""
    return problem_response(status, detail, headers=headers)


DEFAULT_DETAILS = {
    400: "The request could not be understood.",
    404: "The requested resource does not exist.",
    405: "This method is not allowed on this resource.",
    413: "The request body is larger than this endpoint accepts.",
    415: "This endpoint does not accept that content type.",
}


@event.listens_for(Engine, "handle_error")
def _connection_ended_by_the_server(context: ExceptionContext) -> None:
    """A connection the server ended is gone: say so, so that SQLAlchemy throws it away.

    When PostgreSQL ends a connection (`pg_terminate_backend`, a restart or failover:
    SQLSTATE 57P01-57P05, or a connection exception, class 08) under a statement, the
    driver does not always mark it broken yet, so SQLAlchemy would later try to roll it
    back, fail again, and turn the clean 503 (or a streamed export's clean cut) into the
    server's own error page. Marked as a disconnect, it is invalidated at once instead.
    """
    sqlstate = getattr(context.original_exception, "sqlstate", None) or ""
    if sqlstate.startswith(("57P", "08")):
        context.is_disconnect = True


def close_database_session(_error: BaseException | None) -> None:
    """End the request's database session (before Flask-SQLAlchemy's own teardown does).

    That teardown rolls the session back; when the server has ended the connection since
    the last statement (a failover, `pg_terminate_backend`), the rollback fails after the
    answer was decided, and the WSGI server would send its own error page instead of it.
    The transaction is gone either way: the connection is thrown away, the answer stands.
    """
    sessions = current_app.extensions["sqlalchemy"].session.registry
    if not sessions.has():  # nothing used one (a hot read has its own connection)
        return
    session = sessions()  # this context's Session
    try:
        session.close()
    except DBAPIError:
        log.warning("database connection lost before the end of the request", exc_info=True)
        session.invalidate()


def handle_database_unavailable(error: Exception) -> Response:
    log.error("database unavailable: %s", type(error).__name__, exc_info=error)
    return problem_response(503, "The database is not answering; try again shortly.")


def handle_concurrent_update(error: StaleDataError) -> Response:
    """Another request changed the row between our read and our write (the ORM's version
    check found it gone or moved on).

    Writes load their rows locked (`member_group_for_update`, `get_owned_expense(...,
    for_update=True)`), so on PostgreSQL this does not happen: without If-Match the last
    writer wins, with it a stale version is a 412 before anything is written. What is left
    (SQLite, which has no row locks, or a write path that forgot its lock) is answered as
    documented: 412 to a conditional request, else a 503 to retry, never a 409 the
    operation does not document.
    """
    if "If-Match" in request.headers:
        return PreconditionFailed().to_response()
    log.warning("concurrent write to one row without its row lock", exc_info=error)
    return problem_response(
        503,
        "Another request changed this resource at the same moment; try again.",
        headers={"Retry-After": "1"},
    )


def handle_invalid_money(error: MoneyError) -> Response:
    """An amount a request sent that its currency refuses (money.parse_amount's `field`)."""
    if error.field is None:  # a caller that did not say which field: a bug, not the client's
        return handle_unexpected(error)
    return ValidationFailed.field(error.field, str(error)).to_response()


def handle_unexpected(error: Exception) -> Response:
    log.error("unhandled error", exc_info=error)
    return problem_response(500, "An unexpected error occurred.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, lambda error: error.to_response())
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(MoneyError, handle_invalid_money)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(PoolTimeoutError, handle_database_unavailable)
    app.register_error_handler(StaleDataError, handle_concurrent_update)
    app.register_error_handler(Exception, handle_unexpected)
    # Registered after the extensions, so it runs before Flask-SQLAlchemy's teardown.
    app.teardown_appcontext(close_database_session)
