"""Settlements: payments between two members, recorded, listed, read and deleted."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_jwt_extended import current_user

from expense_tracker.etag import check_if_match, etag_header
from expense_tracker.groups import access, deletion
from expense_tracker.groups.blueprint import Headers, blp
from expense_tracker.groups.settlements import service as settlements
from expense_tracker.groups.settlements.schemas import (
    DeletedSettlementSchema,
    SettlementCreateSchema,
    SettlementQuerySchema,
    SettlementSchema,
)
from expense_tracker.http.api import auth_required
from expense_tracker.http.idempotency import idempotent
from expense_tracker.models import Settlement
from expense_tracker.pagination import paginate


@blp.post("/groups/<int:group_id>/settlements")
@auth_required()
@idempotent()
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
@blp.arguments(SettlementQuerySchema, location="query")
@blp.response(
    200,
    {"type": "array", "items": {"anyOf": [SettlementSchema, DeletedSettlementSchema]}},
    description="With `deleted=only`, each settlement also has `deleted_at` and `deleted_by`.",
)
@blp.errors(404, 422)
def list_settlements(query: dict[str, Any], group_id: int) -> Response:
    """The group's settlements, newest first (or the deleted ones)"""
    group, _ = access.member_group(group_id, current_user)
    deleted = query.get("deleted") == "only"
    statement = settlements.group_settlements(group, deleted=deleted)
    items, headers = paginate(statement, query["skip"], query["limit"])
    schema = DeletedSettlementSchema if deleted else SettlementSchema
    response = jsonify(schema(many=True).dump(items))
    response.headers.update(headers)
    return response


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
    """Delete a settlement (its creator or an owner); it can be restored"""
    group, actor = access.member_group_for_update(group_id, current_user)
    settlement = access.group_settlement(group, settlement_id)
    check_if_match(settlement)
    deletion.delete_settlement(group, actor, settlement)


@blp.post("/groups/<int:group_id>/settlements/<int:settlement_id>/restore")
@auth_required()
@idempotent()
@blp.response(200, SettlementSchema)
@blp.errors(403, 404, 409)
def restore_settlement(group_id: int, settlement_id: int) -> tuple[Settlement, Headers]:
    """Restore a deleted settlement (its creator or an owner)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    settlement = access.group_settlement(group, settlement_id, deleted=True)
    settlement = deletion.restore_settlement(group, actor, settlement)
    return settlement, etag_header(settlement)
