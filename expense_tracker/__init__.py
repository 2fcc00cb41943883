"""Expense tracker: personal expenses and group bill splitting over a REST API.

The application factory is `create_app` (factory.py), imported when it is first asked
for: importing the package, or a module of it such as `expense_tracker.domain`, loads no
web stack of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expense_tracker.factory import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from expense_tracker.factory import create_app

        return create_app
    raise AttributeError(f"module 'expense_tracker' has no attribute {name!r}")
