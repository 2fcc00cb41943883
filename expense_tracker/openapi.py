"""What the OpenAPI document says beyond what each view's schemas give.

The contract's general rules apply to every endpoint, so they are documented here once:
the problem responses any operation can answer with, the request headers (`If-Match`,
`Idempotency-Key`) and response headers (`Location`, `ETag`, `X-Total-Count`, `Link`,
`Retry-After`, `WWW-Authenticate`, `Allow`) the mechanisms behind them add, and money
fields that accept a JSON number as well as a string.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import marshmallow as ma
from apispec import APISpec, BasePlugin

from expense_tracker.domain import money
from expense_tracker.errors import PROBLEM_TYPES, SPECIFIC_PROBLEM_TYPES
from expense_tracker.money_fields import Amount, Currency, DecimalString
from expense_tracker.schemas import InputSchema, QuerySchema

# POSTs that create nothing (or whose answer must never be replayed): no Idempotency-Key.
NOT_IDEMPOTENT_PATHS = frozenset(
    {"/token", "/token/refresh", "/token/revoke", "/users/me/notifications/read"}
)
# 201s that create nothing addressable (an import creates many expenses).
NO_LOCATION_PATHS = frozenset({"/expenses/import"})
# Response bodies of these schemas are versioned resources, sent with their ETag.
VERSIONED_SCHEMAS = frozenset({"Expense", "Group", "GroupExpense", "Settlement", "InviteCode"})
PAGINATION_PARAMETERS = frozenset({"skip", "limit"})

# RFC 9110's names for the statuses Python renamed in 3.13: the document (and its
# component names) is then the same on every supported Python.
RFC_9110_STATUSES = {
    413: ("CONTENT_TOO_LARGE", "Content Too Large"),
    414: ("URI_TOO_LONG", "URI Too Long"),
    416: ("RANGE_NOT_SATISFIABLE", "Range Not Satisfiable"),
    422: ("UNPROCESSABLE_CONTENT", "Unprocessable Content"),
}


def status_name(status: int) -> str:
    """The response component's name for a status, e.g. `NOT_FOUND`."""
    return RFC_9110_STATUSES.get(status, (HTTPStatus(status).name, ""))[0]


def _rfc_9110_name(status: str, response: Any) -> Any:
    """A response given by flask-smorest's name for its status (`@arguments` and
    `@paginate` name their 422 `HTTPStatus(422).name`, which is `UNPROCESSABLE_ENTITY`
    before Python 3.13) becomes a reference to the component registered under our name."""
    if isinstance(response, str) and status.isdigit() and response == HTTPStatus(int(status)).name:
        return status_name(int(status))
    return response


def status_phrase(status: int) -> str:
    """The status's reason phrase, e.g. `Not Found`."""
    return RFC_9110_STATUSES.get(status, ("", HTTPStatus(status).phrase))[1]


HEADERS: dict[str, dict[str, Any]] = {
    "LOCATION": {"description": "The created resource's path.", "schema": {"type": "string"}},
    "X_TOTAL_COUNT": {
        "description": "How many rows match the query, across all pages.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "LINK": {
        "description": 'RFC 8288 links to the next (`rel="next"`) and previous (`rel="prev"`) '
        "pages, where they exist.",
        "schema": {"type": "string"},
    },
    "RETRY_AFTER": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    },
    "WWW_AUTHENTICATE": {"description": "Always `Bearer`.", "schema": {"type": "string"}},
    "ALLOW": {"description": "The methods this path answers.", "schema": {"type": "string"}},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "description": "Repeat this POST safely: the same key with the same document within 24 h "
    "returns the first 2xx answer and creates nothing; with another document, 422; while the "
    "first still runs, 409. Scoped to the caller (for `POST /users/`, to the path).",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}
