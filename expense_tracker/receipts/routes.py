"""Receipts of personal expenses (`/expenses/{eid}/receipts`) and of group expenses
(`/groups/{id}/expenses/{eid}/receipts`).

Who: whoever may read the expense reads its receipts (its owner; any current member of its
group); whoever may edit it attaches one (its owner; the creator, a payer or an owner of the
group); the uploader or an owner deletes one. The bytes are served so that a browser runs
nothing in them: their stored type, `nosniff`, a `sandbox` CSP, `inline` disposition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, request
from flask_jwt_extended import current_user
from werkzeug.datastructures import FileStorage

from expense_tracker.errors import Forbidden
from expense_tracker.expenses.service import get_owned_expense
from expense_tracker.groups import access
from expense_tracker.groups.expenses.service import may_change_expense
from expense_tracker.http.api import (
    MULTIPART_MIMETYPE,
    Blueprint,
    accepts,
    auth_required,
    body_limit,
)
from expense_tracker.http.idempotency import idempotent
from expense_tracker.models import Receipt
from expense_tracker.models.receipt import RECEIPT_TYPES
from expense_tracker.receipts import service
from expense_tracker.receipts.schemas import ReceiptSchema, ReceiptUploadSchema

blp = Blueprint("receipts", __name__, description="Receipts: photos and PDFs of expenses")

PERSONAL = "/expenses/<int:expense_id>/receipts"
SHARED = "/groups/<int:group_id>/expenses/<int:expense_id>/receipts"
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
BYTES_DOC = {
    "responses": {
        "200": {
            "description": "The bytes as stored",
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}} for kind in RECEIPT_TYPES
            },
        }
    }
}
Headers = dict[str, str]


def _read(upload: FileStorage) -> bytes:
    """The uploaded file's bytes; its spooled temporary file is closed at once."""
    try:
        return upload.read()
    finally:
        upload.close()


def _location(receipt: Receipt, prefix: str) -> Headers:
    return {"Location": f"{prefix}/{receipt.id}"}


def _bytes(receipt: Receipt) -> Response:
    response = Response(service.content(receipt), mimetype=receipt.content_type)
    response.headers["Content-Disposition"] = (
        f'inline; filename="receipt-{receipt.id}.{EXTENSIONS[receipt.content_type]}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(receipt.sha256)
    response.make_conditional(request)  # 304 for a matching If-None-Match, in place
    return response


# -- personal expenses --------------------------------------------------------------------


@blp.post(PERSONAL)
@auth_required()
@body_limit("RECEIPT_MAX_CONTENT_LENGTH")
@accepts(MULTIPART_MIMETYPE)
@idempotent()
@blp.arguments(ReceiptUploadSchema, location="multipart")
@blp.response(201, ReceiptSchema)
@blp.errors(404, 409, 413, 415, 422)
def attach_personal(form: dict[str, Any], expense_id: int) -> tuple[Receipt, Headers]:
    """Attach a photo or PDF to my expense (at most 10)"""
    expense = get_owned_expense(current_user, expense_id, for_update=True)
    receipt = service.attach(expense, current_user.id, _read(form["file"]))
    return receipt, _location(receipt, f"/expenses/{expense_id}/receipts")


@blp.get(PERSONAL)
@auth_required()
@blp.response(200, ReceiptSchema(many=True))
@blp.errors(404)
def list_personal(expense_id: int) -> Sequence[Receipt]:
    """My expense's receipts"""
    return service.receipts_of(get_owned_expense(current_user, expense_id))


@blp.get(f"{PERSONAL}/<int:receipt_id>")
@auth_required()
@blp.doc(**BYTES_DOC)
@blp.errors(404)
def get_personal(expense_id: int, receipt_id: int) -> Response:
    """One receipt's bytes"""
    expense = get_owned_expense(current_user, expense_id)
    return _bytes(service.receipt_of(expense, receipt_id))


@blp.delete(f"{PERSONAL}/<int:receipt_id>")
@auth_required()
@blp.response(204)
@blp.errors(404)
def delete_personal(expense_id: int, receipt_id: int) -> None:
    """Delete a receipt of my expense"""
    expense = get_owned_expense(current_user, expense_id, for_update=True)
    service.remove(service.receipt_of(expense, receipt_id))


# -- group expenses -----------------------------------------------------------------------


@blp.post(SHARED)
@auth_required()
@body_limit("RECEIPT_MAX_CONTENT_LENGTH")
@accepts(MULTIPART_MIMETYPE)
@idempotent()
@blp.arguments(ReceiptUploadSchema, location="multipart")
@blp.response(201, ReceiptSchema)
@blp.errors(403, 404, 409, 413, 415, 422)
def attach_shared(form: dict[str, Any], group_id: int, expense_id: int) -> tuple[Receipt, Headers]:
    """Attach a photo or PDF to a group expense (who may edit it; at most 10)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    if not may_change_expense(actor, expense):
        raise Forbidden("Only the expense's creator, a payer or an owner attaches receipts.")
    receipt = service.attach(expense, current_user.id, _read(form["file"]))
    return receipt, _location(receipt, f"/groups/{group_id}/expenses/{expense_id}/receipts")


@blp.get(SHARED)
@auth_required()
@blp.response(200, ReceiptSchema(many=True))
@blp.errors(404)
def list_shared(group_id: int, expense_id: int) -> Sequence[Receipt]:
    """A group expense's receipts (any current member)"""
    group, _ = access.member_group(group_id, current_user)
    return service.receipts_of(access.group_expense(group, expense_id))


@blp.get(f"{SHARED}/<int:receipt_id>")
@auth_required()
@blp.doc(**BYTES_DOC)
@blp.errors(404)
def get_shared(group_id: int, expense_id: int, receipt_id: int) -> Response:
    """One receipt's bytes (any current member)"""
    group, _ = access.member_group(group_id, current_user)
    expense = access.group_expense(group, expense_id)
    return _bytes(service.receipt_of(expense, receipt_id))


@blp.delete(f"{SHARED}/<int:receipt_id>")
@auth_required()
@blp.response(204)
@blp.errors(403, 404)
def delete_shared(group_id: int, expense_id: int, receipt_id: int) -> None:
    """Delete a receipt (its uploader or an owner)"""
    group, actor = access.member_group_for_update(group_id, current_user)
    receipt = service.receipt_of(access.group_expense(group, expense_id), receipt_id)
    if receipt.uploaded_by != actor.user_id and not actor.is_owner:
        raise Forbidden("Only the receipt's uploader or an owner deletes it.")
    service.remove(receipt)
