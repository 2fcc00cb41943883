"""Groups and their shared expenses."""

from __future__ import annotations

from expense_tracker.api import Blueprint

blp = Blueprint("groups", __name__, description="Groups, shared expenses and settling up")
