"""Who may do what, for every route with an id, generated from the app's URL map.

Four callers try every method of every such route, each with a valid body, so that what
answers is the authorisation and nothing else:

- `stranger`: signed in, not a member, on an invite-only group (which, for them, does
  not exist) and on another user's personal expense;
- `outsider`: not a member of an open group, whose public view anyone may see;
- `former`: left the invite-only group (its history keeps them, its doors do not);
- `member`: a plain member (not an owner, not the creator or payer of anything seeded).

Each group has an owner, the member, the former member, a shared expense the owner paid
(split between owner and member) and a settlement from the member to the owner. Path
ids: `group_id` the caller's group, `expense_id` its expense (a personal expense of the
owner under /expenses/; a deleted one for restore), `settlement_id` its settlement (a
deleted one for restore), `comment_id` the owner's comment on the expense, `series_id` and
`guest_id` a series and a guest the owner made, `merge_id` the owner's request to merge
another guest into the member, `user_id` the owner; `invite_code` the group's current
invite code (the code itself is the right to look the group up).

A route (or a method) without an entry in ENTRIES fails `test_every_route_has_an_entry`,
which prints the line to add. The statuses are the contract's: 404 for what the caller may
not see, 403 for what they may see but not change.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from expense_tracker import create_app
from tests.factories import Account, create_account, join, new_group
from tests.problems import GENERIC_KIND, assert_problem

ROLES = ("stranger", "outsider", "former", "member")


@dataclass(frozen=True)
class Entry:
    """The status each caller gets, and the (valid) body the request sends."""

    stranger: int
    outsider: int
    former: int
    member: int
    body: dict[str, Any] | None = field(default=None, hash=False)
    # A multipart upload of a small PDF as `file` instead of a JSON body (receipts).
    upload: bool = False

    def expected(self) -> dict[str, int]:
        return {role: getattr(self, role) for role in ROLES}


def hidden(member: int, *, outsider: int = 404, body: dict[str, Any] | None = None) -> Entry:
    """What only members may see: 404 for everyone else (outsiders too, unless given)."""
    return Entry(stranger=404, outsider=outsider, former=404, member=member, body=body)


# In a body, stands for the owner's user id.
OWNER = "<owner id>"

NOBODYS = Entry(stranger=404, outsider=404, former=404, member=404)  # the owner's own

GROUP = "/groups/<int:group_id>"
GROUP_EXPENSE = f"{GROUP}/expenses/<int:expense_id>"
SETTLEMENT = f"{GROUP}/settlements/<int:settlement_id>"
MEMBER = f"{GROUP}/members/<int:user_id>"
COMMENT = f"{GROUP_EXPENSE}/comments/<int:comment_id>"
GROUP_SERIES = f"{GROUP}/recurring-expenses/<int:series_id>"
RECEIPTS = f"{GROUP_EXPENSE}/receipts"
RECEIPT = f"{RECEIPTS}/<int:receipt_id>"
PERSONAL_RECEIPTS = "/expenses/<int:expense_id>/receipts"
PERSONAL_RECEIPT = f"{PERSONAL_RECEIPTS}/<int:receipt_id>"
PDF = b"%PDF-1.4\n%%EOF\n"
PERSONAL_SERIES = "/recurring-expenses/<int:series_id>"
# A series starting next month: creating it creates no expense yet.
NEXT_MONTH = (date.today() + timedelta(days=31)).isoformat()
SERIES_RULE = {"frequency": "monthly", "start_date": NEXT_MONTH}

# (method, rule) -> what each caller gets. A new route needs its lines here.
ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", "/expenses/<int:expense_id>"): NOBODYS,
    ("PATCH", "/expenses/<int:expense_id>"): Entry(404, 404, 404, 404, {"amount": "1.00"}),
    ("DELETE", "/expenses/<int:expense_id>"): NOBODYS,
    ("GET", GROUP): hidden(200, outsider=200),  # the public view of an open group
    ("PATCH", GROUP): hidden(403, outsider=403, body={"name": "Renamed"}),
    ("DELETE", GROUP): hidden(403, outsider=403),
    ("GET", f"{GROUP}/balances"): hidden(200),
    ("GET", f"{GROUP}/settle-up"): hidden(200),
    ("GET", f"{GROUP}/expenses/"): hidden(200),
    ("POST", f"{GROUP}/expenses/"): hidden(
        201, body={"description": "Taxi", "amount": "8.00", "split_type": "equal"}
    ),
    ("GET", GROUP_EXPENSE): hidden(200),
    ("PATCH", GROUP_EXPENSE): hidden(403, body={"description": "Edited"}),
    ("DELETE", GROUP_EXPENSE): hidden(403),
    # The owner's share: neither theirs nor paid to them.
    ("PATCH", f"{GROUP_EXPENSE}/splits/<int:user_id>"): hidden(403, body={"is_paid": True}),
    ("GET", f"{GROUP}/settlements"): hidden(200),
    ("POST", f"{GROUP}/settlements"): hidden(201, body={"to_user": OWNER, "amount": "1.00"}),
    ("GET", SETTLEMENT): hidden(200),
    ("DELETE", SETTLEMENT): hidden(403),
    ("GET", f"{GROUP}/members"): hidden(200),
    ("GET", MEMBER): hidden(200),
    ("PATCH", MEMBER): hidden(403, body={"role": "member"}),
    ("DELETE", MEMBER): hidden(403),  # the owner: a member cannot remove them
    ("POST", f"{GROUP}/invite-code"): hidden(403, outsider=403),
    # Joining: an open group admits the outsider; an invite-only one exists for no one
    # without its code; a member is one already.
    ("POST", f"{GROUP}/join"): Entry(404, 201, 404, 409, {}),
    # Series: any member may create one; its creator (the owner here) or an owner changes it.
    ("GET", f"{GROUP}/recurring-expenses/"): hidden(200),
    ("POST", f"{GROUP}/recurring-expenses/"): hidden(
        201,
        body={
            "template": {"description": "Rent", "amount": "9.00", "split_type": "equal"},
            "rule": SERIES_RULE,
        },
    ),
    ("GET", GROUP_SERIES): hidden(200),
    ("PATCH", GROUP_SERIES): hidden(403, body={"template": {"description": "Edited"}}),
    ("DELETE", GROUP_SERIES): hidden(403),
    ("GET", PERSONAL_SERIES): NOBODYS,
    ("PATCH", PERSONAL_SERIES): Entry(404, 404, 404, 404, {"template": {"amount": "2.00"}}),
    ("DELETE", PERSONAL_SERIES): NOBODYS,
    # Guests: any member adds one; merging needs the receiving account's and an owner's
    # yes, so a plain member cannot merge one into the owner. The seeded request (the
    # owner's, into the member) waits for the member: they accept or decline it.
    ("POST", f"{GROUP}/guests"): hidden(201, body={"full_name": "A guest"}),
    ("POST", f"{GROUP}/guests/<int:guest_id>/merge"): hidden(403, body={"user_id": OWNER}),
    ("GET", f"{GROUP}/guest-merges"): hidden(200),
    ("POST", f"{GROUP}/guest-merges/<int:merge_id>/accept"): hidden(200),
    ("POST", f"{GROUP}/guest-merges/<int:merge_id>/decline"): hidden(204),
    # History. Restores name the group's deleted expense and settlement (the owner's).
    ("GET", f"{GROUP}/activity"): hidden(200),
    ("POST", f"{GROUP_EXPENSE}/restore"): hidden(403),
    ("POST", f"{SETTLEMENT}/restore"): hidden(403),
    ("POST", f"{GROUP}/restore"): NOBODYS,  # not deleted: nothing to restore, for anyone
    # Receipts: who may read the expense reads them; who may edit it (the owner paid and
    # created it) attaches; the uploader (the owner) or an owner deletes.
    ("GET", RECEIPTS): hidden(200),
    ("POST", RECEIPTS): Entry(404, 404, 404, 403, upload=True),
    ("GET", RECEIPT): hidden(200),
    ("DELETE", RECEIPT): hidden(403),
    ("GET", PERSONAL_RECEIPTS): NOBODYS,
    ("POST", PERSONAL_RECEIPTS): Entry(404, 404, 404, 404, upload=True),
    ("GET", PERSONAL_RECEIPT): NOBODYS,
    ("DELETE", PERSONAL_RECEIPT): NOBODYS,
    ("GET", f"{GROUP_EXPENSE}/comments"): hidden(200),
    ("POST", f"{GROUP_EXPENSE}/comments"): hidden(201, body={"body": "Thanks!"}),
    ("GET", COMMENT): hidden(200),
    ("DELETE", COMMENT): hidden(403),  # the owner's comment
    # Whoever holds a group's current code may see which group it is, as they may join it
    # (a wrong or replaced code is 404 for everyone: tests/groups/test_invitations.py).
    ("GET", "/groups/invites/<invite_code>"): Entry(200, 200, 200, 200),
}

# Routes keyed by a secret rather than an id, which the matrix covers too.
SECRET_KEYED_RULES = frozenset({"/groups/invites/<invite_code>"})


def id_routes(app: Flask) -> set[tuple[str, str]]:
    """Every (method, rule) of the app whose path holds an integer id (or a secret key)."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule in SECRET_KEYED_RULES
        or any(isinstance(converter, IntegerConverter) for converter in rule._converters.values())
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }


