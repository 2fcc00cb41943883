"""Query arguments remembered by query string, for the hot lists.

A list's query schema turns its query string into arguments by rules of its own: nothing
else (the caller, the time, the data) enters its load. Clients ask for the same few pages
again and again (`?limit=50`, the next links), and webargs' parse of those few fields cost
8% of a list request. A schema declared `by_query_string` is loaded once per query string
and worker: its arguments are remembered (up to 1,024 query strings) and each
request gets its own copy. A query string it refuses is not remembered: every such
request gets its 422 afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma

from expense_tracker.fields import CalendarDate

S = TypeVar("S", bound=type[ma.Schema])

# Fields whose loaded value a request could change in place: not for a remembered schema.
_MUTABLE_VALUES = (ma.fields.List, ma.fields.Tuple, ma.fields.Dict, ma.fields.Nested)


REMEMBERED_LIMIT = 1024
# By schema instance (hashed by identity) and query string. Threads share it: a race at
# worst loads a query string twice.
_REMEMBERED: dict[tuple[ma.Schema, bytes], dict[str, Any]] = {}


def by_query_string(schema_class: S) -> S:
    """Declare a query schema whose load depends on the query string alone (no context,
    no time): its arguments are remembered per query string. Its values must be
    immutable (numbers, text, dates), since the copy each request gets is shallow."""
    for name, field in schema_class._declared_fields.items():
        if isinstance(field, _MUTABLE_VALUES):
            raise TypeError(f"{schema_class.__name__}.{name} loads a mutable value")
        if callable(field.load_default) or (isinstance(field, CalendarDate) and field.bounded):
            raise TypeError(f"{schema_class.__name__}.{name} depends on more than its text")
    schema_class.by_query_string = True  # type: ignore[attr-defined]
    return schema_class


def remembered(schema: Any) -> bool:
    """Whether `schema` (webargs' argmap) is an instance of a `by_query_string` schema."""
    return isinstance(schema, ma.Schema) and getattr(schema, "by_query_string", False)


def parse(load: Callable[[], dict[str, Any]], schema: ma.Schema, query_string: bytes) -> Any:
    """The arguments of `query_string`: `load()`'s, remembered; a copy of its own."""
    key = (schema, query_string)
    found = _REMEMBERED.get(key)
    if found is None:
        found = load()  # a refused query string raises here: nothing is remembered
        if len(_REMEMBERED) >= REMEMBERED_LIMIT:
            _REMEMBERED.clear()  # the simplest bound: the lists' usual pages come back at once
        _REMEMBERED[key] = found
    return dict(found)
