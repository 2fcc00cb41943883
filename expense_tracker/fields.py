"""Marshmallow fields for the types the contract fixes: text, dates, timestamps, uploads
(money: money_fields.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import marshmallow as ma
from email_validator import EmailNotValidError
from werkzeug.datastructures import FileStorage

from expense_tracker.database import utc_today
from expense_tracker.domain.text import (
    FORMAT_CHARACTERS,
    has_visible_character,
    is_visible_outside_format,
    normalise_email,
)

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE_AHEAD = timedelta(days=366)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# What a bounded date can be, for the OpenAPI document (until 2098 comes): a YYYY-MM-DD of
# the years 1900-2099, the month and day in range (the format says the day is in its month,
# the description how far ahead). A generator draws from it; years alone would leave it
# drawing whatever `format: date` gives, almost always outside these years.
DOCUMENTED_DATES = "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


BMP_END = 0xFFFF
SURROGATES = range(0xD800, 0xE000)


def _visible_bmp_class() -> str:
    """A regular expression class of the visible characters (`text.is_visible`) of Unicode's
    Basic Multilingual Plane, as ranges of `\\uXXXX` escapes.

    The one visible character a required text needs is documented from the BMP alone:
    JSON Schema patterns are ECMA-262 regular expressions, whose `\\u` escapes stop at
    FFFF, and the tools that read the document (schemathesis, jsonschema-rs) refuse
    characters beyond it, or surrogates, in a class. So the document is a little stricter
    than the API, which also takes a name whose only visible characters are beyond the BMP
    (a lone emoji, say); whatever matches the pattern is accepted. The invisible characters
    are the format characters listed in `text.FORMAT_CHARACTERS` and whitespace (Unicode's
    White_Space property, the same on every Python), so the document is too."""
    invisible = {code for first, last in FORMAT_CHARACTERS for code in range(first, last + 1)}
    invisible.update(SURROGATES)
    visible = [
        code
        for code in range(BMP_END + 1)
        if code not in invisible and is_visible_outside_format(chr(code))
    ]
    ranges: list[tuple[int, int]] = []
    for code in visible:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(
        f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}"
        for first, last in ranges
    )


# What Text accepts, for the OpenAPI document (JSON Schema patterns match anywhere): no
# NUL, and where text is required, at least one visible character (`text.is_visible`).
ANY_TEXT = "^[^\\u0000]*$"
NON_BLANK_TEXT = f"^[^\\u0000]*[{_visible_bmp_class()}][^\\u0000]*$"


class Text(ma.fields.String):
    """A string with surrounding whitespace trimmed; `min_length`/`max_length` apply after.

    Required text (`min_length`: names, descriptions, categories, comments) must show
    something: text made only of whitespace, control or format characters (zero-width
    spaces, soft hyphens, a BOM) is as empty as an empty string. Names are this field, so
    every name (a person's, a group's, a guest's) follows the rule."""

    def __init__(self, *, min_length: int = 0, max_length: int | None = None, **kwargs: Any):
        validators = list(kwargs.pop("validate", []) or [])
        if min_length or max_length is not None:
            validators.append(ma.validate.Length(min=min_length or None, max=max_length))
        # Documented as checked: no NUL, and (when required) something besides whitespace.
        pattern = NON_BLANK_TEXT if min_length else ANY_TEXT
        metadata = {"pattern": pattern, **kwargs.pop("metadata", {})}
        super().__init__(validate=validators, metadata=metadata, **kwargs)
        self.min_length = min_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if self.min_length and not text:
            raise ma.ValidationError("Must not be empty.")
        if self.min_length and not has_visible_character(text):
            raise ma.ValidationError(
                "Must contain at least one visible character (not only spaces, control or "
                "zero-width characters)."
            )
        if "\x00" in text:
            raise ma.ValidationError("Must not contain NUL characters.")
        return text


class Password(ma.fields.String):
    """Passwords are never trimmed: every character counts."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=ma.validate.Length(min=8, max=128), **kwargs)


class Email(ma.fields.String):
    def __init__(self, **kwargs: Any) -> None:
        metadata = {"format": "email", "maxLength": 254, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if len(text) > 254:
            raise ma.ValidationError("Not a valid email address.")
        try:
            return normalise_email(text)
        except EmailNotValidError as exc:
            raise ma.ValidationError(f"Not a valid email address: {exc}") from None


class CalendarDate(ma.fields.Date):
    """`YYYY-MM-DD`, a real date, from 1900-01-01 to a year ahead of today (UTC)."""

    def __init__(self, *, bounded: bool = True, **kwargs: Any) -> None:
        if bounded:  # the document states the bounds; the years as a pattern too
            metadata = {
                "pattern": DOCUMENTED_DATES,
                "description": "From 1900-01-01 to 366 days after today (UTC).",
                **kwargs.pop("metadata", {}),
            }
            kwargs["metadata"] = metadata
        super().__init__(**kwargs)
        self.bounded = bounded

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value.strip()):
            raise ma.ValidationError("Not a valid date; use YYYY-MM-DD.")
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise ma.ValidationError("Not a valid calendar date.") from None
        if self.bounded:
            if parsed < EARLIEST_DATE:
                raise ma.ValidationError("Must not be before 1900-01-01.")
            if parsed > utc_today() + LATEST_DATE_AHEAD:
                raise ma.ValidationError("Must not be more than 366 days after today.")
        return parsed


class Timestamp(ma.fields.Field):
    """A UTC timestamp rendered as ISO 8601 with a `Z` suffix."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "format": "date-time", "example": "2026-01-31T12:00:00Z"}
        super().__init__(dump_only=True, metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return timestamp_text(value)


def timestamp_text(value: datetime | None) -> str | None:
    """A UTC timestamp as the API writes it (the Timestamp field, and the lean lists)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # isoformat is twice as fast as strftime: "...T12:00:00.000000+00:00" ends in UTC's offset.
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


class Upload(ma.fields.Raw):
    """A file part of a multipart body (a text part of the same name is refused)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "format": "binary", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, FileStorage):
            raise ma.ValidationError("Must be a file.")
        return value
