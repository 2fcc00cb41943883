"""/users/me/changes: the change feed for offline clients."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import current_user

from expense_tracker.http.api import Blueprint, auth_required
from expense_tracker.sync import feed
from expense_tracker.sync.schemas import ChangesQuerySchema, ChangesSchema

blp = Blueprint("sync", __name__, description="The change feed for offline clients")


@blp.get("/users/me/changes")
@auth_required()
@blp.arguments(ChangesQuerySchema, location="query")
@blp.response(200, ChangesSchema)
@blp.errors(422)
def changes(query: dict[str, Any]) -> dict[str, Any]:
    """What changed since my cursor: call again with the new one until `has_more` is false"""
    return feed.changes(current_user, query.get("cursor"), query["limit"])
