"""flask-smorest, extended (by subclassing) where it meets our contract.

- Every view runs inside the request pipeline (`request_pipeline`: the checks around it,
  in the order they run), put around it by `Blueprint` when the view is registered.
- Request bodies are parsed with `Decimal` for numbers, so money never passes through a
  binary float, and NaN / Infinity literals are malformed JSON.
- Every documented error is `application/problem+json` with the Problem schema.
- Endpoints declare the content types they accept; anything else with a body is a 415.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar

import flask_smorest
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_jwt_extended import jwt_required
from flask_smorest.utils import prepare_response
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.routing import IntegerConverter

from expense_tracker import openapi
from expense_tracker.database import MAX_ID
from expense_tracker.errors import PROBLEM_MIMETYPE

F = TypeVar("F", bound=Callable[..., Any])

JSON_MIMETYPE = "application/json"
FORM_MIMETYPE = "application/x-www-form-urlencoded"
MULTIPART_MIMETYPE = "multipart/form-data"
# No request document nests beyond a few levels; far deeper ones are refused as malformed.
MAX_JSON_DEPTH = 32


def _reject_constant(name: str) -> NoReturn:
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)


def _reject_lone_surrogates(value: Any) -> None:
    """JSON may escape half of a UTF-16 pair (`"\\ud800"`); that is no text, refuse it."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise json.JSONDecodeError("invalid \\u escape (lone surrogate)", value, 0) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_lone_surrogates(key)
            _reject_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _reject_lone_surrogates(item)


def _nesting_depth(document: Any) -> int:
    """How deep arrays and objects nest (a scalar is 0), walked without recursion."""
    deepest = 0
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            pending.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return deepest


