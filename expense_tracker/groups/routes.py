"""Groups and their shared expenses: /groups/... and /users/me/balances.

Thin views: parse, load through a scoping helper of `access` (404 for what the caller
may not see; a write view through one that takes the group's row lock), check `If-Match`,
call `membership`, `shared_expenses`, `settlements` or `balances`, dump.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, jsonify
from flask_jwt_extended import current_user

from expense_tracker.api import Blueprint, auth_required
from expense_tracker.etag import check_if_match, etag_header
from expense_tracker.groups import (
    access,
    balances,
    expense_listing,
    membership,
    settlements,
    shared_expenses,
)
from expense_tracker.groups.schemas import (
    BalanceSchema,
    GroupCreateSchema,
    GroupExpenseCreateSchema,
    GroupExpenseQuerySchema,
    GroupExpenseSchema,
    GroupExpenseUpdateSchema,
    GroupPublicSchema,
    GroupSchema,
    GroupSearchQuerySchema,
    GroupUpdateSchema,
    InviteCodeSchema,
    JoinByCodeSchema,
    JoinByIdSchema,
    MemberHistorySchema,
    MemberSchema,
    MembershipSchema,
    MembersQuerySchema,
    MyBalancesSchema,
    RoleUpdateSchema,
    SettlementCreateSchema,
    SettlementSchema,
    SplitPaidSchema,
    TransferSchema,
)
from expense_tracker.models import Group, GroupExpense, GroupMember, Settlement
from expense_tracker.pagination import paginate, pagination_headers
from expense_tracker.schemas import PaginationQuerySchema

blp = Blueprint("groups", __name__, description="Groups, shared expenses and settling up")

Headers = dict[str, str]

_full_view = GroupSchema()
_public_view = GroupPublicSchema()


def _group_view(group: Group, member: GroupMember | None) -> Response:
    """Members see the full view; anyone else (of an open group) the public one."""
    schema = _full_view if member is not None else _public_view
    return jsonify(schema.dump(group))


# --------------------------------------------------------------------------- groups


@blp.post("/groups/")
@auth_required()
@blp.arguments(GroupCreateSchema)
@blp.response(201, GroupSchema)
@blp.errors(422)
def create_group(data: dict[str, Any]) -> tuple[Group, Headers]:
    """Create a group (you are its owner and first member)"""
    group = membership.create_group(current_user, data)
    return group, {"Location": f"/groups/{group.id}", **etag_header(group)}


@blp.get("/groups/")
@auth_required()
@blp.arguments(PaginationQuerySchema, location="query")
@blp.response(200, GroupSchema(many=True))
@blp.errors(422)
def list_my_groups(query: dict[str, Any]) -> tuple[Sequence[Group], Headers]:
    """The groups I belong to, by name then id"""
    return paginate(membership.my_groups(current_user), query["skip"], query["limit"])


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
    return _group_view(group, member), etag_header(group, variant)


@blp.patch("/groups/<int:group_id>")
@auth_required()
@blp.arguments(GroupUpdateSchema)
@blp.response(200, GroupSchema)
@blp.errors(403, 404, 409, 412, 422)
def update_group(changes: dict[str, Any], group_id: int) -> tuple[Group, Headers]:
    """Change a group (owners; the currency only before any expense or settlement)"""
    group, _ = access.managed_group(group_id, current_user)
    check_if_match(group)
    group = membership.update_group(group, changes)
    return group, etag_header(group)


@blp.delete("/groups/<int:group_id>")
@auth_required()
@blp.response(204)
@blp.errors(403, 404, 409, 412)
def delete_group(group_id: int) -> None:
    """Delete a group and its history (owners; every balance must be zero)"""
    group, _ = access.managed_group(group_id, current_user)
    check_if_match(group)
    membership.delete_group(group)


@blp.post("/groups/<int:group_id>/invite-code")
@auth_required()
@blp.response(200, InviteCodeSchema)
@blp.errors(403, 404)
def rotate_invite_code(group_id: int) -> tuple[Group, Headers]:
    """A new invite code (owners); the old one stops working"""
    group, _ = access.managed_group(group_id, current_user)
    group = membership.rotate_invite_code(group)
    return group, etag_header(group)


# --------------------------------------------------------------------------- members


@blp.get("/groups/<int:group_id>/members")
@auth_required()
@blp.arguments(MembersQuerySchema, location="query")
@blp.response(200, MemberHistorySchema(many=True))
@blp.errors(404, 422)
def list_members(query: dict[str, Any], group_id: int) -> Sequence[GroupMember]:
    """The members, by joined_at; `include_former=true` adds those who left (with left_at)"""
    group, _ = access.member_group(group_id, current_user)
    return membership.group_members(group, include_former=query["include_former"])


@blp.get("/groups/<int:group_id>/members/<int:user_id>")
@auth_required()
@blp.response(200, MemberSchema)
@blp.errors(404)
def get_member(group_id: int, user_id: int) -> GroupMember:
    """One current member"""
    group, _ = access.member_group(group_id, current_user)
    return access.group_member(group, user_id)


@blp.post("/groups/<int:group_id>/join")
@auth_required()
@blp.arguments(JoinByIdSchema)
@blp.response(201, MembershipSchema)
@blp.errors(404, 409, 422)
def join_group(data: dict[str, Any], group_id: int) -> tuple[GroupMember, Headers]:
    """Join a group: open groups need nothing, invite-only ones their invite code"""
    member = membership.join_group(group_id, current_user, data.get("invite_code"))
    return member, _membership_location(member)


@blp.post("/groups/join")
@auth_required()
@blp.arguments(JoinByCodeSchema)
@blp.response(201, MembershipSchema)
@blp.errors(404, 409, 422)
def join_by_code(data: dict[str, Any]) -> tuple[GroupMember, Headers]:
    """Join the group this invite code belongs to"""
    member = membership.join_by_code(current_user, data["invite_code"])
    return member, _membership_location(member)


def _membership_location(member: GroupMember) -> Headers:
    return {"Location": f"/groups/{member.group_id}/members/{member.user_id}"}


@blp.patch("/groups/<int:group_id>/members/<int:user_id>")
@auth_required()
@blp.arguments(RoleUpdateSchema)
@blp.response(200, MemberSchema)
@blp.errors(403, 404, 409, 422)
def change_role(data: dict[str, Any], group_id: int, user_id: int) -> GroupMember:
    """Make a member an owner, or an owner a member (owners)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    target = access.group_member(group, user_id)
    return membership.change_role(actor, target, data["role"])


