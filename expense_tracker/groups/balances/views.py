"""Balances: each member's in a group, the settle-up plan, and mine across groups."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_jwt_extended import current_user

from expense_tracker.groups import access
from expense_tracker.groups.balances import service as balances
from expense_tracker.groups.balances.schemas import BalanceSchema, MyBalancesSchema, TransferSchema
from expense_tracker.groups.blueprint import blp
from expense_tracker.http.api import auth_required
from expense_tracker.http.reads import lone_statements, with_session_check


@blp.get("/groups/<int:group_id>/balances")
@auth_required()
@lone_statements
@with_session_check(access.GROUP_TO_READ)
@blp.response(200, BalanceSchema(many=True))
@blp.errors(404)
def list_balances(group_id: int) -> Response:
    """Each current member's paid, owed, sent, received and net, by user_id"""
    group = access.group_to_read(group_id, current_user.id)
    # BalanceSchema documents, as JSON written directly (balances.balances_body).
    return Response(balances.balances_body(group), mimetype="application/json")


@blp.get("/groups/<int:group_id>/settle-up")
@auth_required()
@lone_statements
@with_session_check(access.GROUP_TO_READ)
@blp.response(200, TransferSchema(many=True))
@blp.errors(404)
def settle_up(group_id: int) -> Response:
    """The fewest transfers that settle every balance"""
    group = access.group_to_read(group_id, current_user.id)
    # TransferSchema documents, built directly (balances.settle_up).
    return jsonify(balances.settle_up(group))


@blp.get("/users/me/balances")
@auth_required()
@lone_statements
@blp.response(200, MyBalancesSchema)
def my_balances() -> dict[str, Any]:
    """My net in every group I belong to, and totals per currency"""
    return balances.my_balances(current_user.id)
