"""`Idempotency-Key` for every POST that creates something (declared `@idempotent()`).

A client that did not see the answer to a POST (a timeout, a dropped connection) may send
it again with the same key and get the first answer instead of a second resource:

- the same key and the same document: the first 2xx response (status, headers, body);
- the same key with a different document: 422;
- the same key while the first request still runs: 409;
- failures are not remembered, so a corrected retry may reuse its key;
- a request that died (its host killed) before answering: a retry after `ABANDONED_AFTER`
  runs again if the first one never wrote, and answers 409 if it did (its write landed but
  its answer was lost). The record is marked `landed_at` inside the transaction of the
  request's first write, so "wrote" and "marked" commit together or not at all, and a
  request whose key a retry took over cannot write any more (its commit is refused).

Keys are scoped to the caller (`POST /users/`, which has none, to its path:
`idempotent(keys_per="path")`) and kept 24 h. The pending record is committed before the
view runs, so the unique (scope, key) index decides between concurrent requests on every
worker. This is a step of the request pipeline (http/pipeline.py): after the rate limits
and the auth check, so that a replay counts against them and a refused request writes
nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import wraps
from typing import Any, Literal, TypeVar, cast

from flask import Response, current_app, g, request
from sqlalchemy import CursorResult, delete, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expense_tracker.database import utcnow
from expense_tracker.errors import Conflict, ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.http import body, caller
from expense_tracker.models.idempotency import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")
RETENTION = timedelta(hours=24)
# A pending record older than this belongs to a request that died without cleaning up.
ABANDONED_AFTER = timedelta(minutes=5)
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag", "X-Total-Count", "Link")

F = TypeVar("F", bound=Callable[..., Any])
KeysPer = Literal["caller", "path"]


def _canonical_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _document_digest() -> str:
    """What "the same document" means: the JSON value, or the uploaded files' bytes."""
    digest = hashlib.sha256()
    digest.update(
        f"{request.method} {request.path.rstrip('/')}?{request.query_string.decode()}".encode()
    )
    if request.mimetype == "multipart/form-data":
        for name in sorted(request.files):
            for upload in request.files.getlist(name):
                digest.update(name.encode() + b"\0")
                digest.update(upload.stream.read())
                upload.stream.seek(0)
    else:
        raw = request.get_data(cache=True)
        try:
            document = body.document() if raw.strip() else None
            digest.update(json.dumps(document, sort_keys=True, default=_canonical_decimal).encode())
        except ValueError:  # malformed (UnicodeDecodeError included): its bytes
            digest.update(raw)
    return digest.hexdigest()


def _scope(keys_per: KeysPer) -> str | None:
    if keys_per == "path":
        return f"path:{request.path.rstrip('/')}/"
    authenticated = caller.authenticated()
    return f"user:{authenticated.user.id}" if authenticated is not None else None


def _replay(record: IdempotencyRecord) -> Response:
    response = current_app.response_class(record.body or b"", status=record.status_code)
    for name, value in json.loads(record.headers or "{}").items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _find(scope: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    )


def _answer_for_existing(record: IdempotencyRecord, fingerprint: str) -> Response | None:
    """The answer to a repeat, or None when the old record is dead and was removed."""
    now = utcnow()
    abandoned = record.is_pending and record.created_at <= now - ABANDONED_AFTER
    if record.expires_at <= now or (abandoned and record.landed_at is None):
        return None if _remove_if_still_dead(record) else _answer_for_existing_again(record)
    if record.fingerprint != fingerprint:
        raise ValidationFailed.field(HEADER, "This key was used with a different request.")
    if abandoned:
        raise Conflict(
            "The first request with this Idempotency-Key was carried out, but the server "
            "stopped before answering it: look up what it created instead of sending it "
            "again (a new key would create it twice)."
        )
    if record.is_pending:
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    return _replay(record)


def _remove_if_still_dead(record: IdempotencyRecord) -> bool:
    """Delete an expired record, or a pending one whose request never wrote, unless its
    request landed its write in the meantime (the condition is checked by the DELETE
    itself, after any lock the landing write held)."""
    records = IdempotencyRecord.__table__
    dead = (records.c.expires_at <= utcnow()) | (
        records.c.status_code.is_(None) & records.c.landed_at.is_(None)
    )
    result = cast(
        CursorResult[Any],
        db.session.execute(delete(records).where(records.c.id == record.id, dead)),
    )
    db.session.commit()
    return result.rowcount == 1


def _answer_for_existing_again(record: IdempotencyRecord) -> Response | None:
    """The record that looked dead was not removed: its request landed its write just now
    (answer as for a live one), or a concurrent retry removed it first (None: try again)."""
    current = db.session.get(IdempotencyRecord, record.id, populate_existing=True)
    if current is None:
        return None
    if current.is_pending:
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    return _replay(current)


