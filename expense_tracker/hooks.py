"""Request and response rules every endpoint gets: content types, body limits, headers.

The body rules are the first step of the request pipeline (api.request_pipeline) around
each view; the response rules are application hooks, for every response.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from flask_jwt_extended import verify_jwt_in_request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from expense_tracker.api import JSON_MIMETYPE

F = TypeVar("F", bound=Callable[..., Any])

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
DOC_ENDPOINT_PREFIXES = ("api-docs.", "docs_assets.")
# The web app's pages (expense_tracker/web): its own files only, no inline script or style,
# no eval, no plugins, no framing, forms and API calls to this origin only. deploy/nginx.conf
# sends the same policy for the files it serves (a test compares them).
APP_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
APP_ENDPOINT_PREFIX = "web."


def has_body() -> bool:
    if request.content_length:
        return True
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def check_body(view: F) -> F:
    """The body rules, the pipeline's first step: judge a request body before anything
    reads it.

    In this order: the caller (401 comes before anything said about the body), the size
    (refused before it is read), the content type (415). What the view declares is read
    once, here: `auth_required`, `body_limit` (else MAX_CONTENT_LENGTH), `accepts` (else
    JSON).
    """
    auth_options = getattr(view, "auth_options", None)
    setting = getattr(view, "max_body_setting", "MAX_CONTENT_LENGTH")
    mimetypes = getattr(view, "accepted_mimetypes", frozenset({JSON_MIMETYPE}))

    @wraps(view)
    def judged(*args: Any, **kwargs: Any) -> Any:
        if request.method in BODY_METHODS and has_body():
            if auth_options is not None:
                verify_jwt_in_request(**auth_options)
            limit = int(current_app.config[setting])
            request.max_content_length = limit
            if request.content_length is not None and request.content_length > limit:
                raise RequestEntityTooLarge()
            if request.mimetype not in mimetypes:
                raise UnsupportedMediaType()
        return view(*args, **kwargs)

    return judged  # type: ignore[return-value]


def drop_empty_content_type(response: Response) -> Response:
    """A 204 has no body, so it has no content type either."""
    if response.status_code == 204:
        response.headers.pop("Content-Type", None)
    return response


class BearerSchemeCaseInsensitive:
    """WSGI middleware: `bearer`, `BEARER`... are `Bearer` (RFC 9110: schemes ignore case).

    Flask-JWT-Extended compares the scheme exactly; some OAuth2 clients send it lower case.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        scheme, _, credentials = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if credentials and scheme != "Bearer" and scheme.lower() == "bearer":
            environ["HTTP_AUTHORIZATION"] = f"Bearer {credentials.strip()}"
        return self.app(environ, start_response)


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    endpoint = request.endpoint or ""
    if endpoint.startswith(APP_ENDPOINT_PREFIX):
        response.headers["Content-Security-Policy"] = APP_CONTENT_SECURITY_POLICY
    elif not endpoint.startswith(DOC_ENDPOINT_PREFIXES):
        response.headers.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_hooks(app: Flask) -> None:
    """The response rules (the body rules run in each view's pipeline, `check_body`)."""
    app.after_request(add_security_headers)
    app.after_request(drop_empty_content_type)
    app.wsgi_app = BearerSchemeCaseInsensitive(app.wsgi_app)  # type: ignore[method-assign]
