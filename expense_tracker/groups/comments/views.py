"""Comments on a shared expense: list, write, delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_jwt_extended import current_user

from expense_tracker.groups import access
from expense_tracker.groups.blueprint import Headers, blp
from expense_tracker.groups.comments import service as comments
from expense_tracker.groups.comments.schemas import CommentCreateSchema, CommentSchema
from expense_tracker.http.api import auth_required
from expense_tracker.http.idempotency import idempotent
from expense_tracker.models import Comment
from expense_tracker.pagination import paginate
from expense_tracker.schemas import PaginationQuerySchema

_PATH = "/groups/<int:group_id>/expenses/<int:expense_id>/comments"


@blp.get(_PATH)
@auth_required()
@blp.arguments(PaginationQuerySchema, location="query")
@blp.response(200, CommentSchema(many=True))
@blp.errors(404, 422)
def list_comments(
    query: dict[str, Any], group_id: int, expense_id: int
) -> tuple[Sequence[Comment], Headers]:
    """The expense's comments, oldest first"""
    group, _ = access.member_group(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    return paginate(comments.expense_comments(expense), query["skip"], query["limit"])


@blp.post(_PATH)
@auth_required()
@idempotent()
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
@blp.errors(404, 409, 422)
def add_comment(data: dict[str, Any], group_id: int, expense_id: int) -> tuple[Comment, Headers]:
    """Comment on an expense (any current member; at most 1,000 per expense)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    comment = comments.add_comment(group, actor, expense, data["body"])
    location = f"/groups/{group_id}/expenses/{expense_id}/comments/{comment.id}"
    return comment, {"Location": location}


@blp.get(f"{_PATH}/<int:comment_id>")
@auth_required()
@blp.response(200, CommentSchema)
@blp.errors(404)
def get_comment(group_id: int, expense_id: int, comment_id: int) -> Comment:
    """One comment"""
    group, _ = access.member_group(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    return access.expense_comment(expense, comment_id)


@blp.delete(f"{_PATH}/<int:comment_id>")
@auth_required()
@blp.response(204)
@blp.errors(403, 404)
def delete_comment(group_id: int, expense_id: int, comment_id: int) -> None:
    """Delete a comment (its author or an owner)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    comments.delete_comment(group, actor, access.expense_comment(expense, comment_id))
