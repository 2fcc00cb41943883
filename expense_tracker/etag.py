"""ETags from row versions, and `If-Match` checks (412 when the resource changed).

Versioned models increment `version` on every update (SQLAlchemy's version counter), and
the UPDATE itself checks the version it read: two writers racing past the same If-Match
cannot both win.
"""

from __future__ import annotations

from typing import Protocol

from flask import request

from expense_tracker.errors import PreconditionFailed


class Versioned(Protocol):
    id: int
    version: int


def etag_of(resource: Versioned, variant: str = "") -> str:
    """`"<id>.<version>"`, plus what the resource shows beyond its own row, and the view.

    A resource whose representation includes other rows (a group's members) says so with an
    `etag_extra` property; a resource shown in several views passes the view's `variant`.
    """
    parts = [str(resource.id), str(resource.version)]
    extra = getattr(resource, "etag_extra", "")
    if extra:
        parts.append(extra)
    if variant:
        parts.append(variant)
    return '"' + ".".join(parts) + '"'


def etag_header(resource: Versioned, variant: str = "") -> dict[str, str]:
    return {"ETag": etag_of(resource, variant)}


def check_if_match(resource: Versioned) -> None:
    """Raise 412 when the client's If-Match does not name the current version."""
    if "If-Match" not in request.headers:
        return
    if_match = request.if_match
    if if_match.star_tag:
        return
    if not if_match.contains(etag_of(resource).strip('"')):
        raise PreconditionFailed()
