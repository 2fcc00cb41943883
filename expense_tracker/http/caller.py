"""Who is calling: the bearer token of a request, decoded and judged once (on `g`).

`identify` runs first in the pipeline. It decodes the token once (its signature, expiry
and claims: Flask-JWT-Extended's own `_decode_jwt`, with its settings), and keeps a
`Caller` on `g`; every later step reads it. A token verified once is remembered while it
is valid (`_verified`: its signature and claims are those of its bytes; its expiry is
checked on every request, and its session is too, below):

- the body rules and the auth check (`require`) ask for the verdict: the session is
  checked then, once (authentication.authenticate: one query by the session's primary
  key, joined to its user; no cache, so a revoked session or a changed password is
  refused on the very next request);
- the rate limits take the user id of any validly signed token (`limit_key`), without a
  query: a revoked token still counts against its user;
- the idempotency scope is the caller's user id.

A refusal raises what Flask-JWT-Extended's decorators would (its error handlers, set up
in authentication.init_app, answer them as 401 problems), and the verdict also fills the
attributes on `g` its `current_user` and `get_jwt()` read, so views use those as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask import g, request
from flask_jwt_extended import jwt_manager as _flask_jwt
from flask_jwt_extended.config import config
from flask_jwt_extended.exceptions import (
    NoAuthorizationError,
    RevokedTokenError,
    UserLookupError,
    WrongTokenError,
)
from flask_jwt_extended.view_decorators import _decode_jwt_from_headers
from jwt import ExpiredSignatureError

from expense_tracker.http import authentication, reads

_CALLER = "caller"


@dataclass
class Caller:
    """The request's token: its verified claims (None: no token, or `error` says why not)."""

    claims: dict[str, Any] | None = None
    error: Exception | None = None
    verdict: (
        authentication.Authenticated | authentication.Honoured | authentication.Refused | None
    ) = field(default=None, repr=False)

    @property
    def user_id(self) -> str | None:
        """The user id of a validly signed token (for keys: no session check)."""
        return None if self.claims is None else self.claims.get("sub")


def identify() -> Caller:
    """Decode this request's bearer token, once; the Caller stays on `g`."""
    caller: Caller | None = g.get(_CALLER)
    if caller is not None:
        return caller
    caller = Caller()
    if request.headers.get(config.header_name):
        try:
            encoded, _ = _decode_jwt_from_headers()
            caller.claims = _decode(encoded)
        except Exception as exc:
            caller.error = exc
    setattr(g, _CALLER, caller)
    return caller


def _decode(encoded: str) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "algorithms": tuple(config.decode_algorithms),
        "audience": config.decode_audience,
        "csrf_value": None,
        "encoded_token": encoded,
        "identity_claim_key": config.identity_claim_key,
        "issuer": config.decode_issuer,
        "leeway": config.leeway,
        "secret": config.decode_key,
        "verify_aud": config.decode_audience is not None,
        "verify_sub": config.verify_sub,
    }
    if isinstance(settings["audience"], list):
        settings["audience"] = tuple(settings["audience"])
    try:
        claims = _verified(**settings)
    except (TypeError, ExpiredSignatureError):  # unhashable settings; or expired: below
        pass
    else:
        # Only the expiry changes with time: the rest of the verdict is the token's bytes'.
        if claims.get("exp", float("inf")) > time.time() - config.leeway:
            return dict(claims)
    try:
        fresh: dict[str, Any] = _flask_jwt._decode_jwt(**settings, allow_expired=False)
    except ExpiredSignatureError as exc:
        # What Flask-JWT-Extended's handler of an expired token reads (as its own decode
        # leaves it): the 401 is then answered as for its decorators.
        exc.jwt_header = {}  # type: ignore[attr-defined]
        exc.jwt_data = _flask_jwt._decode_jwt(**settings, allow_expired=True)  # type: ignore[attr-defined]
        raise
    return fresh


@lru_cache(maxsize=4096)
def _verified(**settings: Any) -> dict[str, Any]:
    """The claims of a token whose signature and claims were verified, remembered: a token
    is verified once while it is valid (its session is still checked on every request,
    authentication.py). A token that fails is not remembered (lru_cache keeps no error)."""
    claims: dict[str, Any] = _flask_jwt._decode_jwt(**settings, allow_expired=False)
    return claims


def require(
    refresh: bool = False, verify_type: bool = True
) -> authentication.Authenticated | authentication.Honoured:
    """The caller a view behind `auth_required` acts for, or the 401 (raised)."""
    caller = identify()
    if caller.error is not None:
        raise caller.error
    if caller.claims is None:
        raise NoAuthorizationError("Missing Authorization Header")
    claims = caller.claims
    if verify_type:
        if not refresh and claims["type"] == "refresh":
            raise WrongTokenError("Only non-refresh tokens are allowed")
        if refresh and claims["type"] != "refresh":
            raise WrongTokenError("Only refresh tokens are allowed")
    if caller.verdict is None:
        reads.begin()  # the request's first statement is the session check, next
        if reads.declared():  # a hot read: the same check, leaner (authenticate_read)
            caller.verdict = authentication.authenticate_read(claims)
        else:
            caller.verdict = authentication.authenticate(claims)
    verdict = caller.verdict
    if isinstance(verdict, authentication.Refused):
        raise RevokedTokenError({}, claims)
    if verdict.user is None:
        raise UserLookupError("user lookup failed", {}, claims)
    # What Flask-JWT-Extended's `current_user`, `get_jwt()` and `get_jwt_identity()` read.
    g._jwt_extended_jwt = claims
    g._jwt_extended_jwt_header = {}  # nothing here reads the token's header
    g._jwt_extended_jwt_user = {"loaded_user": verdict.user}
    g._jwt_extended_jwt_location = "headers"
    return verdict


def authenticated() -> authentication.Authenticated | authentication.Honoured | None:
    """The caller when the token is honoured, else None (never raises, never a 401)."""
    try:
        return require(verify_type=False)
    except Exception:
        return None


def forget() -> None:
    # `g` outlives a request when a test runs requests inside an app context of its own.
    g.pop(_CALLER, None)
