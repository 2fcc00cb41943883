"""The rate limits' step of the request pipeline (http/pipeline.py) and the limiter.

`check_limits` counts a request against the limits its view declares (limits.py), with the
current application's Flask-Limiter (`init_rate_limits`: one per application, so that
differently configured apps can share a process); a refusal is a 429 problem with
`Retry-After`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded

from expense_tracker.errors import problem_response
from expense_tracker.http.limits import (
    GENERAL_LIMITS,
    INTERNAL_REQUEST_FLAG,
    ViewLimit,
    ViewLimits,
    current_limiter,
    remember_address,
    user_or_ip,
)

F = TypeVar("F", bound=Callable[..., Any])


# -- the pipeline's step -------------------------------------------------------------------

_making = threading.Lock()


def check_limits(view: F) -> F:
    """The pipeline's rate-limit step: count the request against the limits `view`
    declares (GENERAL when it declares none), with the current application's limiter."""
    declared: ViewLimits = getattr(view, "rate_limits", GENERAL_LIMITS)
    if not declared.limits:
        return view

    @wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        limiter = current_limiter()
        if limiter is None or not limiter.enabled:
            return view(*args, **kwargs)
        response = _counted(limiter, view, declared)(*args, **kwargs)
        if declared.signs_in is not None:
            response = current_app.make_response(response)
            if 200 <= response.status_code < 300:
                remember_address(limiter, declared.signs_in)
        return response

    return limited  # type: ignore[return-value]


def _counted(limiter: Limiter, view: Callable[..., Any], declared: ViewLimits) -> Any:
    """`view` inside Flask-Limiter's own decorators for its limits: they check them before
    the view runs (429), and Flask-Limiter counts the conditional ones (`counts`) once the
    response is made. Made once per application (limits are its settings), when it first
    serves the view."""
    made: dict[Callable[..., Any], Any] = current_app.extensions["rate_limited_views"]
    counted = made.get(view)
    if counted is None:
        with _making:
            counted = made.get(view)
            if counted is None:
                counted = view
                for view_limit in declared.limits:
                    counted = _flask_limiter_decorator(limiter, view_limit)(counted)
                made[view] = counted
    return counted


def _flask_limiter_decorator(limiter: Limiter, view_limit: ViewLimit) -> Any:
    value = str(current_app.config[view_limit.setting])
    if view_limit.shared is not None:
        return limiter.shared_limit(
            value,
            view_limit.shared,
            key_func=view_limit.key,
            deduct_when=view_limit.counts,
            exempt_when=view_limit.skip_when,
        )
    return limiter.limit(
        value,
        key_func=view_limit.key,
        deduct_when=view_limit.counts,
        exempt_when=view_limit.skip_when,
    )


# -- wiring --------------------------------------------------------------------------------


def _exempt() -> bool:
    return request.method == "OPTIONS" or bool(request.environ.get(INTERNAL_REQUEST_FLAG))


def _counted_by_the_pipeline() -> bool:
    """Flask-Limiter would count RATELIMIT_DEFAULT (its own setting) in a request hook
    before any view runs, so before the body rules: the pipeline counts it instead
    (GENERAL, in `check_limits`), and the limiter's own copy is always exempt."""
    return True


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
        response.headers.remove("Retry-After")  # whether or not it has one
    return response


def init_rate_limits(app: Flask) -> Limiter:
    """Build this app's limiter from its settings: the limiter the pipeline's rate-limit
    step (`check_limits`) counts with, the 429 answer, and the X-RateLimit-* headers."""
    limiter = Limiter(user_or_ip, default_limits_exempt_when=_counted_by_the_pipeline)
    # Registered before the limiter's own hook, so it runs after it.
    app.after_request(_retry_after_only_when_refused)
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    app.extensions["rate_limited_views"] = {}
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
    return limiter
