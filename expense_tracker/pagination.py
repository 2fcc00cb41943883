"""skip/limit pagination with `X-Total-Count` and `Link` headers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from flask import request
from sqlalchemy import Select, func, select

from expense_tracker.extensions import db


def page_link(skip: int, limit: int) -> str:
    args = request.args.to_dict(flat=False)
    args["skip"] = [str(skip)]
    args["limit"] = [str(limit)]
    return f"{request.base_url}?{urlencode(args, doseq=True)}"


def paginate(statement: Select[Any], skip: int, limit: int) -> tuple[Sequence[Any], dict[str, str]]:
    """One page of `statement` (which must have a total order) and its headers.

    Two queries whatever the size of the data: the count and the page.
    """
    total = count_rows(statement)
    items = db.session.scalars(statement.offset(skip).limit(limit)).unique().all()
    return items, pagination_headers(total, skip, limit)


def count_rows(statement: Select[Any]) -> int:
    """How many rows `statement` selects, counted by the database."""
    return (
        db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
        or 0
    )


def pagination_headers(total: int, skip: int, limit: int) -> dict[str, str]:
    headers = {"X-Total-Count": str(total)}
    links = []
    if skip + limit < total:
        links.append(f'<{page_link(skip + limit, limit)}>; rel="next"')
    if skip > 0:
        links.append(f'<{page_link(max(skip - limit, 0), limit)}>; rel="prev"')
    if links:
        headers["Link"] = ", ".join(links)
    return headers
