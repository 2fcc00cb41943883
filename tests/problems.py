"""One check for every error response a test provokes: `assert_problem(response, 404, "not-found")`.

It asserts the status, the `application/problem+json` content type and the problem's `type`
(with the status repeated in the body, RFC 9457), and returns the body for the test's own
further checks (`detail`, `errors`...). It takes a Flask test response or a `requests` one.

The kinds of problem are written out here, not taken from expense_tracker.errors: a test
(tests/http/test_problem_types.py) checks that the two lists agree and that every kind is
asserted somewhere in the suite.
"""

from __future__ import annotations

from typing import Any

PROBLEM_MIMETYPE = "application/problem+json"

# Each kind of problem the API (and nginx in front of it, deploy/nginx.conf) sends: its
# status and title.
PROBLEM_KINDS: dict[str, tuple[int, str]] = {
    "malformed-request": (400, "Malformed request"),
    "unauthorized": (401, "Unauthorized"),
    "forbidden": (403, "Forbidden"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "conflict": (409, "Conflict"),
    "limit-reached": (409, "Limit reached"),
    "precondition-failed": (412, "Precondition failed"),
    "payload-too-large": (413, "Payload too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "validation-error": (422, "Validation error"),
    "rate-unavailable": (422, "Exchange rate unavailable"),
    "rate-limited": (429, "Too many requests"),
    "internal-error": (500, "Internal server error"),
    "bad-gateway": (502, "Bad gateway"),
    "service-unavailable": (503, "Service unavailable"),
    "gateway-timeout": (504, "Gateway timeout"),
}


# The kind a status has when nothing more specific applies, for tests driven by a table of
# statuses.
GENERIC_KIND: dict[int, str] = {
    400: "malformed-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
    500: "internal-error",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}


def _parts(response: Any) -> tuple[int, str, Any]:
    """Status, content type and JSON body of a Flask test response, a `requests` response,
    a reply with `.status` (tests/ops/test_e2e_nginx.py) or a (status, headers, body) tuple
    (tests/servers.py's `call`)."""
    if isinstance(response, tuple):
        status, headers, body = response
        headers = {name.lower(): value for name, value in headers.items()}
        return status, headers.get("content-type", ""), body
    if hasattr(response, "get_json"):  # Flask's test response
        body = response.get_json(force=True, silent=True)
    else:
        try:  # requests.Response, or a reply of the end-to-end tests
            body = response.json()
        except ValueError:
            body = None
    status = response.status_code if hasattr(response, "status_code") else response.status
    return status, response.headers.get("Content-Type") or "", body


def assert_problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    """The response is a problem of this status and kind; returns its body."""
    assert kind in PROBLEM_KINDS, f"no such kind of problem: {kind!r}"
    assert PROBLEM_KINDS[kind][0] == status, f"a {kind} problem is a {PROBLEM_KINDS[kind][0]}"
    got_status, content_type, body = _parts(response)
    content_type = content_type.split(";")[0].strip()
    seen = (got_status, content_type, body)
    assert got_status == status, f"expected a {status} {kind} problem, got {seen}"
    assert content_type == PROBLEM_MIMETYPE, f"not a problem+json response: {seen}"
    assert isinstance(body, dict), f"a problem's body is a JSON object: {seen}"
    assert body.get("type") == f"/problems/{kind}", f"expected /problems/{kind}: {seen}"
    assert body.get("status") == status, seen
    assert body.get("title") == PROBLEM_KINDS[kind][1], seen
    assert isinstance(body.get("detail"), str), seen
    assert body["detail"], seen
    return body
