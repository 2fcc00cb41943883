"""Shared expenses of a group: record, list, read, change, delete, mark a share paid."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_jwt_extended import current_user

from expense_tracker.etag import check_if_match, etag_header
from expense_tracker.groups import access, deletion
from expense_tracker.groups.blueprint import Headers, blp
from expense_tracker.groups.expenses import edits as expense_edits
from expense_tracker.groups.expenses import listing as expense_listing
from expense_tracker.groups.expenses import service as shared_expenses
from expense_tracker.groups.expenses.schemas import (
    DeletedGroupExpenseSchema,
    GroupExpenseCreateSchema,
    GroupExpenseQuerySchema,
    GroupExpenseSchema,
    GroupExpenseUpdateSchema,
    SplitPaidSchema,
)
from expense_tracker.http.api import auth_required
from expense_tracker.http.idempotency import idempotent
from expense_tracker.http.reads import lone_statements, with_session_check
from expense_tracker.models import GroupExpense
from expense_tracker.pagination import pagination_headers


@blp.post("/groups/<int:group_id>/expenses/")
@auth_required()
@idempotent()
@blp.arguments(GroupExpenseCreateSchema)
@blp.response(201, GroupExpenseSchema)
@blp.errors(404, 422)
def create_expense(data: dict[str, Any], group_id: int) -> Response:
    """Record a shared expense and how it is split"""
    group, actor = access.member_group_for_update(group_id, current_user)
    # Its document was dumped once, for the activity entry: the response sends that.
    expense, document = shared_expenses.create_expense(group, actor, data)
    response = jsonify(document)
    response.status_code = 201
    response.headers["Location"] = f"/groups/{group_id}/expenses/{expense.id}"
    response.headers.update(etag_header(expense))
    return response


@blp.get("/groups/<int:group_id>/expenses/")
@auth_required()
@lone_statements
@with_session_check(access.GROUP_TO_READ)
# An instance: webargs would make one per request of a class (a deep copy of its fields).
@blp.arguments(GroupExpenseQuerySchema(), location="query")
@blp.response(
    200,
    {"type": "array", "items": {"anyOf": [GroupExpenseSchema, DeletedGroupExpenseSchema]}},
    description="With `deleted=only`, each expense also has `deleted_at` and `deleted_by`.",
)
@blp.errors(404, 422)
def list_expenses(query: dict[str, Any], group_id: int) -> Response:
    """The group's expenses with their payers and splits, newest first (or the deleted ones)"""
    group = access.group_to_read(group_id, current_user.id)
    skip, limit = query["skip"], query["limit"]
    # GroupExpenseSchema documents, as JSON kept per version (expense_listing).
    body, total, last = expense_listing.expense_page(group, query, skip, limit)
    response = Response(body, mimetype="application/json")
    response.headers.update(pagination_headers(total, skip, limit, next_after=last))
    return response


@blp.get("/groups/<int:group_id>/expenses/<int:expense_id>")
@auth_required()
@blp.response(200, GroupExpenseSchema)
@blp.errors(404)
def get_expense(group_id: int, expense_id: int) -> tuple[GroupExpense, Headers]:
    """One shared expense"""
    group, _ = access.member_group(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    return expense, etag_header(expense)


@blp.patch("/groups/<int:group_id>/expenses/<int:expense_id>")
@auth_required()
@blp.arguments(GroupExpenseUpdateSchema)
@blp.response(200, GroupExpenseSchema)
@blp.errors(403, 404, 409, 412, 422)
def update_expense(
    changes: dict[str, Any], group_id: int, expense_id: int
) -> tuple[GroupExpense, Headers]:
    """Change a shared expense (its creator, a payer or an owner); splits are recomputed"""
    group, actor = access.member_group_for_update(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    check_if_match(expense)
    expense = expense_edits.update_expense(group, actor, expense, changes)
    return expense, etag_header(expense)


@blp.delete("/groups/<int:group_id>/expenses/<int:expense_id>")
@auth_required()
@blp.response(204)
@blp.errors(403, 404, 409, 412)
def delete_expense(group_id: int, expense_id: int) -> None:
    """Delete a shared expense (its creator, a payer or an owner); it can be restored"""
    group, actor = access.member_group_for_update(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    check_if_match(expense)
    deletion.delete_expense(group, actor, expense)


@blp.post("/groups/<int:group_id>/expenses/<int:expense_id>/restore")
@auth_required()
@idempotent()
@blp.response(200, GroupExpenseSchema)
@blp.errors(403, 404, 409)
def restore_expense(group_id: int, expense_id: int) -> tuple[GroupExpense, Headers]:
    """Restore a deleted expense, exactly as it was (whoever may delete it)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    expense = access.group_expense(group, expense_id, deleted=True)
    expense = deletion.restore_expense(group, actor, expense)
    return expense, etag_header(expense)


@blp.patch("/groups/<int:group_id>/expenses/<int:expense_id>/splits/<int:user_id>")
@auth_required()
@blp.arguments(SplitPaidSchema)
@blp.response(200, GroupExpenseSchema)
@blp.errors(403, 404, 409, 412, 422)
def set_split_paid(
    data: dict[str, Any], group_id: int, expense_id: int, user_id: int
) -> tuple[GroupExpense, Headers]:
    """Mark a share paid (a settlement to the payers) or unpaid (that member or a payer)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    check_if_match(expense)
    expense = shared_expenses.set_split_paid(group, actor, expense, user_id, data["is_paid"])
    return expense, etag_header(expense)