@blp.delete("/groups/<int:group_id>/members/<int:user_id>")
@auth_required()
@blp.response(204)
@blp.errors(403, 404, 409)
def remove_member(group_id: int, user_id: int) -> None:
    """Leave (your own id) or remove a member (owners); balances must be settled"""
    group, actor = access.member_group_for_update(group_id, current_user)
    target = access.group_member(group, user_id)
    membership.remove_member(group, actor, target)


# --------------------------------------------------------------------------- expenses


@blp.post("/groups/<int:group_id>/expenses/")
@auth_required()
@blp.arguments(GroupExpenseCreateSchema)
@blp.response(201, GroupExpenseSchema)
@blp.errors(404, 422)
def create_expense(data: dict[str, Any], group_id: int) -> tuple[GroupExpense, Headers]:
    """Record a shared expense and how it is split"""
    group, actor = access.member_group_for_update(group_id, current_user)
    expense = shared_expenses.create_expense(group, actor, data)
    location = f"/groups/{group_id}/expenses/{expense.id}"
    return expense, {"Location": location, **etag_header(expense)}


@blp.get("/groups/<int:group_id>/expenses/")
@auth_required()
@blp.arguments(GroupExpenseQuerySchema, location="query")
@blp.response(200, GroupExpenseSchema(many=True))
@blp.errors(404, 422)
def list_expenses(query: dict[str, Any], group_id: int) -> Response:
    """The group's expenses with their payers and splits, newest first"""
    group, _ = access.member_group(group_id, current_user)
    skip, limit = query["skip"], query["limit"]
    # Built as GroupExpenseSchema documents by expense_listing, which is faster at this.
    documents, total, last = expense_listing.expense_page(group, query, skip, limit)
    response = jsonify(documents)
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
    expense = shared_expenses.update_expense(group, actor, expense, changes)
    return expense, etag_header(expense)