ROUTES = sorted(id_routes(create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})))


def entry_template(method: str, rule: str) -> str:
    return (
        f'    ("{method}", "{rule}"): Entry(stranger=..., outsider=..., former=..., '
        f"member=..., body={{...}}),"
    )


def test_every_route_has_an_entry() -> None:
    missing = [route for route in ROUTES if route not in ENTRIES]
    stale = [route for route in ENTRIES if route not in ROUTES]
    assert not missing, (
        "Routes with an id that the authorisation matrix does not cover. Add to ENTRIES in "
        "tests/http/test_authorisation_matrix.py what the contract says each caller gets "
        "(404 where they may not see it, 403 where they see it but may not change it), "
        "with a valid body:\n" + "\n".join(entry_template(*route) for route in missing)
    )
    assert not stale, f"ENTRIES names routes the app no longer has: {stale}"


@dataclass
class World:
    owner: Account
    callers: dict[str, Account]
    # Per role: the path ids (and the invite code) its requests use.
    ids: dict[str, dict[str, Any]]


def furnished_group(
    app: Flask, owner: Account, member: Account, former: Account, **fields: Any
) -> dict[str, Any]:
    """A group with the member, a former member, an expense and a settlement: its ids."""
    client = app.test_client()
    group = new_group(client, owner, **fields)
    join(client, group, member, former)
    left = client.delete(f"/groups/{group['id']}/members/{former.id}", headers=former.headers)
    assert left.status_code == 204, left.get_json()
    expense = client.post(
        f"/groups/{group['id']}/expenses/",
        json={"description": "Dinner", "amount": "30.00", "split_type": "equal"},
        headers=owner.headers,
    )
    assert expense.status_code == 201, expense.get_json()
    settlement = client.post(
        f"/groups/{group['id']}/settlements",
        json={"from_user": member.id, "to_user": owner.id, "amount": "5.00"},
        headers=owner.headers,
    )
    assert settlement.status_code == 201, settlement.get_json()
    series = client.post(
        f"/groups/{group['id']}/recurring-expenses/",
        json={
            "template": {"description": "Rent", "amount": "90.00", "split_type": "equal"},
            "rule": SERIES_RULE,
        },
        headers=owner.headers,
    )
    assert series.status_code == 201, series.get_json()
    comment = client.post(
        f"/groups/{group['id']}/expenses/{expense.get_json()['id']}/comments",
        json={"body": "Paid with my card"},
        headers=owner.headers,
    )
    assert comment.status_code == 201, comment.get_json()
    deleted = {}
    for kind, body in (
        ("expenses/", {"description": "Gone", "amount": "4.00", "split_type": "equal"}),
        ("settlements", {"from_user": member.id, "to_user": owner.id, "amount": "1.00"}),
    ):
        made = client.post(f"/groups/{group['id']}/{kind}", json=body, headers=owner.headers)
        assert made.status_code == 201, made.get_json()
        gone = client.delete(
            f"/groups/{group['id']}/{kind.rstrip('/')}/{made.get_json()['id']}",
            headers=owner.headers,
        )
        assert gone.status_code == 204, gone.get_json()
        deleted[kind] = made.get_json()["id"]
    guest = client.post(
        f"/groups/{group['id']}/guests", json={"full_name": "Guest"}, headers=owner.headers
    )
    assert guest.status_code == 201, guest.get_json()
    other_guest = client.post(
        f"/groups/{group['id']}/guests", json={"full_name": "Other guest"}, headers=owner.headers
    )
    assert other_guest.status_code == 201, other_guest.get_json()
    request = client.post(
        f"/groups/{group['id']}/guests/{other_guest.get_json()['user_id']}/merge",
        json={"user_id": member.id},
        headers=owner.headers,
    )
    assert request.status_code == 202, request.get_json()
    receipt = client.post(
        f"/groups/{group['id']}/expenses/{expense.get_json()['id']}/receipts",
        data={"file": (io.BytesIO(PDF), "receipt.pdf")},
        headers=owner.headers,
        content_type="multipart/form-data",
    )
    assert receipt.status_code == 201, receipt.get_json()
    return {
        "group_id": group["id"],
        "expense_id": expense.get_json()["id"],
        "settlement_id": settlement.get_json()["id"],
        "series_id": series.get_json()["id"],
        "guest_id": guest.get_json()["user_id"],
        "comment_id": comment.get_json()["id"],
        "merge_id": request.get_json()["id"],
        "receipt_id": receipt.get_json()["id"],
        "deleted_expense_id": deleted["expenses/"],
        "deleted_settlement_id": deleted["settlements"],
        "user_id": owner.id,
        "invite_code": client.get(f"/groups/{group['id']}", headers=owner.headers).get_json()[
            "invite_code"
        ],
    }


