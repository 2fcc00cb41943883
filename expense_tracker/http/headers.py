"""The response headers every response gets (the pipeline's last step, http/pipeline.py:
application hooks, so errors and refusals get them too), and the bearer scheme's case."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, request
from werkzeug.datastructures import Headers

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


def drop_empty_content_type(response: Response) -> Response:
    """A 204 has no body, so it has no content type either."""
    if response.status_code == 204:
        response.headers.remove("Content-Type")  # whether or not it has one
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


# What an API response gets unless its view set it: the security headers, no framing or
# loading from it, and no caching of anyone's data.
API_HEADERS = (
    *SECURITY_HEADERS.items(),
    ("Content-Security-Policy", API_CONTENT_SECURITY_POLICY),
    ("Cache-Control", "no-store"),
)


def add_security_headers(response: Response) -> Response:
    endpoint = request.endpoint or ""
    if endpoint.startswith(APP_ENDPOINT_PREFIX):
        add_missing(response.headers, SECURITY_HEADERS.items())
        response.headers["Content-Security-Policy"] = APP_CONTENT_SECURITY_POLICY
    elif endpoint.startswith(DOC_ENDPOINT_PREFIXES):
        add_missing(response.headers, SECURITY_HEADERS.items())
    else:
        add_missing(response.headers, API_HEADERS)
    return response


def add_missing(headers: Headers, defaults: Iterable[tuple[str, str]]) -> None:
    """Each of `defaults` the headers do not name yet, added, after one look at them.

    werkzeug's `setdefault`, `pop` and `in` raise and catch an exception for every name
    they do not find: asking for each of six headers cost 5% of a small read.
    """
    present = {name.lower() for name, _ in headers}
    for name, value in defaults:
        if name.lower() not in present:
            headers.add(name, value)


def register_response_hooks(app: Flask) -> None:
    """The response rules, for every response."""
    app.after_request(add_security_headers)
    app.after_request(drop_empty_content_type)
    app.wsgi_app = BearerSchemeCaseInsensitive(app.wsgi_app)  # type: ignore[method-assign]
