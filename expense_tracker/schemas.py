"""Schema base classes and the query schemas shared by several areas."""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma

from expense_tracker.database import MAX_ID


class InputSchema(ma.Schema):
    """Request bodies: unknown fields (and read-only ones, which input schemas omit) are 422.

    `openapi_rules`: JSON Schema keywords for the rules the schema checks across its fields
    (which fields go together, which exclude each other), added to its OpenAPI component;
    each one sits next to the check it documents.
    """

    openapi_rules: ClassVar[dict[str, Any]] = {}
    # A whole valid body, where an example composed from the fields' own would not be one.
    openapi_example: ClassVar[dict[str, Any] | None] = None

    class Meta:
        unknown = ma.RAISE


class OutputSchema(ma.Schema):
    class Meta:
        ordered = True


class QuerySchema(ma.Schema):
    """Query strings: unknown parameters are ignored, as the contract says."""

    class Meta:
        unknown = ma.EXCLUDE


class DatesInOrder(ma.Schema):
    """The rule of every `date_from`/`date_to` query: the range is not reversed. Declares
    no fields (each query schema declares its own, in its own order), only this check."""

    @ma.validates_schema
    def dates_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "date_from" in data and "date_to" in data and data["date_from"] > data["date_to"]:
            raise ma.ValidationError("Must not be after date_to.", field_name="date_from")


class PaginationQuerySchema(QuerySchema):
    skip = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=MAX_ID))
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class KeysetPaginationQuerySchema(PaginationQuerySchema):
    """The expense lists: `skip`/`limit`, and `after`, which their next links carry."""

    after = ma.fields.String(
        validate=ma.validate.Length(min=1, max=64),
        metadata={
            "description": 'Where the page starts, as the `Link: rel="next"` URL gives it '
            "(the position of the previous page's last row). When present it, not `skip`, "
            "decides the first row, so deep pages cost what the first one costs; `skip` "
            "still numbers the page for `X-Total-Count` and the `prev` link."
        },
    )