# Headers that error responses always carry, by status.
PROBLEM_HEADERS = {
    401: {"WWW-Authenticate": "WWW_AUTHENTICATE"},
    405: {"Allow": "ALLOW"},
    429: {"Retry-After": "RETRY_AFTER"},
}


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error response carries."""

    type = ma.fields.String(
        required=True,
        metadata={
            "description": "Stable URI reference for the kind of problem.",
            "enum": sorted(
                {type_ for type_, _ in PROBLEM_TYPES.values()} | set(SPECIFIC_PROBLEM_TYPES)
            ),
        },
    )
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Messages per field; nested fields use dotted paths."},
    )
    difference = ma.fields.String(
        metadata={"description": "Exact splits only: total minus the sum of the amounts."}
    )


def problem_types_description() -> str:
    kinds = [(status, type_, title) for status, (type_, title) in PROBLEM_TYPES.items()]
    kinds += [(status, type_, title) for type_, (status, title) in SPECIFIC_PROBLEM_TYPES.items()]
    rows = "\n".join(
        f"| `{type_}` | {status} | {title} |" for status, type_, title in sorted(kinds)
    )
    return (
        "Every error is `application/problem+json` (RFC 9457).\n\n"
        "| type | status | title |\n|---|---|---|\n" + rows
    )


# flask-smorest documents If-Match as required; the contract makes it optional (without
# it, the last writer wins). An ETag as the API sends it, or `*` (whatever the version).
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The `ETag` of the version you read: the change is made only if the "
    "resource is still at that version, else 412. Without it, the last writer wins.",
    "schema": {"type": "string", "pattern": '^(\\*|(W/)?"[!#-~]*")$', "example": '"7.2"'},
}


def register_components(spec: APISpec) -> None:
    for section in ("parameters", "parameters_lazy"):
        components = getattr(spec.components, section)
        if "IF_MATCH" in components:
            components["IF_MATCH"] = dict(IF_MATCH)
    spec.components.schema(
        CURRENCY_COMPONENT,
        {
            "type": "string",
            "enum": money.accepted_currencies(),
            "description": "The ISO 4217 codes with minor units, upper case as listed (requests "
            "may use any letter case).",
        },
    )
    for name, header in HEADERS.items():
        spec.components.header(name, header)
    spec.components.parameter("IDEMPOTENCY_KEY", "header", IDEMPOTENCY_KEY, lazy=True)
    spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )


def _schema_name(response: dict[str, Any]) -> str | None:
    """The component a response body is (the first one, for a `oneOf` of views)."""
    for media in (response.get("content") or {}).values():
        schema = media.get("schema") or {}
        ref = (schema.get("oneOf") or [schema])[0].get("$ref", "")
        return ref.rsplit("/", 1)[-1] or None
    return None


def _parameter_names(operation: dict[str, Any]) -> set[str]:
    return {
        p["name"] for p in operation.get("parameters", []) if isinstance(p, dict) and "name" in p
    }


class GeneralRulesPlugin(BasePlugin):
    """Add what the contract's general rules give every operation (runs after marshmallow's
    plugin, so parameters and response schemas are already resolved), and the rules a
    request schema checks across its fields (`openapi_rules`, next to the check itself)."""

    def schema_helper(self, name: str, definition: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        schema = kwargs.get("schema")
        extra = dict(getattr(schema, "openapi_rules", None) or {})
        example = getattr(schema, "openapi_example", None)
        if example is not None:
            extra["example"] = example
        return extra

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            self._document_problems(path or "", method, operation)
            self._document_headers(path or "", method, operation)

    @staticmethod
    def _document_problems(path: str, method: str, operation: dict[str, Any]) -> None:
        # Views document statuses as ints, this plugin as strings: one kind of key only.
        responses = {
            str(status): _rfc_9110_name(str(status), response)
            for status, response in operation.get("responses", {}).items()
        }
        operation["responses"] = responses
        if operation.get("security"):
            responses.setdefault("401", "UNAUTHORIZED")
        if method in {"post", "put", "patch"} or "requestBody" in operation:
            responses.setdefault("400", "BAD_REQUEST")
            responses.setdefault("413", status_name(413))
            responses.setdefault("415", "UNSUPPORTED_MEDIA_TYPE")
        if method == "post" and path not in NOT_IDEMPOTENT_PATHS:
            responses.setdefault("409", "CONFLICT")  # a repeat while the first still runs
            responses.setdefault("422", status_name(422))  # a reused key
        responses.setdefault("429", "TOO_MANY_REQUESTS")  # the per-user limit applies anywhere
        responses.setdefault("500", "INTERNAL_SERVER_ERROR")
        responses.setdefault("503", "SERVICE_UNAVAILABLE")  # the database does not answer

    @staticmethod
    def _document_headers(path: str, method: str, operation: dict[str, Any]) -> None:
        parameters = operation.setdefault("parameters", [])
        responses = operation["responses"]
        if method == "post" and path not in NOT_IDEMPOTENT_PATHS:
            parameters.append("IDEMPOTENCY_KEY")
        if "412" in responses:
            parameters.append("IF_MATCH")
        paginated = _parameter_names(operation) >= PAGINATION_PARAMETERS
        for status, response in responses.items():
            if not status.startswith("2") or not isinstance(response, dict):
                continue
            headers: dict[str, Any] = {}
            if status == "201" and path not in NO_LOCATION_PATHS:
                headers["Location"] = "LOCATION"
            if _schema_name(response) in VERSIONED_SCHEMAS:
                headers["ETag"] = "ETAG"
            if paginated:
                headers.update({"X-Total-Count": "X_TOTAL_COUNT", "Link": "LINK"})
            if headers:
                response.setdefault("headers", {}).update(headers)
        if not parameters:
            del operation["parameters"]


CURRENCY_COMPONENT = "CurrencyCode"


def currency_codes(converter: Any, field: ma.fields.Field, **kwargs: Any) -> dict[str, Any]:
    """Request currencies, in bodies and query strings, are one of the accepted codes, listed
    once (`CurrencyCode`)."""
    ret: dict[str, Any] = kwargs["ret"]
    if isinstance(field, Currency) and isinstance(field.root, InputSchema | QuerySchema):
        ret.pop("type", None)
        ret["allOf"] = [{"$ref": f"#/components/schemas/{CURRENCY_COMPONENT}"}]
    return {}


def problem_response_headers(status: int) -> dict[str, str]:
    return dict(PROBLEM_HEADERS.get(status, {}))


def money_accepts_numbers(converter: Any, field: ma.fields.Field, **kwargs: Any) -> dict[str, Any]:
    """In request bodies, amounts and percentages may be JSON numbers as well as strings.

    (A marshmallow-to-OpenAPI attribute function; responses always send strings.)
    """
    ret: dict[str, Any] = kwargs["ret"]
    if isinstance(field, Amount | DecimalString) and isinstance(field.root, InputSchema):
        # The exact syntax and bounds the field checks (fields.py), in either form.
        ret.pop("pattern", None)
        ret.pop("type", None)
        ret["oneOf"] = field.request_forms()
    return {}


# The written documentation, served beside the interactive docs (docs_assets.py).
GUIDE_URL = "/docs/api-guide.md"
REFERENCE_URL = "/docs/api-reference.md"


def api_description() -> str:
    """The document's `info.description`: the general rules in brief, where to read more,
    and the problem types."""
    rules = "\n".join(
        f"- **{topic}**: {rule}"
        for topic, rule in (
            (
                "Format",
                "JSON in and out (`POST /token` also takes a form, `POST /expenses/import` "
                "a multipart file); every path works with or without its trailing slash.",
            ),
            (
                "Authentication",
                "`POST /token` gives an access token, sent as `Authorization: Bearer ...`, and "
                "a refresh token, exchanged once at `POST /token/refresh` for a new pair; "
                "`POST /token/revoke` signs out.",
            ),
            (
                "Money",
                'decimal strings with the currency\'s ISO 4217 minor units ("12.50" USD, '
                '"1800" JPY, "3.250" KWD); requests may send JSON numbers. Currency codes in '
                "any case.",
            ),
            (
                "Input",
                "unknown and read-only fields answer 422; text is trimmed; errors name fields "
                "with dotted paths (`splits.1.amount`).",
            ),
            (
                "Visibility",
                "what you may not see answers 404; 403 means you see it but may not change it.",
            ),
            (
                "Lists",
                "paginated ones take `skip` and `limit` (1-200) and answer `X-Total-Count` and "
                "`Link`; every order is total. Follow the `next` link: on the expense lists it "
                "carries `after`, the last row's position, so deep pages stay fast.",
            ),
            (
                "Concurrency",
                "expenses, groups and settlements carry an `ETag`; `If-Match` on PATCH and "
                "DELETE answers 412 when the resource changed.",
            ),
            (
                "Retries",
                "creating POSTs accept `Idempotency-Key`: a repeat within 24 h returns the "
                "first answer and creates nothing.",
            ),
            (
                "Limits and outages",
                "429 with `Retry-After` when over a rate limit; 503 when the database does "
                "not answer.",
            ),
        )
    )
    return (
        "Personal expenses and group bill splitting. Read the "
        f"[API guide]({GUIDE_URL}) first: it explains these rules and walks through every "
        f"main flow with curl. The [API reference]({REFERENCE_URL}) lists every endpoint "
        "field by field.\n\n" + rules + "\n\n" + problem_types_description()
    )
