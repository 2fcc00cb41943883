"""flask-smorest, extended (by subclassing) where it meets our contract.

- Every view runs inside the request pipeline (http/pipeline.py lists its steps in
  order), put around it by `Blueprint` when the view is registered; the decorators here
  (`auth_required`, `accepts`, `body_limit`) only declare what the pipeline checks.
- Request bodies are parsed with `Decimal` for numbers, so money never passes through a
  binary float, and NaN / Infinity literals are malformed JSON.
- Every documented error is `application/problem+json` with the Problem schema.
- Endpoints declare the content types they accept; anything else with a body is a 415.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

import flask_smorest
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_smorest.utils import prepare_response
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.routing import IntegerConverter

from expense_tracker import openapi
from expense_tracker.database import MAX_ID
from expense_tracker.errors import PROBLEM_MIMETYPE
from expense_tracker.http import body, pipeline, query_args

# The content types views declare (`accepts`) are named here too.
from expense_tracker.http.body import FORM_MIMETYPE as FORM_MIMETYPE
from expense_tracker.http.body import JSON_MIMETYPE as JSON_MIMETYPE
from expense_tracker.http.body import MULTIPART_MIMETYPE as MULTIPART_MIMETYPE

F = TypeVar("F", bound=Callable[..., Any])


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` path segments no database id can exceed: larger ones simply do not match."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class ExactJSONParser(FlaskParser):
    # `multipart`: the fields and the files of one multipart body, read (and documented)
    # as one schema, so that a body of a file and text fields is one requestBody.
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def parse(self, argmap: Any, req: Any = None, **kwargs: Any) -> Any:
        """webargs' parse; the query arguments of a `by_query_string` schema remembered."""
        if kwargs.get("location") == "query" and query_args.remembered(argmap):
            request = req if req is not None else self.get_default_request()
            return query_args.parse(
                lambda: super(ExactJSONParser, self).parse(argmap, request, **kwargs),
                argmap,
                request.query_string,
            )
        return super().parse(argmap, req, **kwargs)

    def _raw_load_json(self, req: Any) -> Any:
        if not webargs_core.is_json(req.mimetype):
            return webargs_core.missing
        return body.document()  # parsed once for the whole request

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


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint; every view registered on it runs inside the request
    pipeline (http/pipeline.py says what runs around a view, in which order).

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
            view_func = pipeline.around(view_func)
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
    the pipeline's body rules answer any other a 415."""

    def decorator(func: F) -> F:
        func.accepted_mimetypes = frozenset(mimetypes)  # type: ignore[attr-defined]
        return func

    return decorator


def body_limit(setting: str) -> Callable[[F], F]:
    """Give a view its own request body limit, the name of a config key in bytes (else
    MAX_CONTENT_LENGTH); the pipeline's body rules answer more a 413."""

    def decorator(func: F) -> F:
        func.max_body_setting = setting  # type: ignore[attr-defined]
        return func

    return decorator


def auth_required(*, refresh: bool = False, verify_type: bool = True) -> Callable[[F], F]:
    """Require a bearer token and document the security requirement.

    The pipeline checks it (http/caller.py): for a request with a body first of all (a
    stranger's body is not judged), else after the rate limits (they count requests
    without a valid token too).
    """

    def decorator(func: F) -> F:
        documented = flask_smorest.Blueprint.doc(security=[{"bearerAuth": []}])(func)
        documented.auth_options = {"refresh": refresh, "verify_type": verify_type}
        return documented

    return decorator


api = Api()
