"""Where receipt bytes live: one interface, a local directory by default.

A store knows keys and bytes, nothing about expenses. Writes go to a temporary name and are
renamed into place, so a reader never sees half a file; a key is random (never a name the
client chose), so nothing from outside reaches a path. `RECEIPTS_DIR` sets the directory
(default `<instance folder>/receipts`); the deploy guide says how to back it up.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from flask import current_app


class ReceiptStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store `data` under a new key; the key."""

    def get(self, key: str) -> bytes:
        """The bytes stored under `key` (FileNotFoundError when there are none)."""

    def delete(self, key: str) -> None:
        """Remove `key`'s bytes (nothing when there are none)."""

    def keys_older_than(self, moment: datetime) -> Iterator[str]:
        """Every key stored before `moment` (for sweeping files that lost their row)."""


class DirectoryStore:
    """Files in one directory, named by key (two levels of subfolders keep it small)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise FileNotFoundError(key)  # never a path outside the store
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(32)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):  # an invalid key names no file
            self._path(key).unlink(missing_ok=True)

    def keys_older_than(self, moment: datetime) -> Iterator[str]:
        if not self.root.exists():
            return
        limit = moment.timestamp()
        for path in self.root.glob("??/??/*"):
            if path.name.startswith(".upload-"):
                # A write that died before its rename: as stray as a file without a row.
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
                continue
            if path.stat().st_mtime < limit:
                yield path.name


def store() -> ReceiptStore:
    """The application's receipt store."""
    configured = current_app.config.get("RECEIPTS_DIR")
    root = Path(configured) if configured else Path(current_app.instance_path) / "receipts"
    return DirectoryStore(root)


def now() -> datetime:
    return datetime.now(UTC)
