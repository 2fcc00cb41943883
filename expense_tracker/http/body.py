"""The request body: judged before anything reads it, then parsed once (on `g`).

`judge` is the pipeline's body-rules step (its size, 413, then its content type, 415);
`document()` is the one parse of a JSON body every later step shares: the rate limits
(an account named in a sign-in), the idempotency fingerprint and the view's arguments.
Numbers with a fraction become `Decimal` (money never passes through a binary float), and
NaN / Infinity literals, lone surrogates and absurd nesting are malformed JSON.
"""

from __future__ import annotations

import json
from contextlib import suppress
from decimal import Decimal
from typing import Any, NoReturn

from flask import current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

JSON_MIMETYPE = "application/json"
FORM_MIMETYPE = "application/x-www-form-urlencoded"
MULTIPART_MIMETYPE = "multipart/form-data"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# No request document nests beyond a few levels; far deeper ones are refused as malformed.
MAX_JSON_DEPTH = 32
_PARSED = "body"


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


class _Malformed:
    """What `document()` keeps of a body that is no JSON: the error, raised to each asker."""

    def __init__(self, error: ValueError) -> None:
        self.error = error


def document() -> Any:
    """This request's JSON body, parsed on the first call and kept on `g` for the others.

    Raises ValueError (json.JSONDecodeError, UnicodeDecodeError) for a malformed one, on
    every call; the view's arguments answer it with a 400.
    """
    parsed = g.get(_PARSED, _PARSED)
    if parsed is _PARSED:
        try:
            parsed = parse_json_body(request.get_data(cache=True))
        except ValueError as exc:  # UnicodeDecodeError is a ValueError too
            parsed = _Malformed(exc)
        setattr(g, _PARSED, parsed)
    if isinstance(parsed, _Malformed):
        raise parsed.error
    return parsed


def parse() -> None:
    """Parse a JSON body now (once; a malformed one is answered 400 by the view's
    arguments, when they read it)."""
    if request.is_json:
        with suppress(ValueError):
            document()


def fields() -> Any:
    """The body's fields when it is a form or a JSON object, else None (never raises)."""
    if request.mimetype == FORM_MIMETYPE:
        return request.form
    if not request.is_json:
        return None
    try:
        values = document()
    except ValueError:
        return None
    return values if isinstance(values, dict) else None


def has_body() -> bool:
    if request.content_length:
        return True
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def carries_body() -> bool:
    """A request whose body the body rules judge."""
    return request.method in BODY_METHODS and has_body()


def judge(setting: str, mimetypes: frozenset[str]) -> None:
    """The body rules (after the caller's 401): the size, refused before it is read (413),
    then the content type (415)."""
    limit = int(current_app.config[setting])
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    if request.mimetype not in mimetypes:
        raise UnsupportedMediaType()


def forget() -> None:
    g.pop(_PARSED, None)
