"""Pagination: skip/limit with `X-Total-Count` and `Link` headers, and keyset positions.

Every paginated list takes `skip` and `limit`. The expense lists, which can hold hundreds
of thousands of rows, also take `after`: the position (sort key and id) of the last row
of the previous page, which their `Link: rel="next"` URLs carry. With it the next page is
found through the index from that row (`WHERE (date, id) < (:date, :id)`), so page 2,000
costs what page 1 costs; with `skip` alone the database walks every skipped row first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import request
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, func, select, tuple_
from werkzeug.datastructures import MultiDict
from werkzeug.sansio.utils import get_current_url

from expense_tracker.errors import ValidationFailed
from expense_tracker.extensions import db

# A position as `after` carries it: "<sort key>_<id>", the key a date or an integer.
POSITION_SEPARATOR = "_"


def page_link(skip: int, limit: int, after: str | None = None) -> str:
    """The URL of the page at `skip` (or `after`), with the request's other parameters."""
    base_url = _base_url(request.scheme, request.host, request.root_path, request.path)
    return f"{base_url}?{_page_query(request.query_string, skip, limit, after)}"


@lru_cache(maxsize=1024)
def _page_query(query_string: bytes, skip: int, limit: int, after: str | None) -> str:
    """A page link's query: `query_string`'s parameters, read as `request.args` reads
    them, with this page's `skip`, `limit` and `after`. Remembered: the lists' links name
    the same few pages again and again, and encoding one was 4% of a list request."""
    pairs = parse_qsl(query_string.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
    args = MultiDict(pairs).to_dict(flat=False)
    args["skip"] = [str(skip)]
    args["limit"] = [str(limit)]
    args.pop("after", None)
    if after is not None:
        args["after"] = [after]
    return urlencode(args, doseq=True)


@lru_cache(maxsize=256)
def _base_url(scheme: str, host: str, root_path: str, path: str) -> str:
    """werkzeug's `request.base_url` of these parts, remembered: a list's links name the
    same few URLs again and again, and building one (quoting it, then decoding it to an
    IRI) cost 4% of a list request."""
    return get_current_url(scheme, host, root_path, path)


def paginate(statement: Select[Any], skip: int, limit: int) -> tuple[Sequence[Any], dict[str, str]]:
    """One page of `statement` (which must have a total order) and its headers.

    Two queries whatever the size of the data: the count and the page.
    """
    total = count_rows(statement)
    items = db.session.scalars(statement.offset(skip).limit(limit)).unique().all()
    return items, pagination_headers(total, skip, limit)


def counting(statement: Select[Any]) -> Select[int]:
    """The statement that counts the rows `statement` selects."""
    return select(func.count()).select_from(statement.order_by(None).subquery())


def count_rows(statement: Select[Any]) -> int:
    """How many rows `statement` selects, counted by the database."""
    return db.session.scalar(counting(statement)) or 0


def pagination_headers(
    total: int, skip: int, limit: int, next_after: str | None = None
) -> dict[str, str]:
    """X-Total-Count, and Link to the next and previous pages (the next one by position
    when the list gives one)."""
    headers = {"X-Total-Count": str(total)}
    links = []
    if skip + limit < total:
        links.append(f'<{page_link(skip + limit, limit, next_after)}>; rel="next"')
    if skip > 0:
        links.append(f'<{page_link(max(skip - limit, 0), limit)}>; rel="prev"')
    if links:
        headers["Link"] = ", ".join(links)
    return headers


def position_text(key: date | int, row_id: int) -> str:
    """The `after` value for a row with this sort key and id."""
    key_text = key.isoformat() if isinstance(key, date) else str(key)
    return f"{key_text}{POSITION_SEPARATOR}{row_id}"


def parse_position(text: str, key_type: type[date] | type[int]) -> tuple[date | int, int]:
    """The (sort key, id) of an `after` value; 422 on `after` when it is not one."""
    key_text, _, id_text = text.rpartition(POSITION_SEPARATOR)
    try:
        key = date.fromisoformat(key_text) if key_type is date else int(key_text)
        row_id = int(id_text)
    except ValueError:
        raise ValidationFailed.field(
            "after", "Not a position from this list's Link header (for this sort)."
        ) from None
    return key, row_id


def after_position(
    key: SQLColumnExpression[Any],
    row_id: SQLColumnExpression[int],
    position: tuple[Any, int],
    *,
    desc: bool,
) -> ColumnElement[bool]:
    """Rows that come after `position` in the order (key, id), descending or ascending."""
    if desc:
        return tuple_(key, row_id) < tuple_(*position)
    return tuple_(key, row_id) > tuple_(*position)
