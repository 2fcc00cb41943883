"""Guest members: add one; merge one into an account, which needs two yeses (the receiving
account's and an owner's), so a merge may wait as a request for the other side."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_jwt_extended import current_user

from expense_tracker.groups import access
from expense_tracker.groups.blueprint import Headers, blp
from expense_tracker.groups.guests import merges as guest_merges
from expense_tracker.groups.guests import service as guests
from expense_tracker.groups.guests.schemas import (
    GuestCreateSchema,
    GuestMergeRequestSchema,
    GuestMergeSchema,
)
from expense_tracker.groups.schemas import MemberSchema
from expense_tracker.http.api import auth_required
from expense_tracker.http.idempotency import idempotent
from expense_tracker.models import GroupMember
from expense_tracker.models.guest import GuestMerge

_merge_request = GuestMergeRequestSchema()

_MERGES = "/groups/<int:group_id>/guest-merges"


@blp.post("/groups/<int:group_id>/guests")
@auth_required()
@idempotent()
@blp.arguments(GuestCreateSchema)
@blp.response(201, MemberSchema)
@blp.errors(404, 409, 422)
def add_guest(data: dict[str, Any], group_id: int) -> tuple[GroupMember, Headers]:
    """Add a member without an account (any member): they pay, share and settle, but
    cannot sign in; a group holds at most 200 guests (409 `/problems/limit-reached`)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    member = guests.add_guest(group, actor, data)
    return member, {"Location": f"/groups/{group_id}/members/{member.user_id}"}


@blp.post("/groups/<int:group_id>/guests/<int:guest_id>/merge")
@auth_required()
@idempotent()  # a retried merge (its answer lost) gets the first answer, not a 404
@blp.arguments(GuestMergeSchema)
@blp.response(200, MemberSchema, description="Merged: the receiving member.")
@blp.alt_response(
    202,
    schema=GuestMergeRequestSchema,
    description="The caller's yes is recorded: a pending request for the other side.",
)
@blp.errors(403, 404, 409, 422)
def merge_guest(data: dict[str, Any], group_id: int, guest_id: int) -> GroupMember | Response:
    """Merge a guest into a member with an account (the receiving account itself or an
    owner): done at once when the caller is both, or when a pending request waits for the
    caller's side; otherwise 202 a pending request and the other side is notified"""
    group, actor = access.member_group_for_update(group_id, current_user)
    outcome = guest_merges.merge_or_request(group, actor, guest_id, data["user_id"])
    if isinstance(outcome, GuestMerge):
        response = jsonify(_merge_request.dump(outcome))
        response.status_code = 202
        return response
    return outcome


@blp.get(_MERGES)
@auth_required()
@blp.response(200, GuestMergeRequestSchema(many=True))
@blp.errors(404)
def list_guest_merges(group_id: int) -> list[GuestMerge]:
    """The pending merge requests (current members), oldest first"""
    group, _ = access.member_group(group_id, current_user)
    return guest_merges.pending_requests(group)


@blp.post(f"{_MERGES}/<int:merge_id>/accept")
@auth_required()
@idempotent()
@blp.response(200, MemberSchema, description="Merged: the receiving member.")
@blp.errors(403, 404, 409)
def accept_guest_merge(group_id: int, merge_id: int) -> GroupMember:
    """Accept a merge request (the side that did not ask: the receiving account when an
    owner asked, any owner when the receiving account asked): the merge happens"""
    group, actor = access.member_group_for_update(group_id, current_user)
    return guest_merges.accept(group, actor, merge_id)


@blp.post(f"{_MERGES}/<int:merge_id>/decline")
@auth_required()
@idempotent()
@blp.response(204)
@blp.errors(403, 404, 409)
def decline_guest_merge(group_id: int, merge_id: int) -> None:
    """Decline a merge request (the receiving account, an owner, or the asker withdrawing)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    guest_merges.decline(group, actor, merge_id)
