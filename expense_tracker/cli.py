"""Flask CLI commands for operators."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Operator commands are added here as the areas that need them arrive."""
