"""Rate limits, with Flask-Limiter configured through its own `RATELIMIT_*` settings.

- Every request counts against one general budget (`RATELIMIT_DEFAULT`, `GENERAL`) per
  signed-in user, keyed by the user id in the bearer token, or per client IP without a
  valid token: a single count shared by all endpoints. Views may declare tighter limits on
  top (`rate_limits(...)`: `sign_in_limits`, `current_password_limits`, `sign_up_limits`,
  `import_limits`, `invite_lookup_limits`); `not_rate_limited` views count against none.
- Every password check, `POST /token` and the `current_password` of `PATCH` / `DELETE
  /users/me` alike, counts against the sign-in limits: per client IP on every attempt, per
  account on failures (below). Sign-up (`POST /users/`) is limited per IP and per email.
- A refusal is a 429 problem (`/problems/rate-limited`) with `Retry-After`.
- `RATELIMIT_ENABLED=false` turns every limit off; counts live in memory by default (per
  gunicorn worker), in Redis with `RATELIMIT_STORAGE_URI=redis://host:6379/0`.

The limits views declare are here; the pipeline's step that counts them, and the
limiter's wiring, are in limiter.py (`check_limits`, after the body rules, before the auth
check and idempotency). The limiter is one per application (so that differently
configured apps can share a process); the step asks the current application's.

Failed password checks are counted per account twice, with the same limit
(`RATELIMIT_LOGIN_PER_ACCOUNT`):

1. per account and client address: every address gets that many failures for an account,
   whether or not the account has signed in from it;
2. per account over all addresses, except those the account has signed in from (with its
   password, in the last 30 days: `SIGNED_IN_FROM`). Once this count is full, any other
   address is refused before its password is checked, whatever the password.

A stranger cannot lock the owner out: the owner's address (one they signed in from) is
judged by count 1 alone, which only requests from that very address fill, and an address
becomes known only through a successful sign-in, that is by knowing the password. The
stranger's failures fill count 2, which known addresses ignore. (What remains: the owner at
an address they have never signed in from, while strangers keep count 2 full, waits like a
guesser, since an address alone cannot tell the two apart; their signed-in sessions go on.)

Guessing is still stopped: every address that has not signed in is under count 2, so a
guesser spread over any number of addresses gets that many failures per account in all, and
learns nothing from the refused attempts (the right password is refused the same way). A
known address proves the password was typed there once, and still has only count 1. The
per-IP limit caps every address over all accounts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Response, current_app, request
from flask_limiter import Limiter
from limits import parse

from expense_tracker.domain.text import casefold_key, email_key
from expense_tracker.http import body, caller

F = TypeVar("F", bound=Callable[..., Any])

# Set by the operator commands (seed-demo) on their in-process requests: an HTTP client
# cannot put it in the WSGI environ.
INTERNAL_REQUEST_FLAG = "expense_tracker.internal_request"
# The count every password check shares, whichever view makes it.
SIGN_IN_SCOPE = "sign-in"
# A successful sign-in makes its address known to the account for this long: one hit of
# this item in the limiter's storage, under SIGNED_IN_FROM_SCOPE.
SIGNED_IN_FROM = parse("1 per 30 days")
SIGNED_IN_FROM_SCOPE = "signed-in-from"


# -- whom a request counts against ---------------------------------------------------------


def client_ip() -> str:
    """The client address: the peer, or what the trusted proxy said (TRUSTED_PROXY_HOPS)."""
    return f"ip:{request.remote_addr or 'unknown'}"


def _body() -> Mapping[str, Any] | None:
    """The body's fields (a form or a JSON object, parsed once: body.fields). The body
    rules have accepted its size already (sign-in and sign-up bodies have their own small
    AUTH_MAX_CONTENT_LENGTH)."""
    values: Mapping[str, Any] | None = body.fields()
    return values


def _body_field(*names: str) -> str | None:
    """The first of these text fields the body has (not blank)."""
    values = _body()
    if values is None:
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
        return _account(email_key(email) or casefold_key(email.strip()))

    return key


def _account(account_email_key: str) -> str:
    digest = hashlib.sha256(account_email_key.encode("utf-8")).hexdigest()
    return f"account:{digest[:32]}"


def own_account() -> str:
    """Key by the signed-in caller's own account, as a sign-in naming its email is keyed
    (so both share one count). The body rules have checked the token: a password check
    has a body."""
    authenticated = caller.authenticated()
    user = authenticated.user if authenticated is not None else None
    account_email_key = getattr(user, "email_key", None)
    if not account_email_key:
        return f"account-unknown:{client_ip()}"
    return _account(account_email_key)


def at_address(account: Callable[[], str]) -> Callable[[], str]:
    """Key by an account and the client address together."""

    def key() -> str:
        return f"{account()}@{client_ip()}"

    return key


def user_or_ip() -> str:
    """Key by the user id in a valid bearer token, else by client address.

    Only the signature and expiry count here (the caller's token, decoded once; no database
    query): a revoked token still counts against its user, which is what we want of a limit.
    """
    subject = caller.identify().user_id
    if subject:
        return f"user:{subject}"
    return client_ip()


def _failed_sign_in(response: Response) -> bool:
    return response.status_code == 401


def _wrong_current_password(response: Response) -> bool:
    return response.status_code == 403


def _without_current_password() -> bool:
    """No password to check in this request (a name change, say): no sign-in limit."""
    values = _body()
    return values is None or not isinstance(values.get("current_password"), str)


# -- addresses an account has signed in from ------------------------------------------------


def _signed_in_from_key(account: Callable[[], str]) -> list[str]:
    prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX") or "")
    return [*([prefix] if prefix else []), at_address(account)(), SIGNED_IN_FROM_SCOPE]


def known_address(account: Callable[[], str]) -> bool:
    """The account has signed in from the client's address (in the last 30 days)."""
    limiter = current_limiter()
    if limiter is None:
        return False
    # The one hit SIGNED_IN_FROM allows is used up: a sign-in was remembered.
    return not limiter.limiter.test(SIGNED_IN_FROM, *_signed_in_from_key(account))


