"""Moving in: a group's Splitwise export becomes a new group (`groups.splitwise_import`)."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from flask_jwt_extended import current_user

from expense_tracker.domain.text import has_visible_character
from expense_tracker.etag import etag_header
from expense_tracker.groups.blueprint import Headers, blp
from expense_tracker.groups.imports import splitwise_import
from expense_tracker.groups.imports.schemas import (
    ImportedGroupSchema,
    SplitwiseUploadSchema,
)
from expense_tracker.groups.schemas import GROUP_NAME_MAX_LENGTH
from expense_tracker.http.api import MULTIPART_MIMETYPE, accepts, auth_required, body_limit
from expense_tracker.http.idempotency import idempotent
from expense_tracker.http.limits import import_limits

DEFAULT_NAME = "Imported from Splitwise"


@blp.post("/groups/import/splitwise")
@auth_required()
@body_limit("IMPORT_MAX_CONTENT_LENGTH")
@accepts(MULTIPART_MIMETYPE)
@import_limits
@idempotent()
@blp.arguments(SplitwiseUploadSchema, location="multipart")
@blp.response(201, ImportedGroupSchema)
@blp.errors(413, 422)
def import_splitwise(form: dict[str, Any]) -> tuple[Any, Headers]:
    """Import a Splitwise group export into a new group (all of it or nothing)"""
    upload = form["file"]
    name = form.get("name") or _name_of(upload.filename)
    result = splitwise_import.import_splitwise(current_user, upload.read(), form["me"], name)
    group = result.group
    # What the file became, dumped beside the group's full view (ImportedGroupSchema).
    setattr(  # noqa: B010 - not a column: an attribute for this answer only
        group,
        "imported",
        {"expenses": result.expenses, "settlements": result.settlements, "guests": result.guests},
    )
    return group, {"Location": f"/groups/{group.id}", **etag_header(group)}


def _name_of(filename: str | None) -> str:
    """The upload's file name without folders or extension ("lisbon-trip_2024.csv")."""
    stem = PurePosixPath(PureWindowsPath(filename or "").name).stem.strip()
    if not has_visible_character(stem):
        return DEFAULT_NAME
    return stem[:GROUP_NAME_MAX_LENGTH]
