"""Flask-JWT-Extended's manager, decoding a request's bearer token once.

Several steps of one request ask Flask-JWT-Extended about its token: the rate limit key,
the body checks, the idempotency scope and the view's `auth_required`. Each would decode
it again (a signature check and four base64/JSON parses, about 0.2 ms); every decode goes
through `_decode_jwt_from_config`, so the first result is kept for the rest of the request.
A token that fails to decode is not kept: the first check to fail answers the request.

No imports from the project here: extensions.py creates the instance.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context
from flask_jwt_extended import JWTManager

_DECODED = "_decoded_bearer_tokens"


class DecodeOnceJWTManager(JWTManager):
    def init_app(self, app: Flask, add_context_processor: bool = False) -> None:
        super().init_app(app, add_context_processor)
        # `g` outlives a request when a test runs requests inside an app context of its own.
        app.teardown_request(lambda _error: g.pop(_DECODED, None))

    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value: Any = None, allow_expired: bool = False
    ) -> dict[str, Any]:
        if not has_request_context():
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        decoded: dict[tuple[str, Any, bool], dict[str, Any]] = g.setdefault(_DECODED, {})
        key = (encoded_token, csrf_value, allow_expired)
        if key not in decoded:
            decoded[key] = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        return decoded[key]
