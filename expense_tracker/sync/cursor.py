"""The change feed's cursor: where a client's sync stands, opaque and signed.

A cursor carries the caller's id, the horizon of the last complete answer (`since`), and,
while a window is being paged through, that window's end (`until`), its stage and the
position in it (sync/feed.py). It is JSON, base64url-encoded and signed with an HMAC of
the application's secret key: a client cannot make one up or edit one, and another
user's cursor (or one of another server's database) is refused like a malformed one
(422).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from expense_tracker.errors import ValidationFailed
from expense_tracker.sync.window import Horizon, is_postgresql

STAGES = ("full", "log", "personal", "names", "done")


@dataclass
class Cursor:
    user_id: int
    since: Horizon | None = None
    until: Horizon | None = None
    stage: str = "full"
    position: list[int] = field(default_factory=list)


def _signature(payload: bytes) -> str:
    key = ("sync-cursor:" + current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def _database() -> str:
    return "pg" if is_postgresql() else "sqlite"


def encode(cursor: Cursor) -> str:
    data: dict[str, Any] = {
        "u": cursor.user_id,
        "d": _database(),
        "s": cursor.stage,
        "a": cursor.since.to_data() if cursor.since else None,
        "b": cursor.until.to_data() if cursor.until else None,
        "k": cursor.position,
    }
    payload = json.dumps(data, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_signature(payload)}"


def _refuse() -> ValidationFailed:
    return ValidationFailed.field(
        "cursor", "Not a cursor this feed gave you; start again without one."
    )


def decode(text: str, user_id: int) -> Cursor:
    """The cursor `text` stands for; 422 when it is malformed, forged or someone else's."""
    body, _, signature = text.partition(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise _refuse() from None
    if not hmac.compare_digest(signature, _signature(payload)):
        raise _refuse()
    try:
        data = json.loads(payload)
        if data["u"] != user_id or data["d"] != _database() or data["s"] not in STAGES:
            raise ValueError("foreign cursor")
        position = data["k"]
        if not isinstance(position, list) or not all(isinstance(n, int) for n in position):
            raise ValueError("bad position")
        since = Horizon.from_data(data["a"]) if data["a"] is not None else None
        until = Horizon.from_data(data["b"]) if data["b"] is not None else None
    except (ValueError, KeyError, TypeError):
        raise _refuse() from None
    if data["s"] != "done" and until is None:
        raise _refuse()
    return Cursor(user_id, since, until, data["s"], position)
