"""Personal expenses: /expenses/."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from flask_jwt_extended import current_user

from expense_tracker.etag import check_if_match, etag_header
from expense_tracker.expenses import converted_summary, csv_io, listing, service
from expense_tracker.expenses.schemas import (
    CategoryCountSchema,
    CategoryQuerySchema,
    ExpenseCreateSchema,
    ExpenseExportQuerySchema,
    ExpenseListQuerySchema,
    ExpenseSchema,
    ExpenseUpdateSchema,
    ImportFileSchema,
    ImportQuerySchema,
    ImportResultSchema,
    SummaryQuerySchema,
    SummaryRowSchema,
)
from expense_tracker.http.api import (
    MULTIPART_MIMETYPE,
    Blueprint,
    accepts,
    auth_required,
    body_limit,
)
from expense_tracker.http.idempotency import idempotent
from expense_tracker.http.limits import import_limits
from expense_tracker.http.reads import lone_statements
from expense_tracker.models import Expense
from expense_tracker.pagination import pagination_headers

blp = Blueprint("expenses", __name__, url_prefix="/expenses", description="Personal expenses")

ExpenseWithHeaders = tuple[Expense, dict[str, str]]


@blp.get("/")
@auth_required()
@lone_statements
# An instance: webargs would make one per request of a class (a deep copy of its fields).
@blp.arguments(ExpenseListQuerySchema(), location="query")
@blp.response(200, ExpenseSchema(many=True))
@blp.errors(422)
def list_expenses(args: dict[str, Any]) -> Response:
    """List my expenses: filters, sort and pagination"""
    skip, limit = args["skip"], args["limit"]
    # ExpenseSchema documents, as JSON written by `listing` (faster at this).
    body, total, last = listing.expense_page(current_user, args, skip, limit)
    response = Response(body, mimetype="application/json")
    response.headers.update(pagination_headers(total, skip, limit, next_after=last))
    return response


@blp.post("/")
@auth_required()
@idempotent()
@blp.arguments(ExpenseCreateSchema)
@blp.response(201, ExpenseSchema)
@blp.errors(422)
def create_expense(data: dict[str, Any]) -> ExpenseWithHeaders:
    """Record an expense"""
    expense = service.create_expense(current_user, data)
    return expense, {"Location": f"/expenses/{expense.id}", **etag_header(expense)}


@blp.get("/<int:expense_id>")
@auth_required()
@blp.response(200, ExpenseSchema)
@blp.errors(404)
def get_expense(expense_id: int) -> ExpenseWithHeaders:
    """One of my expenses"""
    expense = service.get_owned_expense(current_user, expense_id)
    return expense, etag_header(expense)


@blp.patch("/<int:expense_id>")
@auth_required()
@blp.arguments(ExpenseUpdateSchema)
@blp.response(200, ExpenseSchema)
@blp.errors(404, 412, 422)
def update_expense(changes: dict[str, Any], expense_id: int) -> ExpenseWithHeaders:
    """Change some fields of an expense (If-Match: its ETag, to refuse lost updates)"""
    expense = service.get_owned_expense(current_user, expense_id, for_update=True)
    check_if_match(expense)
    expense = service.update_expense(expense, changes)
    return expense, etag_header(expense)


@blp.delete("/<int:expense_id>")
@auth_required()
@blp.response(204)
@blp.errors(404, 412)
def delete_expense(expense_id: int) -> None:
    """Delete an expense"""
    expense = service.get_owned_expense(current_user, expense_id, for_update=True)
    check_if_match(expense)
    service.delete_expense(expense)


@blp.get("/summary")
@auth_required()
@lone_statements
@blp.arguments(SummaryQuerySchema, location="query")
@blp.response(200, SummaryRowSchema(many=True))
@blp.errors(422)
def summary(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Totals and counts per category, month or payment method, per currency (or in one)"""
    return converted_summary.summary(current_user, args)


@blp.get("/categories")
@auth_required()
@lone_statements
@blp.arguments(CategoryQuerySchema, location="query")
@blp.response(200, CategoryCountSchema(many=True))
def categories(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The categories I have used, most used first (for autocomplete)"""
    return service.category_counts(current_user, args.get("q"))


@blp.get("/export.csv")
@auth_required()
@blp.arguments(ExpenseExportQuerySchema, location="query")
@blp.response(200, content_type="text/csv", description="CSV, streamed")
@blp.errors(422)
def export_csv(args: dict[str, Any]) -> Response:
    """Every matching expense as CSV (same filters and order as the list, no pagination)"""
    # The query runs here, before the response starts: see csv_io.export_stream.
    rows = service.iter_filtered(current_user, args)
    response = Response(
        stream_with_context(csv_io.export_stream(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="expenses.csv"'},
    )
    # The server closes the response however sending ends; so is the rows' session.
    response.call_on_close(rows.close)
    return response


@blp.post("/import")
@auth_required()
@body_limit("IMPORT_MAX_CONTENT_LENGTH")
@accepts(MULTIPART_MIMETYPE)
@import_limits
@idempotent()
@blp.arguments(ImportQuerySchema, location="query")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(201, ImportResultSchema)
@blp.errors(413, 422)
def import_csv(args: dict[str, Any], files: dict[str, Any]) -> dict[str, int]:
    """Import expenses from CSV: all rows or none; exact duplicates skipped by default"""
    upload = files["file"]
    raw = upload.read()
    return service.import_expenses(current_user, raw, allow_duplicates=args["allow_duplicates"])