@pytest.fixture
def world(app: Flask) -> World:
    owner, member, former, outsider, stranger = (create_account(app) for _ in range(5))
    open_group = furnished_group(app, owner, member, former, join_policy="open")
    invite_only = furnished_group(app, owner, member, former)
    personal = app.test_client().post(
        "/expenses/",
        json={"amount": "12.50", "category": "Food", "payment_method": "cash"},
        headers=owner.headers,
    )
    assert personal.status_code == 201
    personal_series = app.test_client().post(
        "/recurring-expenses/",
        json={
            "template": {"amount": "1.00", "category": "Food", "payment_method": "cash"},
            "rule": SERIES_RULE,
        },
        headers=owner.headers,
    )
    assert personal_series.status_code == 201, personal_series.get_json()
    personal_receipt = app.test_client().post(
        f"/expenses/{personal.get_json()['id']}/receipts",
        data={"file": (io.BytesIO(PDF), "receipt.pdf")},
        headers=owner.headers,
        content_type="multipart/form-data",
    )
    assert personal_receipt.status_code == 201, personal_receipt.get_json()
    groups = {"stranger": invite_only, "outsider": open_group, "former": invite_only}
    groups["member"] = open_group
    return World(
        owner,
        {"stranger": stranger, "outsider": outsider, "former": former, "member": member},
        {
            role: {
                **ids,
                "personal_id": personal.get_json()["id"],
                "personal_series_id": personal_series.get_json()["id"],
                "personal_receipt_id": personal_receipt.get_json()["id"],
            }
            for role, ids in groups.items()
        },
    )


