"""Rate limits, with Flask-Limiter configured through its own `RATELIMIT_*` settings.

- Sign-in (`POST /token`) and sign-up (`POST /users/`) have strict limits both per client
  IP and per account (the email in the body): guessing one account's password from many
  addresses is stopped as well as guessing many accounts' from one. Only failed sign-ins
  count against an account, so its owner signing in is never what locks it.
- Every other request counts against a general limit (`RATELIMIT_DEFAULT`) per signed-in
  user, keyed by the user id in the bearer token, or per client IP without a valid token.
- A refusal is a 429 problem (`/problems/rate-limited`) with `Retry-After`.
- `RATELIMIT_ENABLED=false` turns every limit off; counts live in memory by default (per
  gunicorn worker), in Redis with `RATELIMIT_STORAGE_URI=redis://host:6379/0`.

Views declare their limits with `sign_in_limits` / `sign_up_limits`; the limiter, one per
application (so that differently configured apps can share a process), wraps those views
when the application is built.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from flask_jwt_extended import decode_token
from flask_limiter import Limiter, RateLimitExceeded

from expense_tracker.api import FORM_MIMETYPE, parse_json_body
from expense_tracker.errors import problem_response
from expense_tracker.text import casefold_key, email_key

F = TypeVar("F", bound=Callable[..., Any])

# Set by the operator commands (seed-demo) on their in-process requests: an HTTP client
# cannot put it in the WSGI environ.
INTERNAL_REQUEST_FLAG = "expense_tracker.internal_request"
EXEMPT_ENDPOINT_PREFIXES = ("health.", "api-docs.", "docs_assets.")
EXEMPT_ENDPOINTS = frozenset({"metrics", "static"})


# -- whom a request counts against ---------------------------------------------------------


def client_ip() -> str:
    """The client address: the peer, or what the trusted proxy said (TRUSTED_PROXY_HOPS)."""
    return f"ip:{request.remote_addr or 'unknown'}"


def _body_field(*names: str) -> str | None:
    """A text field of the body. Sign-in and sign-up bodies are small by rule (their own
    AUTH_MAX_CONTENT_LENGTH, enforced before this runs), so reading one is cheap."""
    values: Any
    if request.mimetype == FORM_MIMETYPE:
        values = request.form
    elif request.is_json:
        try:
            values = parse_json_body(request.get_data(cache=True))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(values, dict):
            return None
    else:
        return None
    for name in names:
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def account_key(*field_names: str) -> Callable[[], str]:
    """Key by the account named in the body, hashed (no addresses in the counter store).

    The email is normalised exactly as sign-in and registration normalise it, so spelling
    variants that reach one account (full-width letters, say) share one count. Without
    one, fall back to the client address."""

    def key() -> str:
        email = _body_field(*field_names)
        if email is None:
            return f"account-unknown:{client_ip()}"
        account = email_key(email) or casefold_key(email.strip())
        digest = hashlib.sha256(account.encode("utf-8")).hexdigest()
        return f"account:{digest[:32]}"

    return key


def user_or_ip() -> str:
    """Key by the user id in a valid bearer token, else by client address.

    Only the signature and expiry are checked here (no database query): a revoked token
    still counts against its user, which is what we want of a limit.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            subject = decode_token(token.strip()).get("sub")
        except Exception:  # any invalid token: the view will answer 401
            subject = None
        if subject:
            return f"user:{subject}"
    return client_ip()


def _failed_sign_in(response: Response) -> bool:
    return response.status_code == 401


# -- declaring limits on views -------------------------------------------------------------


@dataclass(frozen=True)
class ViewLimit:
    """A limit on one view: its setting (a Flask-Limiter limit string), how requests are
    keyed, and which responses count (all when `counts` is None)."""

    setting: str
    key: Callable[[], str]
    counts: Callable[[Response], bool] | None = None


def _declare(*limits: ViewLimit) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        view.rate_limits = limits  # type: ignore[attr-defined]
        return view

    return decorator


sign_in_limits = _declare(
    ViewLimit("RATELIMIT_LOGIN_PER_IP", client_ip),
    ViewLimit("RATELIMIT_LOGIN_PER_ACCOUNT", account_key("username", "email"), _failed_sign_in),
)
# An import parses and validates up to 50,000 rows: seconds of work each, so few per user.
import_limits = _declare(ViewLimit("RATELIMIT_IMPORT", user_or_ip))
sign_up_limits = _declare(
    ViewLimit("RATELIMIT_SIGNUP_PER_IP", client_ip),
    ViewLimit("RATELIMIT_SIGNUP_PER_ACCOUNT", account_key("email")),
)


# -- wiring --------------------------------------------------------------------------------


def _exempt() -> bool:
    endpoint = request.endpoint or ""
    return (
        request.method == "OPTIONS"
        or endpoint in EXEMPT_ENDPOINTS
        or endpoint.startswith(EXEMPT_ENDPOINT_PREFIXES)
        or bool(request.environ.get(INTERNAL_REQUEST_FLAG))
    )


def current_limiter() -> Limiter | None:
    return current_app.extensions.get("rate_limiter")


def rate_limited(error: RateLimitExceeded) -> Response:
    """429 as a problem document, with the seconds to wait in `Retry-After`."""
    limiter = current_limiter()
    current = limiter.current_limit if limiter is not None else None
    wait = 60
    if current is not None:
        wait = max(1, int(current.reset_at - time.time()))
    return problem_response(
        429,
        f"Too many requests (limit: {error.description}); retry after the seconds in Retry-After.",
        headers={"Retry-After": str(wait)},
    )


def _retry_after_only_when_refused(response: Response) -> Response:
    """Flask-Limiter puts Retry-After on every response; it means "wait" only on a 429/503."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def init_rate_limits(app: Flask) -> Limiter:
    """Build this app's limiter from its settings and apply the limits views declared.

    Call after the blueprints are registered and after the request hooks that refuse
    oversized bodies, so that a refused body is never read here.
    """
    limiter = Limiter(user_or_ip)
    # Registered before the limiter's own hook, so it runs after it.
    app.after_request(_retry_after_only_when_refused)
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, rate_limited)
    if not limiter.enabled:
        return limiter
    storage = str(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
    if app.config.get("REQUIRE_STRONG_SECRETS") and storage.startswith("memory"):
        app.logger.warning(
            "RATELIMIT_STORAGE_URI is memory://: each gunicorn worker counts on its own, so "
            "limits are multiplied by the worker count; use redis:// in production"
        )
    limiter.request_filter(_exempt)
    for endpoint, view in list(app.view_functions.items()):
        # Any callable: Flask types views as a union (sync or async), which the limiter's
        # decorator typing cannot carry through.
        limited: Callable[..., Any] = view
        for view_limit in getattr(view, "rate_limits", ()):
            # Flask-Limiter checks a route's own limits in the wrapper it returns.
            limited = limiter.limit(
                app.config[view_limit.setting],
                key_func=view_limit.key,
                deduct_when=view_limit.counts,
            )(limited)
        app.view_functions[endpoint] = limited
    return limiter