def remember_address(limiter: Limiter, account: Callable[[], str]) -> None:
    """After a successful sign-in: the account has now signed in from this address."""
    try:
        limiter.limiter.hit(SIGNED_IN_FROM, *_signed_in_from_key(account))
    except Exception:  # the storage is down: the sign-in itself has succeeded
        if not current_app.config.get("RATELIMIT_SWALLOW_ERRORS"):
            raise
        current_app.logger.exception("could not remember the address of a sign-in")


# -- declaring limits on views -------------------------------------------------------------


@dataclass(frozen=True)
class ViewLimit:
    """A limit on one view: its setting (a Flask-Limiter limit string), how requests are
    keyed, which responses count (all when `counts` is None), when it does not apply
    (`skip_when`), and the name of the count it shares with other views' (`shared`; None:
    a count of the view's own)."""

    setting: str
    key: Callable[[], str]
    counts: Callable[[Response], bool] | None = None
    skip_when: Callable[[], bool] | None = None
    shared: str | None = None


@dataclass(frozen=True)
class ViewLimits:
    """The limits a view counts against. `signs_in`: the account whose password a success
    (2xx) has proven, and whose address it makes known (POST /token)."""

    limits: tuple[ViewLimit, ...]
    signs_in: Callable[[], str] | None = None


def rate_limits(*limits: ViewLimit, signs_in: Callable[[], str] | None = None) -> Callable[[F], F]:
    """Declare the limits a view counts against, instead of GENERAL alone (so list GENERAL
    among them for the general budget to count the view too, as every limited view does)."""
    declared = ViewLimits(limits, signs_in)

    def decorator(view: F) -> F:
        view.rate_limits = declared  # type: ignore[attr-defined]
        return view

    return decorator


def password_check_limits(
    account: Callable[[], str],
    failed: Callable[[Response], bool],
    skip_when: Callable[[], bool] | None = None,
) -> tuple[ViewLimit, ...]:
    """The sign-in limits, for a view that checks an account's password: every check per
    client address; failures per account and address, and per account from the addresses
    it has not signed in from (the module's docstring says why). One count for all such
    views (SIGN_IN_SCOPE): guessing through several of them gives no more guesses."""

    def skip_known_addresses() -> bool:
        return (skip_when is not None and skip_when()) or known_address(account)

    per_account = "RATELIMIT_LOGIN_PER_ACCOUNT"
    return (
        ViewLimit("RATELIMIT_LOGIN_PER_IP", client_ip, None, skip_when, SIGN_IN_SCOPE),
        ViewLimit(per_account, at_address(account), failed, skip_when, SIGN_IN_SCOPE),
        ViewLimit(per_account, account, failed, skip_known_addresses, SIGN_IN_SCOPE),
    )


# One budget per user (per address when anonymous) across every endpoint: a count shared
# by all views, not one per endpoint (which would multiply it by the number of endpoints).
GENERAL_SCOPE = "general"
GENERAL = ViewLimit("RATELIMIT_DEFAULT", user_or_ip, shared=GENERAL_SCOPE)
GENERAL_LIMITS = ViewLimits((GENERAL,))

# The views with tighter limits count against the general budget as well: theirs come on top.
_signing_in = account_key("username", "email")
sign_in_limits = rate_limits(
    GENERAL, *password_check_limits(_signing_in, _failed_sign_in), signs_in=_signing_in
)
# PATCH / DELETE /users/me: the general limit, and the sign-in limits for a current_password.
current_password_limits = rate_limits(
    GENERAL,
    *password_check_limits(own_account, _wrong_current_password, _without_current_password),
)
# An import parses and validates up to 50,000 rows: seconds of work each, so few per user.
import_limits = rate_limits(GENERAL, ViewLimit("RATELIMIT_IMPORT", user_or_ip))
sign_up_limits = rate_limits(
    GENERAL,
    ViewLimit("RATELIMIT_SIGNUP_PER_IP", client_ip),
    ViewLimit("RATELIMIT_SIGNUP_PER_ACCOUNT", account_key("email")),
)


def _unknown_invite_code(response: Response) -> bool:
    return response.status_code == 404


# GET /groups/invites/{code}: a code is a secret like a password, so looking one up is
# limited like a password check, with the sign-in settings: every lookup per client
# address, failed ones (404) per user. A count of its own (INVITE_LOOKUP_SCOPE), so that
# looking up codes and signing in do not use up each other's allowance.
INVITE_LOOKUP_SCOPE = "invite-lookup"
invite_lookup_limits = rate_limits(
    GENERAL,
    ViewLimit("RATELIMIT_LOGIN_PER_IP", client_ip, shared=INVITE_LOOKUP_SCOPE),
    ViewLimit(
        "RATELIMIT_LOGIN_PER_ACCOUNT",
        user_or_ip,
        _unknown_invite_code,
        shared=INVITE_LOOKUP_SCOPE,
    ),
)
# Health checks: load balancers ask often, and must never be told to wait.
not_rate_limited = rate_limits()


def current_limiter() -> Limiter | None:
    return current_app.extensions.get("rate_limiter")