def _begin(keys_per: KeysPer) -> Response | None:
    """Replay, refuse, or reserve the key for this request (whose id goes on `g`)."""
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST":
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise ValidationFailed.field(HEADER, "Must be 1 to 255 printable ASCII characters.")
    scope = _scope(keys_per)
    if scope is None:
        return None  # unauthenticated: the view answers 401
    fingerprint = _document_digest()
    for _attempt in range(2):
        existing = _find(scope, key)
        if existing is not None:
            answer = _answer_for_existing(existing, fingerprint)
            if answer is not None:
                return answer
        record = IdempotencyRecord(
            scope=scope, key=key, fingerprint=fingerprint, expires_at=utcnow() + RETENTION
        )
        db.session.add(record)
        try:
            db.session.commit()
        except IntegrityError:  # a concurrent request reserved it first: look again
            db.session.rollback()
            continue
        g.idempotency_record_id = record.id
        _mark_landed_with_the_write(record.id)
        return None
    raise Conflict("A request with this Idempotency-Key is still being processed.")


class KeyTakenOver(Conflict):
    detail = (
        "This request took too long: a retry with the same Idempotency-Key has replaced it, "
        "and nothing of it was saved."
    )


def _mark_landed_with_the_write(record_id: int) -> None:
    """Have every commit of this request's session also mark the key landed, in the same
    transaction: a write and its mark commit together. A key that a retry took over
    (deleted as abandoned) refuses the commit, so the write cannot happen twice."""
    session = db.session()
    records = IdempotencyRecord.__table__

    def mark(session: Session) -> None:
        marked = cast(
            CursorResult[Any],
            session.execute(
                update(records)
                .where(records.c.id == record_id, records.c.status_code.is_(None))
                .values(landed_at=func.coalesce(records.c.landed_at, utcnow()))
            ),
        )
        if marked.rowcount != 1:
            raise KeyTakenOver()

    event.listen(session, "before_commit", mark)
    g.idempotency_marker = (session, mark)


def _stop_marking() -> None:
    session_and_marker = g.pop("idempotency_marker", None)
    if session_and_marker is not None:
        event.remove(session_and_marker[0], "before_commit", session_and_marker[1])


def _remember(response: Response) -> Response:
    """Keep a successful answer for replays; free the key of any other."""
    _stop_marking()
    record_id = g.pop("idempotency_record_id", None)
    if record_id is None:
        return response
    if not 200 <= response.status_code < 300 or response.is_streamed:
        _forget(record_id)
        return response
    record = db.session.get(IdempotencyRecord, record_id)
    if record is not None:
        record.status_code = response.status_code
        record.headers = json.dumps(
            {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
        )
        record.body = response.get_data()
        db.session.commit()
    return response


def _forget(record_id: int) -> None:
    """Free the key of a request that failed, unless it had already committed a write:
    then a retry must not write again (it answers 409 until the key expires)."""
    db.session.rollback()
    records = IdempotencyRecord.__table__
    db.session.execute(
        delete(records).where(records.c.id == record_id, records.c.landed_at.is_(None))
    )
    db.session.commit()


def idempotent(*, keys_per: KeysPer = "caller") -> Callable[[F], F]:
    """Declare that a POST creates something, so that it honours `Idempotency-Key`.

    Keys are the signed-in caller's, or with `keys_per="path"` (a POST without a caller,
    `POST /users/`) the path's. POSTs that create nothing, or whose answer must never be
    replayed (fresh credentials: /token...), do not declare it.
    """

    def decorator(view: F) -> F:
        view.idempotency_keys = keys_per  # type: ignore[attr-defined]
        return view

    return decorator


def replay_or_reserve(view: F) -> F:
    """The pipeline's idempotency step, around a view declared `idempotent()` (others are
    left as they are): answer a repeat, or reserve the key and keep the first answer."""
    keys_per: KeysPer | None = getattr(view, "idempotency_keys", None)
    if keys_per is None:
        return view

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        replay = _begin(keys_per)
        if replay is not None:
            return replay
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            # An error answer is built from the exception later: never replayed.
            _stop_marking()
            record_id = g.pop("idempotency_record_id", None)
            if record_id is not None:
                _forget(record_id)
            raise
        return _remember(response)

    return wrapper  # type: ignore[return-value]


def purge_expired() -> int:
    """Delete records past their 24 h (for a periodic job; lookups ignore them anyway)."""
    # A DELETE's result is a CursorResult, with its rowcount; SQLAlchemy types
    # Session.execute as returning any Result.
    result = cast(
        CursorResult[Any],
        db.session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow())
        ),
    )
    db.session.commit()
    return result.rowcount or 0
