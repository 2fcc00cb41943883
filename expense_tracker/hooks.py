"""Request and response rules every endpoint gets: content types, body limits, headers."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from expense_tracker.api import accepted_mimetypes
from expense_tracker.idempotency import register_idempotency

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The API serves data, never pages, so nothing may be loaded or framed from its responses;
# the interactive docs page is the one exception and keeps the browser defaults.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOC_ENDPOINT_PREFIX = "api-docs."


def body_limit(view: object) -> int:
    """The body size limit of a view: its own setting, or the application's."""
    setting = getattr(view, "max_body_setting", None)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method_view = getattr(view_class, request.method.lower(), None)
        setting = getattr(method_view, "max_body_setting", setting)
    return int(current_app.config[setting or "MAX_CONTENT_LENGTH"])


def has_body() -> bool:
    if request.content_length:
        return True
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def check_request_body() -> None:
    """Refuse oversized bodies before reading them, and content types the view cannot read."""
    if request.method not in BODY_METHODS or request.endpoint is None or not has_body():
        return
    view = current_app.view_functions.get(request.endpoint)
    limit = body_limit(view)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    if request.mimetype not in accepted_mimetypes(view):
        raise UnsupportedMediaType()


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not (request.endpoint or "").startswith(DOC_ENDPOINT_PREFIX):
        response.headers.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_hooks(app: Flask) -> None:
    app.before_request(check_request_body)
    # After the body checks: a replay must never bypass the content type or size rules.
    register_idempotency(app)
    app.after_request(add_security_headers)