@blp.delete("/groups/<int:group_id>/expenses/<int:expense_id>")
@auth_required()
@blp.response(204)
@blp.errors(403, 404, 409, 412)
def delete_expense(group_id: int, expense_id: int) -> None:
    """Delete a shared expense (its creator, a payer or an owner)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    check_if_match(expense)
    shared_expenses.delete_expense(group, actor, expense)


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


# --------------------------------------------------------------------------- balances


@blp.get("/groups/<int:group_id>/balances")
@auth_required()
@blp.response(200, BalanceSchema(many=True))
@blp.errors(404)
def list_balances(group_id: int) -> list[Any]:
    """Each current member's paid, owed, sent, received and net, by user_id"""
    group, _ = access.member_group(group_id, current_user)
    return balances.member_balances(group)


@blp.get("/groups/<int:group_id>/settle-up")
@auth_required()
@blp.response(200, TransferSchema(many=True))
@blp.errors(404)
def settle_up(group_id: int) -> list[dict[str, Any]]:
    """The fewest transfers that settle every balance"""
    group, _ = access.member_group(group_id, current_user)
    return balances.settle_up(group)


@blp.get("/users/me/balances")
@auth_required()
@blp.response(200, MyBalancesSchema)
def my_balances() -> dict[str, Any]:
    """My net in every group I belong to, and totals per currency"""
    return balances.my_balances(current_user)


# --------------------------------------------------------------------------- settlements


@blp.post("/groups/<int:group_id>/settlements")
@auth_required()
@blp.arguments(SettlementCreateSchema)
@blp.response(201, SettlementSchema)
@blp.errors(403, 404, 422)
def create_settlement(data: dict[str, Any], group_id: int) -> tuple[Settlement, Headers]:
    """Record a payment between two members (one of them you, unless you are an owner)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    settlement = settlements.create_settlement(group, actor, data)
    location = f"/groups/{group_id}/settlements/{settlement.id}"
    return settlement, {"Location": location, **etag_header(settlement)}


@blp.get("/groups/<int:group_id>/settlements")
@auth_required()
@blp.arguments(PaginationQuerySchema, location="query")
@blp.response(200, SettlementSchema(many=True))
@blp.errors(404, 422)
def list_settlements(query: dict[str, Any], group_id: int) -> tuple[Sequence[Settlement], Headers]:
    """The group's settlements, newest first"""
    group, _ = access.member_group(group_id, current_user)
    return paginate(settlements.group_settlements(group), query["skip"], query["limit"])


@blp.get("/groups/<int:group_id>/settlements/<int:settlement_id>")
@auth_required()
@blp.response(200, SettlementSchema)
@blp.errors(404)
def get_settlement(group_id: int, settlement_id: int) -> tuple[Settlement, Headers]:
    """One settlement"""
    group, _ = access.member_group(group_id, current_user)
    settlement = access.group_settlement(group, settlement_id)
    return settlement, etag_header(settlement)


@blp.delete("/groups/<int:group_id>/settlements/<int:settlement_id>")
@auth_required()
@blp.response(204)
@blp.errors(403, 404, 409, 412)
def delete_settlement(group_id: int, settlement_id: int) -> None:
    """Delete a settlement (its creator or an owner)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    settlement = access.group_settlement(group, settlement_id)
    check_if_match(settlement)
    settlements.delete_settlement(group, actor, settlement)