def path_for(rule: str, ids: dict[str, Any]) -> str:
    path = rule.replace("<invite_code>", ids["invite_code"])
    if rule.startswith("/expenses/"):
        path = path.replace("<int:receipt_id>", str(ids["personal_receipt_id"]))
        return path.replace("<int:expense_id>", str(ids["personal_id"]))
    if rule.startswith("/recurring-expenses/"):
        return path.replace("<int:series_id>", str(ids["personal_series_id"]))
    if rule.endswith("/restore"):  # the deleted ones
        path = path.replace("<int:expense_id>", str(ids["deleted_expense_id"]))
        path = path.replace("<int:settlement_id>", str(ids["deleted_settlement_id"]))
    for name, value in ids.items():
        path = path.replace(f"<int:{name}>", str(value))
    assert "<" not in path, f"no id for {rule}"
    return path


def body_for(entry: Entry, world: World) -> dict[str, Any] | None:
    if entry.body is None:
        return None
    return {name: world.owner.id if value == OWNER else value for name, value in entry.body.items()}


@pytest.mark.parametrize(("method", "rule"), sorted(ENTRIES))
def test_each_caller_gets_what_the_contract_says(
    app: Flask, world: World, method: str, rule: str
) -> None:
    entry = ENTRIES[(method, rule)]
    got: dict[str, Any] = {}
    for role in ROLES:
        caller = world.callers[role]
        if entry.upload:
            sent: dict[str, Any] = {
                "data": {"file": (io.BytesIO(PDF), "receipt.pdf")},
                "content_type": "multipart/form-data",
            }
        else:
            sent = {"json": body_for(entry, world)}
        response = app.test_client().open(
            path_for(rule, world.ids[role]), method=method, headers=caller.headers, **sent
        )
        got[role] = response.status_code
        if response.status_code >= 400:
            assert_problem(response, response.status_code, GENERIC_KIND[response.status_code])
    assert got == entry.expected(), f"{method} {rule}"
