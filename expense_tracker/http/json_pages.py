"""A list's page sent as PostgreSQL joined it: one row, one string, whatever the page's
length.

The personal list's documents are written by PostgreSQL (http/sql_json.py). Fetched as
fifty rows, each row still costs the driver and Python its decoding; aggregated by
PostgreSQL, the page comes back as one row holding the whole JSON array, and the worker
only encodes it. Newest first: by date, then id, both descending (the lists' usual order).

Worth it where the database writes short documents anyway. The group list's kept
documents are long (about 1 kB each): aggregating them cost PostgreSQL more than it saved
the worker, so that list fetches them as rows (groups/expenses/listing.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from expense_tracker.http import reads, sql_json
from expense_tracker.pagination import position_text


def newest_first(page: Any) -> Select[Any]:
    """One row for `page`, a subquery of `id`, `date` and `document` (NULL where a row has
    none) holding at most one page: how many rows it has, how many have a document, the
    JSON array of the documents newest first (as the response sends it, closing newline
    included), and the date and id of the page's last row."""
    return select(
        func.count(),
        func.count(page.c.document),
        sql_json.array(page.c.document, page.c.date.desc(), page.c.id.desc()),
        func.min(page.c.date),
        func.array_agg(aggregate_order_by(page.c.id, page.c.date, page.c.id))[1],
    )


def read(statement: Select[Any], params: Mapping[str, Any]) -> tuple[bytes, str | None] | None:
    """The page of `statement` (built by `newest_first`) as the response's JSON body, and
    the `after` position of its last row when the page is full (`params["limit"]` rows);
    None when a row lacks its document (the caller builds that page otherwise)."""
    found, documented, body, last_date, last_id = reads.rows(statement, params)[0]
    if documented < found:
        return None
    last = position_text(last_date, last_id) if found == params["limit"] else None
    return body.encode(), last
