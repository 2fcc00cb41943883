"""The request pipeline: every step a request to the API passes, in the order it runs.

    1. caller        the bearer token decoded once (caller.identify; nothing refused yet)
    2. body rules    a request with a body: a view behind `auth_required` refuses a
                     stranger first (401: nothing is said about a stranger's body), then
                     the size (413, `body_limit`), then the content type (415, `accepts`);
                     the JSON body is then parsed once, on `g` (body.document)
    3. limits        the limits the view declares, else the general one (429); after the
                     body rules, so that a refused body costs nothing and a sign-in limit
                     may read the (small, accepted) body for the account's email
    4. auth check    a view behind `auth_required`: the caller, or 401 (a request without
                     a body gets it here: the limits have counted it)
    5. idempotency   a view declared `idempotent()`: a repeat gets the first answer, a new
                     key is reserved; after the limits, so that a replay counts against
                     them and a request they refuse writes nothing
    6. parse, view   flask-smorest: the arguments (400, 422) from the parsed body, the
                     view, its response dumped once
    7. one commit    the view's writes are committed by its service, once; the response
                     an idempotent request keeps is stored after it (idempotency.py)
    8. headers       what every response gets, errors included (`register`, below): the
                     security headers, no content type on a 204, Retry-After only when
                     refused, the rate limits' X-RateLimit-*, the request id and log line

Steps 1 to 5 are put around each view once, when its `Blueprint` registers it (`around`),
from what its decorators declare; each reads what the caller step and the body step left
on `g`, so nothing is decoded, queried or parsed twice.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask

from expense_tracker.http import authentication, body, caller, headers, idempotency, limiter, reads

View = Callable[..., Any]


def identify_caller(view: View) -> View:
    """Step 1: decode the caller's token, once (caller.identify)."""

    @wraps(view)
    def identified(*args: Any, **kwargs: Any) -> Any:
        caller.identify()
        return view(*args, **kwargs)

    return identified


def body_rules(view: View) -> View:
    """Step 2: judge a request body before anything reads it; then parse it, once."""
    auth_options = getattr(view, "auth_options", None)
    setting = getattr(view, "max_body_setting", "MAX_CONTENT_LENGTH")
    mimetypes = getattr(view, "accepted_mimetypes", frozenset({body.JSON_MIMETYPE}))

    @wraps(view)
    def judged(*args: Any, **kwargs: Any) -> Any:
        if body.carries_body():
            if auth_options is not None:
                caller.require(**auth_options)
            body.judge(setting, mimetypes)
            body.parse()
        return view(*args, **kwargs)

    return judged


def auth_check(view: View) -> View:
    """Step 4: a view behind `auth_required` acts for the caller, or answers 401."""
    auth_options = getattr(view, "auth_options", None)
    if auth_options is None:
        return view

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        caller.require(**auth_options)
        return view(*args, **kwargs)

    return checked


# Steps 1 to 5, the first to run first (outermost); step 6 is the view itself.
STEPS: tuple[Callable[[View], View], ...] = (
    identify_caller,
    body_rules,
    limiter.check_limits,
    auth_check,
    idempotency.replay_or_reserve,
)


def around(view: View) -> View:
    """`view` inside steps 1 to 5."""
    for step in reversed(STEPS):
        view = step(view)
    return view


def register(app: Flask) -> None:
    """What the pipeline needs of the application: the answers of Flask-JWT-Extended's
    refusals (401 problems), step 8's response headers, and forgetting `g` after each
    request."""
    authentication.init_app(app)
    headers.register_response_hooks(app)
    app.teardown_request(_forget)


def _forget(_error: BaseException | None) -> None:
    # `g` outlives a request when a test runs requests inside an app context of its own.
    caller.forget()
    body.forget()
    reads.forget()
