"""Password hashing with bcrypt, without bcrypt's 72-byte truncation.

bcrypt reads at most 72 bytes, so two long passwords sharing a prefix would collide (and
bcrypt 5 refuses longer input outright). We hash the UTF-8 password with SHA-256 first and
give bcrypt the base64 of that digest (44 bytes, no NUL bytes): every character counts.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

import bcrypt


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=rounds)).decode("ascii")


def check_password(password: str, password_hash: str | None, rounds: int) -> bool:
    """Compare in constant time; an account without a hash costs as much as one with."""
    if password_hash is None:
        bcrypt.checkpw(_prehash(password), _dummy_hash(rounds))
        return False
    return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))


@cache
def _dummy_hash(rounds: int) -> bytes:
    """A hash of nothing anyone can type, so unknown emails take as long as wrong passwords."""
    return bcrypt.hashpw(b"\x01unknown-account", bcrypt.gensalt(rounds=rounds))
