"""Groups: create, list mine, search, read, change, delete, new invite code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, jsonify
from flask_jwt_extended import current_user

from expense_tracker.etag import check_if_match, etag_header
from expense_tracker.groups import access, deletion, membership
from expense_tracker.groups.blueprint import Headers, blp, group_view
from expense_tracker.groups.schemas import (
    DeletedGroupSchema,
    GroupCreateSchema,
    GroupListQuerySchema,
    GroupPublicSchema,
    GroupSchema,
    GroupSearchQuerySchema,
    GroupUpdateSchema,
    InviteCodeSchema,
)
from expense_tracker.http.api import auth_required
from expense_tracker.http.idempotency import idempotent
from expense_tracker.models import Group
from expense_tracker.pagination import paginate


@blp.post("/groups/")
@auth_required()
@idempotent()
@blp.arguments(GroupCreateSchema)
@blp.response(201, GroupSchema)
@blp.errors(422)
def create_group(data: dict[str, Any]) -> tuple[Group, Headers]:
    """Create a group (you are its owner and first member)"""
    group = membership.create_group(current_user, data)
    return group, {"Location": f"/groups/{group.id}", **etag_header(group)}


@blp.get("/groups/")
@auth_required()
@blp.arguments(GroupListQuerySchema, location="query")
@blp.response(
    200,
    {"type": "array", "items": {"anyOf": [GroupSchema, DeletedGroupSchema]}},
    description="With `deleted=only`: the deleted groups I own, each with `deleted_at`, "
    "`deleted_by` and `restorable_until`.",
)
@blp.errors(422)
def list_my_groups(query: dict[str, Any]) -> Response:
    """The groups I belong to, by name then id (or the deleted ones I can restore)"""
    deleted = query.get("deleted") == "only"
    if deleted:
        statement = deletion.deleted_groups(current_user)
    else:
        statement = membership.my_groups(current_user)
    items, headers = paginate(statement, query["skip"], query["limit"])
    schema = DeletedGroupSchema if deleted else GroupSchema
    response = jsonify(schema(many=True).dump(items))
    response.headers.update(headers)
    return response


@blp.get("/groups/search/")
@auth_required()
@blp.arguments(GroupSearchQuerySchema, location="query")
@blp.response(200, GroupPublicSchema(many=True))
@blp.errors(422)
def search_groups(query: dict[str, Any]) -> tuple[Sequence[Group], Headers]:
    """Find open groups and mine by name (case-insensitive; `%` and `_` are literal)"""
    statement = membership.search_groups(current_user, query["text"])
    return paginate(statement, query["skip"], query["limit"])


@blp.get("/groups/<int:group_id>")
@auth_required()
@blp.response(
    200,
    # The view dumps the body itself: which schema applies depends on the caller.
    {"oneOf": [GroupSchema, GroupPublicSchema]},
    description="Members get the full view; others, of an open group, the public view "
    "(without `members` and `invite_code`).",
)
@blp.errors(404)
def get_group(group_id: int) -> tuple[Response, Headers]:
    """A group: the full view for members, the public view of an open group for others"""
    group, member = access.visible_group(group_id, current_user)
    variant = "" if member is not None else "public"
    return group_view(group, member), etag_header(group, variant)


@blp.patch("/groups/<int:group_id>")
@auth_required()
@blp.arguments(GroupUpdateSchema)
@blp.response(200, GroupSchema)
@blp.errors(403, 404, 409, 412, 422)
def update_group(changes: dict[str, Any], group_id: int) -> tuple[Group, Headers]:
    """Change a group (owners; the currency only before any expense or settlement)"""
    group, actor = access.managed_group(group_id, current_user)
    check_if_match(group)
    group = membership.update_group(group, actor, changes)
    return group, etag_header(group)


@blp.delete("/groups/<int:group_id>")
@auth_required()
@blp.response(204)
@blp.errors(403, 404, 409, 412)
def delete_group(group_id: int) -> None:
    """Delete a group (owners; every balance must be zero); owners may restore it for 30 days"""
    group, actor = access.managed_group(group_id, current_user)
    check_if_match(group)
    deletion.delete_group(group, actor)


@blp.post("/groups/<int:group_id>/restore")
@auth_required()
@idempotent()
@blp.response(200, GroupSchema)
@blp.errors(404)
def restore_group(group_id: int) -> tuple[Group, Headers]:
    """Restore a deleted group (its owners, within 30 days of the deletion)"""
    group = deletion.restore_group(access.restorable_group(group_id, current_user), current_user)
    return group, etag_header(group)


@blp.post("/groups/<int:group_id>/invite-code")
@auth_required()
@idempotent()
@blp.response(200, InviteCodeSchema)
@blp.errors(403, 404)
def rotate_invite_code(group_id: int) -> tuple[Group, Headers]:
    """A new invite code (owners); the old one stops working"""
    group, actor = access.managed_group(group_id, current_user)
    group = membership.rotate_invite_code(group, actor)
    return group, etag_header(group)
