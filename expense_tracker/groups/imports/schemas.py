"""Moving in from Splitwise: the upload and the answer."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.fields import Text, Upload
from expense_tracker.groups.schemas import GROUP_NAME_MAX_LENGTH, GroupSchema
from expense_tracker.schemas import InputSchema, OutputSchema


class SplitwiseUploadSchema(InputSchema):
    """The multipart body: the file and two text fields."""

    file = Upload(
        required=True,
        metadata={
            "description": "The CSV that Splitwise exports for a group (UTF-8, a BOM and "
            "CRLF line ends allowed; at most 20,000 rows).",
            "example": "Date,Description,Category,Cost,Currency,Alice Martin,Bob Ferreira\n"
            "2024-03-02,Groceries,Groceries,60.00,EUR,30.00,-30.00\n"
            "2024-03-10,Total balance, , ,EUR,30.00,-30.00\n",
        },
    )

    me = Text(
        required=True,
        min_length=1,
        max_length=100,
        metadata={
            "description": "The column header of the file that is you (the other people "
            "become guests of the new group).",
            "example": "Alice Martin",
        },
    )
    name = Text(
        min_length=1,
        max_length=GROUP_NAME_MAX_LENGTH,
        metadata={
            "description": "The new group's name; default the file's name without its extension.",
            "example": "Lisbon trip",
        },
    )


class ImportedCountsSchema(OutputSchema):
    expenses = ma.fields.Integer(required=True)
    settlements = ma.fields.Integer(required=True)
    guests = ma.fields.Integer(required=True)


class ImportedGroupSchema(GroupSchema):
    """The new group's full view, and what the file became."""

    imported = ma.fields.Nested(ImportedCountsSchema, required=True)