def parse_json_body(raw: bytes | str) -> Any:
    """Parse JSON exactly: numbers with a fraction become Decimal, NaN/Infinity are refused.

    Documents nested deeper than MAX_JSON_DEPTH are refused as malformed on every Python
    (3.11's parser gives up on deep nesting by itself, 3.12's and newer do not).
    """
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        document = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        # Absurd nesting, or an integer beyond Python's 4300-digit limit: still a malformed
        # body (400), never an unexpected error.
        raise json.JSONDecodeError(f"unreadable JSON ({type(exc).__name__})", "<body>", 0) from None
    if isinstance(document, dict | list) and _nesting_depth(document) > MAX_JSON_DEPTH:
        raise json.JSONDecodeError(f"nested deeper than {MAX_JSON_DEPTH} levels", "<body>", 0)
    if "\\u" in text:  # only escapes can produce surrogates: skip the walk otherwise
        _reject_lone_surrogates(document)
    return document


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` path segments no database id can exceed: larger ones simply do not match."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class ExactJSONParser(FlaskParser):
    # `multipart`: the fields and the files of one multipart body, read (and documented)
    # as one schema, so that a body of a file and text fields is one requestBody.
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def _raw_load_json(self, req: Any) -> Any:
        if not webargs_core.is_json(req.mimetype):
            return webargs_core.missing
        return parse_json_body(req.get_data(cache=True))

    def load_multipart(self, req: Any, schema: Any) -> Any:
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class Api(flask_smorest.Api):
    ERROR_SCHEMA = openapi.ProblemSchema

    def init_app(self, app: Flask, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        spec_kwargs = {
            "marshmallow_plugin": MarshmallowPlugin(),
            "extra_plugins": [openapi.GeneralRulesPlugin()],
            **(spec_kwargs or {}),
        }
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.spec.options.setdefault("info", {})["description"] = openapi.api_description()
        openapi.register_components(self.spec)
        self.ma_plugin.converter.add_attribute_function(openapi.money_accepts_numbers)
        self.ma_plugin.converter.add_attribute_function(openapi.currency_codes)

    def _register_error_handlers(self) -> None:
        """Our own handlers (errors.register_error_handlers) answer every error."""

    def _register_responses(self) -> None:
        # Same as flask-smorest's, with problem+json instead of application/json.
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": openapi.status_phrase(status)}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                headers = openapi.problem_response_headers(status)
                if headers:
                    response["headers"] = headers
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(openapi.status_name(status), response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


Step = Callable[[Callable[..., Any]], Callable[..., Any]]


def request_pipeline() -> tuple[Step, ...]:
    """The request pipeline: the steps around every view, in the order they run.

    1. `hooks.check_body`: a request with a body is judged before anything reads it: the
       caller first (401, for a view behind `auth_required`: nothing is said about a
       stranger's body), then its size (413, `body_limit`), then its content type (415,
       `accepts`).
    2. `ratelimit.check_limits`: the limits the view declares (`sign_in_limits`, ...), else
       the general one (429). After the body rules, so that a refused body costs nothing
       and a sign-in limit may read the (small, accepted) body for the account's email.
    3. `idempotency.replay_or_reserve`: for a view declared `idempotent()`, a repeat gets
       the first answer and a new key is reserved. After the limits, so that a replay
       counts against them and a request they refuse writes nothing.
    4. The view with its own decorators: `auth_required`'s token check (the 401 of a request
       without a body, which the limits have counted), flask-smorest's arguments (400, 422)
       and response.

    Each step reads what the view's decorators declare once, when `Blueprint` registers the
    view, and wraps it (or leaves it as it is, when it has nothing to do for it).
    """
    # Imported when views are registered rather than with this module: they build on it.
    from expense_tracker import hooks, idempotency, ratelimit

    return (hooks.check_body, ratelimit.check_limits, idempotency.replay_or_reserve)


def in_request_pipeline(view: Callable[..., Any]) -> Callable[..., Any]:
    """`view` inside every step of the request pipeline, the first to run outermost."""
    for step in reversed(request_pipeline()):
        view = step(view)
    return view


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint; every view registered on it runs inside the request
    pipeline (`request_pipeline` above says what runs around a view, in which order).

    The view is wrapped here, once, as it is registered, from what its decorators declare
    (`auth_required`, `body_limit`, `accepts`, `sign_in_limits` and the other limits,
    `idempotent`): every application then serves that same function, and nothing rewrites
    it afterwards.
    """

    ARGUMENTS_PARSER = ExactJSONParser()
    # `json_or_form` bodies (/token) are documented as the form OAuth2 clients send.
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_form": FORM_MIMETYPE,
        "multipart": MULTIPART_MIMETYPE,
    }

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Any = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a view function inside the pipeline. Views are functions, one per
        route and method (flask-smorest's `route` with a MethodView would bypass this)."""
        if isinstance(view_func, type):
            raise TypeError("views are functions here: use blp.get/post/patch/delete")
        if view_func is not None:
            view_func = in_request_pipeline(view_func)
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)

    def errors(self, *statuses: int) -> Callable[[F], F]:
        """Document the problem responses an operation can answer with."""

        def decorator(func: F) -> F:
            for status in statuses:
                func = self.alt_response(status, response=openapi.status_name(status))(func)
            return func

        return decorator


def accepts(*mimetypes: str) -> Callable[[F], F]:
    """Declare the request body content types a view accepts (JSON when not declared);
    the pipeline's body rules (`hooks.check_body`) answer any other a 415."""

    def decorator(func: F) -> F:
        func.accepted_mimetypes = frozenset(mimetypes)  # type: ignore[attr-defined]
        return func

    return decorator


def body_limit(setting: str) -> Callable[[F], F]:
    """Give a view its own request body limit, the name of a config key in bytes (else
    MAX_CONTENT_LENGTH); the pipeline's body rules (`hooks.check_body`) answer more a 413."""

    def decorator(func: F) -> F:
        func.max_body_setting = setting  # type: ignore[attr-defined]
        return func

    return decorator


def auth_required(*, refresh: bool = False, verify_type: bool = True) -> Callable[[F], F]:
    """Require a bearer token and document the security requirement.

    The token is checked here, in the view, after the rate limits (they count requests
    without a valid token too); for a request with a body, the pipeline's body rules check
    it first (`hooks.check_body`: a stranger's body is not judged).
    """

    def decorator(func: F) -> F:
        protected = jwt_required(refresh=refresh, verify_type=verify_type)(func)
        documented = flask_smorest.Blueprint.doc(security=[{"bearerAuth": []}])(protected)
        documented.auth_options = {"refresh": refresh, "verify_type": verify_type}
        return documented

    return decorator
