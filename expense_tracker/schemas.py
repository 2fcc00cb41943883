"""Schema base classes and the query schemas shared by several areas."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.database import MAX_ID


class InputSchema(ma.Schema):
    """Request bodies: unknown fields (and read-only ones, which input schemas omit) are 422."""

    class Meta:
        unknown = ma.RAISE


class OutputSchema(ma.Schema):
    class Meta:
        ordered = True


class QuerySchema(ma.Schema):
    """Query strings: unknown parameters are ignored, as the contract says."""

    class Meta:
        unknown = ma.EXCLUDE


class PaginationQuerySchema(QuerySchema):
    skip = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=MAX_ID))
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
