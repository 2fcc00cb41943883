"""Receipts: the upload and the receipt's description."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.fields import Timestamp, Upload
from expense_tracker.models.receipt import RECEIPT_TYPES
from expense_tracker.schemas import InputSchema, OutputSchema


class ReceiptUploadSchema(InputSchema):
    file = Upload(
        required=True,
        metadata={
            "description": "A JPEG, PNG or WebP photo, or a PDF, at most 10 MiB; the type is "
            "read from the content. Photos are stored without their location (EXIF GPS)."
        },
    )


class ReceiptSchema(OutputSchema):
    id = ma.fields.Integer(required=True)
    expense_id = ma.fields.Integer(required=True, attribute="owner_expense_id")
    content_type = ma.fields.String(required=True, validate=ma.validate.OneOf(RECEIPT_TYPES))
    size = ma.fields.Integer(required=True, metadata={"description": "Bytes as stored"})
    sha256 = ma.fields.String(required=True, metadata={"description": "Of the bytes as stored"})
    uploaded_by = ma.fields.Integer(required=True)
    created_at = Timestamp(required=True)
