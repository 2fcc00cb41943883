"""The groups blueprint, and what the views of its modules share."""

from __future__ import annotations

from flask import Response, jsonify

from expense_tracker.groups.schemas import GroupPublicSchema, GroupSchema
from expense_tracker.http.api import Blueprint
from expense_tracker.models import Group, GroupMember

blp = Blueprint("groups", __name__, description="Groups, shared expenses and settling up")

Headers = dict[str, str]

_full_view = GroupSchema()
_public_view = GroupPublicSchema()


def group_view(group: Group, member: GroupMember | None) -> Response:
    """Members see the full view; anyone else (of an open group) the public one."""
    schema = _full_view if member is not None else _public_view
    return jsonify(schema.dump(group))
