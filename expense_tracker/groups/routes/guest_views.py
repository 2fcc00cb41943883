"""Guest members: add one, and merge one into a member with an account."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import current_user

from expense_tracker.api import auth_required
from expense_tracker.groups import access, guests
from expense_tracker.groups.routes.blueprint import Headers, blp
from expense_tracker.groups.schemas.groups import GuestCreateSchema, GuestMergeSchema, MemberSchema
from expense_tracker.idempotency import idempotent
from expense_tracker.models import GroupMember


@blp.post("/groups/<int:group_id>/guests")
@auth_required()
@idempotent()
@blp.arguments(GuestCreateSchema)
@blp.response(201, MemberSchema)
@blp.errors(404, 422)
def add_guest(data: dict[str, Any], group_id: int) -> tuple[GroupMember, Headers]:
    """Add a member without an account (any member): they pay, share and settle, but
    cannot sign in"""
    group, actor = access.member_group_for_update(group_id, current_user)
    member = guests.add_guest(group, actor, data)
    return member, {"Location": f"/groups/{group_id}/members/{member.user_id}"}


@blp.post("/groups/<int:group_id>/guests/<int:guest_id>/merge")
@auth_required()
@idempotent()  # a retried merge (its answer lost) gets the first answer, not a 404
@blp.arguments(GuestMergeSchema)
@blp.response(200, MemberSchema)
@blp.errors(403, 404, 409, 422)
def merge_guest(data: dict[str, Any], group_id: int, guest_id: int) -> GroupMember:
    """Move every row of a guest onto a current member, then remove the guest (an owner,
    or whoever added the guest); every net afterwards is the sum of the two before"""
    group, actor = access.member_group_for_update(group_id, current_user)
    return guests.merge_guest(group, actor, guest_id, data["user_id"])
