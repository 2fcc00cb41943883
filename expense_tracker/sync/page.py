"""One answer of the change feed: its objects, in order, each once, at most `limit`."""

from __future__ import annotations

from expense_tracker.sync.documents import Key


class Page:
    """The keys of one answer, in order, each once, at most `limit` of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.keys: dict[Key, None] = {}

    def add(self, key: Key) -> bool:
        """Add `key`; False (and nothing added) when it is new and the page is full."""
        if key in self.keys:
            return True
        if len(self.keys) >= self.limit:
            return False
        self.keys[key] = None
        return True

    @property
    def room(self) -> int:
        return self.limit - len(self.keys)
