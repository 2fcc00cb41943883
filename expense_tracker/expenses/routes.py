"""Personal expenses."""

from __future__ import annotations

from expense_tracker.api import Blueprint

blp = Blueprint("expenses", __name__, description="Personal expenses")
