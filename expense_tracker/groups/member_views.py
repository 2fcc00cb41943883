"""Members of a group: list, read, join (by id or by code), change roles, leave."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_jwt_extended import current_user

from expense_tracker.groups import access, membership
from expense_tracker.groups.blueprint import Headers, blp
from expense_tracker.groups.schemas import (
    JoinByCodeSchema,
    JoinByIdSchema,
    MemberHistorySchema,
    MemberSchema,
    MembershipSchema,
    MembersQuerySchema,
    RoleUpdateSchema,
)
from expense_tracker.http.api import auth_required
from expense_tracker.http.idempotency import idempotent
from expense_tracker.models import GroupMember


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
@idempotent()
@blp.arguments(JoinByIdSchema)
@blp.response(201, MembershipSchema)
@blp.errors(404, 409, 422)
def join_group(data: dict[str, Any], group_id: int) -> tuple[GroupMember, Headers]:
    """Join a group: open groups need nothing, invite-only ones their invite code"""
    member = membership.join_group(group_id, current_user, data.get("invite_code"))
    return member, _membership_location(member)


@blp.post("/groups/join")
@auth_required()
@idempotent()
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
