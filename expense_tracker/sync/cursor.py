"""The change feed's cursor: where a client's sync stands, opaque and sealed.

A cursor carries the caller's id, the horizon of the last complete answer (`since`), and,
while a window is being paged through, that window's end (`until`), its stage and the
position in it (sync/feed.py). Those are the server's own counters (transaction ids on
PostgreSQL), so a client sees none of it: the cursor is that JSON encrypted with AES-GCM
(authenticated encryption) under a key derived from the application's secret key, with a
random nonce, base64url-encoded. It reveals nothing, not even whether two cursors stand
for the same place; a client cannot make one up or edit one; and the caller's id and the
database kind are bound to it as associated data, so another user's cursor (or one of
another server) fails to open, and is refused like a malformed one (422).

Cursors of the earlier, signed but readable kind (`<base64 JSON>.<signature>`) are refused
the same way: the client starts again without a cursor and gets every object whole once.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from expense_tracker.changelog.window import Horizon, is_postgresql
from expense_tracker.errors import ValidationFailed

# The cipher's version: a later format can tell its own cursors from these.
VERSION = b"\x01"
NONCE_BYTES = 12  # AES-GCM's standard nonce; random, so never reused in practice
KEY_PURPOSE = b"expense_tracker sync cursor v1"

STAGES = ("full", "log", "personal", "names", "done")


@dataclass
class Cursor:
    user_id: int
    since: Horizon | None = None
    until: Horizon | None = None
    stage: str = "full"
    position: list[int] = field(default_factory=list)


@lru_cache(maxsize=4)
def _cipher(secret_key: str) -> AESGCM:
    """AES-256-GCM under a key of its own, derived from the app's secret (HKDF-SHA256): a
    cursor key that leaks tells nothing about the secret that signs sessions."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_PURPOSE).derive(
        secret_key.encode("utf-8")
    )
    return AESGCM(key)


def _database() -> str:
    return "pg" if is_postgresql() else "sqlite"


def _bound_to(user_id: int) -> bytes:
    """What a cursor is valid for, authenticated but not carried: its user and database."""
    return VERSION + f"{user_id}:{_database()}".encode()


def encode(cursor: Cursor) -> str:
    data: dict[str, Any] = {
        "s": cursor.stage,
        "a": cursor.since.to_data() if cursor.since else None,
        "b": cursor.until.to_data() if cursor.until else None,
        "k": cursor.position,
    }
    payload = json.dumps(data, separators=(",", ":")).encode()
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(current_app.config["SECRET_KEY"]).encrypt(
        nonce, payload, _bound_to(cursor.user_id)
    )
    return base64.urlsafe_b64encode(VERSION + nonce + sealed).decode().rstrip("=")


def _refuse() -> ValidationFailed:
    return ValidationFailed.field(
        "cursor", "Not a cursor this feed gave you; start again without one."
    )


def _open(text: str, user_id: int) -> bytes:
    """The payload of a cursor sealed for this user on this database; ValueError otherwise."""
    try:
        sealed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raise ValueError("not base64url") from None
    if base64.urlsafe_b64encode(sealed).decode().rstrip("=") != text:
        raise ValueError("not canonical base64url")  # stray characters decoding skipped
    version, nonce, box = sealed[:1], sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    if version != VERSION or len(nonce) != NONCE_BYTES:
        raise ValueError("not a cursor of this version")
    try:
        return _cipher(current_app.config["SECRET_KEY"]).decrypt(nonce, box, _bound_to(user_id))
    except InvalidTag:  # edited, made up, another user's or another server's
        raise ValueError("does not open") from None


def decode(text: str, user_id: int) -> Cursor:
    """The cursor `text` stands for; 422 when it is malformed, forged or someone else's."""
    try:
        data = json.loads(_open(text, user_id))
        if data["s"] not in STAGES:
            raise ValueError("unknown stage")
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
