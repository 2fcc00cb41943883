"""Pure: who is notified of an activity entry, from its kind and its snapshots.

A user is notified of a change someone else made (the caller removes the actor) that
concerns them:

- `expense.*`: the expense's payers and split members, before and after the change (so
  someone taken out of an expense hears of it); `comment.created`: the people of the
  expense commented on (passed as `concerned`);
- `settlement.*`: its sender and its receiver;
- `split.paid` / `split.unpaid`: the member whose share it is (the split whose flag the
  change turned);
- `member.removed`, `member.role_changed`: that member;
- `merge.requested`: the receiving account of the request (the owners, when the receiving
  account asked, are passed as `concerned`); `merge.declined`: both sides of the request;
- `member.joined`, `member.left`: the group's owners (passed as `concerned`).

Every other kind notifies nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Snapshot = Mapping[str, Any] | None

EXPENSE_KINDS = frozenset(
    {"expense.created", "expense.updated", "expense.deleted", "expense.restored"}
)
SETTLEMENT_KINDS = frozenset(
    {"settlement.created", "settlement.updated", "settlement.deleted", "settlement.restored"}
)
MEMBER_KINDS = frozenset({"member.removed", "member.role_changed"})
SPLIT_KINDS = frozenset({"split.paid", "split.unpaid"})
MERGE_KINDS = frozenset({"merge.requested", "merge.declined"})


def people_of_expense(expense: Snapshot) -> set[int]:
    """The payers and split members an expense snapshot names."""
    if not expense:
        return set()
    return {payer["user_id"] for payer in expense["payers"]} | {
        split["user_id"] for split in expense["splits"]
    }


def _turned_shares(before: Snapshot, after: Snapshot) -> set[int]:
    """The members whose split changed its paid flag between the two snapshots."""
    if not before or not after:
        return set()
    was = {split["user_id"]: split["is_paid"] for split in before["splits"]}
    return {
        split["user_id"]
        for split in after["splits"]
        if was.get(split["user_id"]) != split["is_paid"]
    }


def recipients(
    kind: str, before: Snapshot, after: Snapshot, concerned: Iterable[int] = ()
) -> set[int]:
    """Everyone the change concerns, the actor possibly included."""
    people = set(concerned)
    if kind in EXPENSE_KINDS:
        people |= people_of_expense(before) | people_of_expense(after)
    elif kind in SETTLEMENT_KINDS:
        for snapshot in (before, after):
            if snapshot:
                people |= {snapshot["from_user"], snapshot["to_user"]}
    elif kind in SPLIT_KINDS:
        people |= _turned_shares(before, after)
    elif kind in MERGE_KINDS:
        request = after if kind == "merge.requested" else before
        if request:
            people.add(request["user_id"])
            if kind == "merge.declined":
                people.add(request["requested_by"])
    elif kind in MEMBER_KINDS:
        for snapshot in (before, after):
            if snapshot:
                people.add(snapshot["user_id"])
    return people
