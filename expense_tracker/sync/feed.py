"""`GET /users/me/changes`: what changed for the caller since their last call.

The guarantee: a client that calls again with the returned cursor until `has_more` is
false holds every object it may see in its latest state; each later call returns exactly
what changed since, including changes committed by transactions that were still running
when the previous call answered. How "since" stays exact under out-of-order commits is
`changelog.window`'s business: each call reads up to a horizon and hands it on.

A call answers one page of a *window*: from the previous complete answer's horizon
(`since`) to the horizon taken when the window opened (`until`, kept in the cursor while
the window is paged through, so that its set of rows is fixed). A window has up to four
stages, each paged by a position in the cursor:

1. `full` (sync/whole.py): whole groups, type by type (the groups, their members,
   expenses, settlements, comments): on the first sync every group of the caller's, and
   their personal expenses; later, the groups the caller created or joined (or that were
   restored) within the window, and the comments of expenses restored within it.
2. `log`: the activity rows of the window, in the caller's current groups, plus the rows
   about the caller's own membership anywhere (so that leaving a group, being removed or
   the group's deletion reach them as a `group` change with `deleted: true`: a group the
   caller cannot see any more is reported so, never its contents). Groups sent whole
   are read here too: a client that left and joined again within one window still holds
   what was deleted meanwhile, and hears of it only from these rows.
3. `personal`: the window's rows of the caller's personal expense log.
4. `names`: the window's name changes of people in the caller's groups (a member shows
   their name, and so does the group that lists them).

Each object appears at most once per page, with its current representation read after
the horizon (so never older than the change that brought it); a change made after the
horizon will come again in the next window. A page may end with `has_more` true and the
next page be empty.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from expense_tracker.changelog.window import Horizon, in_window
from expense_tracker.extensions import db
from expense_tracker.groups import access
from expense_tracker.groups.access import current_member_ids
from expense_tracker.models import (
    Activity,
    ExpenseChange,
    GroupMember,
    ProfileChange,
    User,
)
from expense_tracker.sync import cursor as cursors
from expense_tracker.sync import documents
from expense_tracker.sync.documents import Key
from expense_tracker.sync.page import Page
from expense_tracker.sync.whole import run_full, whole_of

# What an activity row's subject is as a feed object.

_FEED_TYPES = {
    "group": "group",
    "member": "member",
    "expense": "group_expense",
    "settlement": "settlement",
    "comment": "comment",
}


# --------------------------------------------------------------------------- stages 2 to 4


def _policy_flipped() -> ColumnElement[Any]:
    """Whether an activity row changed its group's join policy."""
    before = Activity.before["join_policy"].as_string()
    after = Activity.after["join_policy"].as_string()
    return and_(Activity.kind == "group.updated", before != after)


def _members(group_id: int) -> list[Key]:
    """The group's current members, as feed objects, in a stable order."""
    return [Key("member", user_id, group_id) for user_id in sorted(current_member_ids(group_id))]


def _log_keys(row: Any, accessible: set[int]) -> list[Key]:
    """The objects an activity row changed, as the caller sees them now."""
    subject_type, subject_id, group_id, policy_flipped = row
    group = Key("group", group_id, group_id)
    if group_id not in accessible:
        return [group]
    if subject_type == "group":
        # A new join policy shows or hides the members' emails (groups/privacy.py): each
        # member object changed with it. A rare change: one query for its members.
        return [group, *_members(group_id)] if policy_flipped else [group]
    if subject_type == "member":
        # The group shows its members (and their count): it changed with them.
        return [Key("member", subject_id, group_id), group]
    return [Key(_FEED_TYPES[subject_type], subject_id, group_id)]


def _run_log(user: User, cursor: cursors.Cursor, page: Page, accessible: set[int]) -> bool:
    """Fill the page from the window's activity rows; True when they are all read."""
    assert cursor.until is not None
    mine = select(GroupMember.group_id).where(
        GroupMember.user_id == user.id, GroupMember.left_at.is_(None)
    )
    statement = select(
        Activity.id,
        Activity.subject_type,
        Activity.subject_id,
        Activity.group_id,
        _policy_flipped(),
    ).where(
        in_window(Activity, cursor.since, cursor.until),
        or_(
            Activity.group_id.in_(mine),
            and_(Activity.subject_type == "member", Activity.subject_id == user.id),
        ),
    )
    return _read_log(statement, Activity.id, page, cursor, lambda row: _log_keys(row, accessible))


def _run_personal(user: User, cursor: cursors.Cursor, page: Page) -> bool:
    assert cursor.until is not None
    statement = select(ExpenseChange.id, ExpenseChange.expense_id).where(
        ExpenseChange.user_id == user.id, in_window(ExpenseChange, cursor.since, cursor.until)
    )
    return _read_log(
        statement, ExpenseChange.id, page, cursor, lambda row: [Key("expense", row[0], None)]
    )


def _run_names(user: User, cursor: cursors.Cursor, page: Page, accessible: set[int]) -> bool:
    """Fill the page from the window's name changes of people in the caller's groups:
    each changes their member object, and the group that lists them, in every group the
    caller shares with them."""
    assert cursor.until is not None
    shared: dict[int, list[int]] = {}
    for group_id, user_id in db.session.execute(
        select(GroupMember.group_id, GroupMember.user_id)
        .where(GroupMember.group_id.in_(sorted(accessible)), GroupMember.left_at.is_(None))
        .order_by(GroupMember.group_id)
    ):
        shared.setdefault(user_id, []).append(group_id)
    statement = select(ProfileChange.id, ProfileChange.user_id).where(
        in_window(ProfileChange, cursor.since, cursor.until),
        ProfileChange.user_id.in_(sorted(shared)),
    )

    def keys(row: Any) -> list[Key]:
        (user_id,) = row
        groups = shared.get(user_id, [])
        return [
            key
            for group_id in groups
            for key in (Key("member", user_id, group_id), Key("group", group_id, group_id))
        ]

    return _read_log(statement, ProfileChange.id, page, cursor, keys)


def _read_log(statement: Any, id_column: Any, page: Page, cursor: Any, keys: Any) -> bool:
    """Read log rows after the cursor's position, in id order, into the page.

    The position is [the last row read whole, how many keys of the next one were sent]: a
    row may change two objects, and a page of one has room for one.
    """
    after, sent = (*cursor.position, 0, 0)[:2]
    batch = max(page.limit, 100)
    while True:
        rows = db.session.execute(
            statement.where(id_column > after).order_by(id_column).limit(batch)
        ).all()
        for row_id, *rest in rows:
            for index, key in enumerate(keys(rest)[sent:], start=sent):
                if not page.add(key):
                    cursor.position = [after, index]
                    return False
            after, sent = row_id, 0
        if len(rows) < batch:
            return True


# --------------------------------------------------------------------------- the call


def changes(user: User, cursor_text: str | None, limit: int) -> dict[str, Any]:
    """One page of the caller's changes since `cursor_text` (None: from the beginning)."""
    cursor = cursors.decode(cursor_text, user.id) if cursor_text else cursors.Cursor(user.id)
    if cursor.stage == "done" or cursor.until is None:
        cursor = cursors.Cursor(user.id, cursor.since, Horizon.now(), "full", [])
    accessible = set(db.session.scalars(access.my_group_ids(user)))
    page = Page(limit)
    whole = whole_of(user, cursor, accessible)
    finished = False
    if cursor.stage == "full" and run_full(user, cursor, page, whole):
        cursor.stage, cursor.position = ("log", []) if cursor.since else ("done", [])
    if cursor.stage == "log" and _run_log(user, cursor, page, accessible):
        cursor.stage, cursor.position = "personal", []
    if cursor.stage == "personal" and _run_personal(user, cursor, page):
        cursor.stage, cursor.position = "names", []
    if cursor.stage == "names" and _run_names(user, cursor, page, accessible):
        cursor.stage, cursor.position = "done", []
    if cursor.stage == "done":
        finished = True
        cursor = cursors.Cursor(user.id, since=cursor.until, stage="done")
    found = documents.load(user, page.keys, accessible)
    return {
        "changes": [documents.change(key, found) for key in page.keys],
        "cursor": cursors.encode(cursor),
        "has_more": not finished,
    }
