"""The adversary's view of every write that moves money in a group.

The authorisation matrix (tests/http) shows that strangers, outsiders and former members
get 404 everywhere. These tests are about the people who CAN see the group: a plain
member trying to move money they have no right to move, an owner at the limits of an
owner's rights, and ids or members borrowed from another group. Each test is a table of
requests and the status each must get. Every refused request is followed by a look, over
HTTP, at everything money-related the group shows (the group and its members, balances,
settle-up, the expenses and settlements, live and deleted): it must be exactly as before.
The allowed rows come last in their tables, to show that the look notices a change when
one happens.

The cast (`cast` fixture), in group A:
- `owner` created it; `co_owner` was made an owner by them;
- `creator` recorded the expense (paid by `payer`, split equally among owner, creator,
  payer and member), the settlement `creator` -> `payer`, and a deleted expense and a
  deleted settlement of the same kind;
- `member` is a plain member: in the expense's split, and nothing else;
- `former` shared an expense with the owner, paid their part by a settlement and left;
  an expense and a settlement with them were deleted before they left.
`outsider` owns group B, where `owner` is a plain member; B has its own expense and
settlement, live and deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import Account, add_expense, join, new_group
from tests.problems import GENERIC_KIND, assert_problem

UNKNOWN_USER = 987654321
# The Idempotency-Key under which the former member recorded their settlement.
FORMER_KEY = "before-leaving"


@dataclass
class Cast:
    group: int
    other_group: int
    people: dict[str, Account]
    # Ids of the expenses and settlements, by name (see the module docstring).
    ids: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, role: str) -> Account:
        return self.people[role]

    def resolve(self, value: Any) -> Any:
        """A body or path value with each "@role" replaced by that person's user id."""
        if isinstance(value, str) and value.startswith("@"):
            role = value[1:]
            return UNKNOWN_USER if role == "unknown" else self.people[role].id
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value


def _post(
    client: FlaskClient, url: str, account: Account, body: dict[str, Any], key: str = ""
) -> Any:
    headers = {**account.headers, **({"Idempotency-Key": key} if key else {})}
    response = client.post(url, json=body, headers=headers)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def _delete(client: FlaskClient, url: str, account: Account) -> None:
    response = client.delete(url, headers=account.headers)
    assert response.status_code == 204, response.get_json()


@pytest.fixture
def cast(client: FlaskClient, make_user: Callable[..., Account]) -> Cast:
    roles = ("owner", "co_owner", "creator", "payer", "member", "former", "outsider")
    people = {role: make_user() for role in roles}
    owner, creator, payer, member, former = (
        people[role] for role in ("owner", "creator", "payer", "member", "former")
    )
    group = new_group(client, owner)
    gid = group["id"]
    join(client, group, people["co_owner"], creator, payer, member, former)
    promoted = client.patch(
        f"/groups/{gid}/members/{people['co_owner'].id}",
        json={"role": "owner"},
        headers=owner.headers,
    )
    assert promoted.status_code == 200
    cast = Cast(gid, 0, people)
    expenses, settlements = f"/groups/{gid}/expenses", f"/groups/{gid}/settlements"

    # The former member's history: an expense with the owner, settled, and two deleted rows.
    cast.ids["former_expense"] = add_expense(
        client, gid, owner, amount="10.00", participants=[owner.id, former.id]
    )["id"]
    cast.ids["former_settlement"] = _post(
        client, settlements, former, {"to_user": owner.id, "amount": "5.00"}, FORMER_KEY
    )["id"]
    cast.ids["former_deleted_expense"] = add_expense(
        client, gid, owner, amount="4.00", participants=[owner.id, former.id]
    )["id"]
    _delete(client, f"{expenses}/{cast.ids['former_deleted_expense']}", owner)
    cast.ids["former_deleted_settlement"] = _post(
        client, settlements, owner, {"to_user": former.id, "amount": "2.00"}
    )["id"]
    _delete(client, f"{settlements}/{cast.ids['former_deleted_settlement']}", owner)
    _delete(client, f"/groups/{gid}/members/{former.id}", former)

    everyone = [owner.id, creator.id, payer.id, member.id]
    cast.ids["expense"] = add_expense(
        client, gid, creator, amount="40.00", paid_by=payer.id, participants=everyone
    )["id"]
    cast.ids["settlement"] = _post(
        client, settlements, creator, {"to_user": payer.id, "amount": "10.00"}
    )["id"]
    cast.ids["deleted_expense"] = add_expense(
        client, gid, creator, amount="8.00", paid_by=payer.id, participants=[creator.id, member.id]
    )["id"]
    _delete(client, f"{expenses}/{cast.ids['deleted_expense']}", owner)
    cast.ids["deleted_settlement"] = _post(
        client, settlements, creator, {"to_user": payer.id, "amount": "3.00"}
    )["id"]
    _delete(client, f"{settlements}/{cast.ids['deleted_settlement']}", owner)

    # Group B: the outsider's, with the owner of A as a plain member.
    other = new_group(client, people["outsider"], name="Other")
    cast.other_group = bid = other["id"]
    join(client, other, owner)
    outsider = people["outsider"]
    cast.ids["other_expense"] = add_expense(client, bid, outsider, amount="6.00")["id"]
    cast.ids["other_deleted_expense"] = add_expense(client, bid, outsider, amount="2.00")["id"]
    _delete(client, f"/groups/{bid}/expenses/{cast.ids['other_deleted_expense']}", outsider)
    other_settlements = f"/groups/{bid}/settlements"
    cast.ids["other_settlement"] = _post(
        client, other_settlements, owner, {"to_user": outsider.id, "amount": "1.00"}
    )["id"]
    cast.ids["other_deleted_settlement"] = _post(
        client, other_settlements, owner, {"to_user": outsider.id, "amount": "1.50"}
    )["id"]
    _delete(client, f"{other_settlements}/{cast.ids['other_deleted_settlement']}", outsider)
    return cast


MONEY_VIEWS = (
    "",  # the group itself: its currency, its members
    "/balances",
    "/settle-up",
    "/expenses/",
    "/expenses/?deleted=only",
    "/settlements",
    "/settlements?deleted=only",
)


def _money(client: FlaskClient, group_id: int, viewer: Account) -> dict[str, Any]:
    """Everything money-related a member sees of the group, read over HTTP."""
    state = {}
    for view in MONEY_VIEWS:
        response = client.get(f"/groups/{group_id}{view}", headers=viewer.headers)
        assert response.status_code == 200, (view, response.get_json())
        state[view] = response.get_json()
    return state


@dataclass(frozen=True)
class Try:
    """One request of a table and the status it must get. `path` names ids as
    "{expense}", "{member_id}" ("{a}" and "{b}" are the groups); `body` names people as
    "@role". A refusal must name `field` among its errors, when given."""

    expected: int
    method: str
    path: str
    actor: str
    body: dict[str, Any] | None = None
    field: str | None = None
    headers: dict[str, str] | None = None


def _send(client: FlaskClient, cast: Cast, attempt: Try) -> Any:
    people = {f"{role}_id": cast.resolve("@" + role) for role in (*cast.people, "unknown")}
    url = attempt.path.format(a=cast.group, b=cast.other_group, **cast.ids, **people)
    return client.open(
        url,
        method=attempt.method,
        json=None if attempt.body is None else cast.resolve(attempt.body),
        headers={**cast[attempt.actor].headers, **(attempt.headers or {})},
    )


def _run(
    client: FlaskClient, cast: Cast, attempts: list[Try], *, both_groups: bool = False
) -> list[Any]:
    """Send the attempts in order; each refusal must leave the group (and group B, with
    `both_groups`) exactly as it was, each success must show in it. The responses.

    A refusal changes nothing, so the refused rows of a table share one cast: each starts
    from the state the cast was built in, and the check after it proves that it does."""
    groups = (cast.group, cast.other_group) if both_groups else (cast.group,)
    viewer = cast["owner"]  # a member of both groups

    def state() -> list[dict[str, Any]]:
        return [_money(client, group_id, viewer) for group_id in groups]

    before, responses = state(), []
    for attempt in attempts:
        response = _send(client, cast, attempt)
        after = state()
        if attempt.expected >= 400:
            assert_problem(response, attempt.expected, GENERIC_KIND[attempt.expected])
        else:
            assert response.status_code == attempt.expected, (attempt, response.get_json())
        if attempt.expected >= 400:
            assert after == before, attempt
            if attempt.field is not None:
                assert attempt.field in response.get_json()["errors"], (attempt, response.json)
        else:
            assert after[0] != before[0], attempt
            before = after
        responses.append(response)
    return responses


# --------------------------------------------------------------------------- expenses

EXPENSE = "/groups/{a}/expenses/{expense}"
DELETED_EXPENSE = "/groups/{a}/expenses/{deleted_expense}"
RESTORE_EXPENSE = DELETED_EXPENSE + "/restore"
SPLIT = "/groups/{a}/expenses/{expense}/splits/{%s_id}"


def test_only_the_creator_a_payer_or_an_owner_may_change_delete_or_restore_an_expense(
    client: FlaskClient, cast: Cast
) -> None:
    _run(
        client,
        cast,
        [
            Try(403, "PATCH", EXPENSE, "member", {"amount": "80.00"}),
            Try(403, "DELETE", EXPENSE, "member"),
            Try(403, "POST", RESTORE_EXPENSE, "member"),
            # A deleted expense takes no edit, no mark and no second delete; a live one
            # is not restored.
            Try(404, "PATCH", DELETED_EXPENSE, "creator", {"amount": "80.00"}),
            Try(404, "PATCH", DELETED_EXPENSE + "/splits/{member_id}", "payer", {"is_paid": True}),
            Try(404, "DELETE", DELETED_EXPENSE, "owner"),
            Try(404, "POST", EXPENSE + "/restore", "owner"),
            Try(200, "PATCH", EXPENSE, "creator", {"amount": "80.00"}),
            Try(200, "PATCH", EXPENSE, "payer", {"amount": "60.00"}),
            Try(200, "PATCH", EXPENSE, "co_owner", {"amount": "50.00"}),
            Try(200, "POST", RESTORE_EXPENSE, "payer"),
            Try(204, "DELETE", DELETED_EXPENSE, "creator"),
            Try(204, "DELETE", EXPENSE, "payer"),
            Try(200, "POST", "/groups/{a}/expenses/{expense}/restore", "owner"),
        ],
    )


def test_a_plain_member_cannot_rewrite_an_expense_they_share_in(
    client: FlaskClient, cast: Cast
) -> None:
    payers = [{"user_id": "@payer", "amount": "20.00"}, {"user_id": "@member", "amount": "20.00"}]
    my_share_onto_others = [
        {"user_id": "@owner", "amount": "20.00"},
        {"user_id": "@creator", "amount": "10.00"},
        {"user_id": "@payer", "amount": "10.00"},
    ]
    bodies: list[dict[str, Any]] = [
        {"amount": "4.00"},
        {"participants": ["@owner", "@creator", "@payer"]},
        {"paid_by": "@member"},
        {"payers": payers},
        {"split_type": "exact", "splits": my_share_onto_others},
        {"description": "Harmless?"},
    ]
    _run(client, cast, [Try(403, "PATCH", EXPENSE, "member", body) for body in bodies])


def test_who_may_mark_a_share_paid_or_unpaid(client: FlaskClient, cast: Cast) -> None:
    # The creator's share starts marked paid (by the creator), so that unmarking is tested.
    marked = _send(client, cast, Try(200, "PATCH", SPLIT % "creator", "creator", {"is_paid": True}))
    assert marked.status_code == 200
    paid, unpaid = {"is_paid": True}, {"is_paid": False}
    _run(
        client,
        cast,
        [
            Try(403, "PATCH", SPLIT % "owner", "member", paid),  # someone else's share
            Try(403, "PATCH", SPLIT % "member", "creator", paid),  # the creator is no payer
            Try(403, "PATCH", SPLIT % "member", "owner", paid),  # nor is an owner, as such
            Try(403, "PATCH", SPLIT % "member", "co_owner", paid),
            Try(403, "PATCH", SPLIT % "creator", "member", unpaid),  # someone else's mark
            Try(403, "PATCH", SPLIT % "creator", "owner", unpaid),
            Try(422, "PATCH", SPLIT % "payer", "payer", paid, "is_paid"),  # the only payer
            Try(404, "PATCH", SPLIT % "outsider", "payer", paid),  # group B's, not here
            Try(404, "PATCH", SPLIT % "former", "payer", paid),
            Try(404, "PATCH", SPLIT % "unknown", "payer", paid),
            Try(200, "PATCH", SPLIT % "member", "member", paid),  # their own share
            Try(200, "PATCH", SPLIT % "member", "payer", unpaid),  # a share of what they paid
            Try(200, "PATCH", SPLIT % "creator", "payer", unpaid),
            Try(200, "PATCH", SPLIT % "creator", "creator", paid),
        ],
    )


def test_a_payer_may_edit_but_not_a_share_marked_paid(client: FlaskClient, cast: Cast) -> None:
    marked = _send(client, cast, Try(200, "PATCH", SPLIT % "member", "member", {"is_paid": True}))
    assert marked.status_code == 200
    whom_it_paid = [
        {"user_id": "@payer", "amount": "30.00"},
        {"user_id": "@owner", "amount": "10.00"},
    ]
    onto_the_paid_share = [
        {"user_id": "@owner", "amount": "5.00"},
        {"user_id": "@creator", "amount": "10.00"},
        {"user_id": "@payer", "amount": "10.00"},
        {"user_id": "@member", "amount": "15.00"},
    ]
    edits: list[tuple[int, dict[str, Any], str | None]] = [
        (409, {"amount": "80.00"}, None),
        (409, {"participants": ["@owner", "@creator", "@payer"]}, None),  # drop the share
        (409, {"paid_by": "@member"}, None),  # they would be the only payer
        (409, {"paid_by": "@creator"}, None),  # their payment, to someone else
        (409, {"payers": whom_it_paid}, None),
        (409, {"split_type": "exact", "splits": onto_the_paid_share}, None),
        (422, {"splits": [{"user_id": "@member", "is_paid": False}]}, "splits.0.is_paid"),
        (422, {"created_by": "@payer"}, "created_by"),
        (422, {"group_id": 1}, "group_id"),
    ]
    _run(
        client,
        cast,
        [Try(status, "PATCH", EXPENSE, "payer", body, name) for status, body, name in edits],
    )


def _expense(**body: Any) -> dict[str, Any]:
    return {"description": "Sneaky", "amount": "30.00", "split_type": "equal", **body}


EXPENSES = "/groups/{a}/expenses"
SETTLEMENTS = "/groups/{a}/settlements"
# Requests naming "@who", refused (422 at that field) whoever it stands for.
NAMING = [
    Try(422, "POST", EXPENSES, "member", _expense(paid_by="@who"), "paid_by"),
    Try(
        422,
        "POST",
        EXPENSES,
        "member",
        _expense(payers=[{"user_id": "@who", "amount": "30.00"}]),
        "payers.0.user_id",
    ),
    Try(
        422,
        "POST",
        EXPENSES,
        "member",
        _expense(participants=["@member", "@who"]),
        "participants.1",
    ),
    Try(
        422,
        "POST",
        EXPENSES,
        "member",
        _expense(
            split_type="exact",
            splits=[
                {"user_id": "@member", "amount": "10.00"},
                {"user_id": "@who", "amount": "20.00"},
            ],
        ),
        "splits.1.user_id",
    ),
    Try(422, "PATCH", EXPENSE, "payer", {"paid_by": "@who"}, "paid_by"),
    Try(422, "PATCH", EXPENSE, "owner", {"participants": ["@owner", "@who"]}, "participants.1"),
    Try(
        422,
        "PATCH",
        EXPENSE,
        "creator",
        {
            "payers": [
                {"user_id": "@payer", "amount": "30.00"},
                {"user_id": "@who", "amount": "10.00"},
            ]
        },
        "payers.1.user_id",
    ),
    Try(422, "POST", SETTLEMENTS, "member", {"to_user": "@who", "amount": "5.00"}, "to_user"),
    Try(
        422,
        "POST",
        SETTLEMENTS,
        "member",
        {"from_user": "@who", "to_user": "@member", "amount": "5.00"},
        "from_user",
    ),
    Try(
        422,
        "POST",
        SETTLEMENTS,
        "owner",
        {"from_user": "@who", "to_user": "@creator", "amount": "5.00"},
        "from_user",
    ),
]


def _naming(attempt: Try, role: str) -> Try:
    return Try(**{**attempt.__dict__, "body": _replace(attempt.body, "@who", role)})


def _replace(value: Any, old: str, new: str) -> Any:
    if value == old:
        return new
    if isinstance(value, dict):
        return {key: _replace(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, old, new) for item in value]
    return value


def test_nobody_can_name_a_non_member_in_payers_splits_or_settlements(
    client: FlaskClient, cast: Cast
) -> None:
    # A former member, a member of group B only, and an id nobody has.
    whos = ("@former", "@outsider", "@unknown")
    _run(client, cast, [_naming(attempt, who) for who in whos for attempt in NAMING])


def test_a_member_cannot_shift_money_by_the_numbers_of_a_new_expense(
    client: FlaskClient, cast: Cast
) -> None:
    def splits(kind: str, mine: str, theirs: str) -> dict[str, Any]:
        value = "amount" if kind == "exact" else kind
        entries = [{"user_id": "@member", value: mine}, {"user_id": "@creator", value: theirs}]
        return _expense(split_type=kind, splits=entries)

    bodies = [
        splits("exact", "-10.00", "40.00"),
        splits("adjustment", "-40.00", "0"),  # an adjustment that leaves a share below zero
        splits("percentage", "-50", "150"),
        splits("shares", "0", "1"),
        _expense(
            payers=[
                {"user_id": "@member", "amount": "40.00"},
                {"user_id": "@creator", "amount": "-10.00"},
            ]
        ),
        _expense(participants=["@member", "@creator", "@member"]),
        _expense(
            payers=[
                {"user_id": "@member", "amount": "15.00"},
                {"user_id": "@member", "amount": "15.00"},
            ]
        ),
        _expense(splits=[{"user_id": "@creator", "is_paid": True}]),  # born paid
        _expense(created_by="@creator"),  # in someone else's name
    ]
    _run(client, cast, [Try(422, "POST", EXPENSES, "member", body) for body in bodies])


FORMER_EXPENSE = "/groups/{a}/expenses/{former_expense}"


def test_even_an_owner_cannot_move_a_former_members_money(client: FlaskClient, cast: Cast) -> None:
    shares = [{"user_id": "@owner", "shares": "1"}, {"user_id": "@former", "shares": "2"}]
    _run(
        client,
        cast,
        [
            Try(409, "PATCH", FORMER_EXPENSE, "owner", {"amount": "12.00"}),
            Try(409, "PATCH", FORMER_EXPENSE, "owner", {"participants": ["@owner", "@member"]}),
            Try(409, "PATCH", FORMER_EXPENSE, "owner", {"split_type": "shares", "splits": shares}),
            Try(409, "DELETE", FORMER_EXPENSE, "owner"),
            Try(409, "POST", "/groups/{a}/expenses/{former_deleted_expense}/restore", "owner"),
            Try(409, "PATCH", FORMER_EXPENSE + "/splits/{former_id}", "owner", {"is_paid": True}),
            Try(409, "DELETE", "/groups/{a}/settlements/{former_settlement}", "owner"),
            Try(
                409, "POST", "/groups/{a}/settlements/{former_deleted_settlement}/restore", "owner"
            ),
        ],
    )


# --------------------------------------------------------------------------- settlements


def _settle(expected: int, actor: str, to_user: str, from_user: str | None = None) -> Try:
    body = {"to_user": to_user, "amount": "7.00"}
    if from_user is not None:
        body["from_user"] = from_user
    return Try(expected, "POST", SETTLEMENTS, actor, body)


def test_who_may_record_a_settlement(client: FlaskClient, cast: Cast) -> None:
    _run(
        client,
        cast,
        [
            _settle(403, "member", from_user="@creator", to_user="@payer"),  # two others
            _settle(403, "member", from_user="@creator", to_user="@owner"),
            _settle(403, "creator", from_user="@payer", to_user="@member"),
            _settle(403, "payer", from_user="@member", to_user="@creator"),
            _settle(422, "member", to_user="@member"),  # to themselves
            _settle(422, "co_owner", from_user="@member", to_user="@member"),
            _settle(201, "member", to_user="@creator"),  # "I paid you"
            # "You paid me" lowers the caller's own net: either party may record it.
            _settle(201, "member", from_user="@creator", to_user="@member"),
            _settle(201, "co_owner", from_user="@creator", to_user="@payer"),  # owners: any
        ],
    )


SETTLEMENT = "/groups/{a}/settlements/{settlement}"
RESTORE_SETTLEMENT = "/groups/{a}/settlements/{deleted_settlement}/restore"


def test_only_its_creator_or_an_owner_may_delete_or_restore_a_settlement(
    client: FlaskClient, cast: Cast
) -> None:
    _run(
        client,
        cast,
        [
            Try(403, "DELETE", SETTLEMENT, "member"),
            Try(403, "DELETE", SETTLEMENT, "payer"),  # its receiver, who would gain by it
            Try(403, "POST", RESTORE_SETTLEMENT, "member"),
            Try(403, "POST", RESTORE_SETTLEMENT, "payer"),
            Try(404, "DELETE", "/groups/{a}/settlements/{deleted_settlement}", "owner"),
            Try(404, "POST", SETTLEMENT + "/restore", "owner"),  # not deleted
            Try(200, "POST", RESTORE_SETTLEMENT, "creator"),
            Try(204, "DELETE", SETTLEMENT, "creator"),
            Try(200, "POST", "/groups/{a}/settlements/{settlement}/restore", "owner"),
            Try(204, "DELETE", SETTLEMENT, "co_owner"),
        ],
    )


# --------------------------------------------------------------------------- members

MEMBER = "/groups/{a}/members/{%s_id}"


def test_who_may_remove_a_member_or_change_a_role(client: FlaskClient, cast: Cast) -> None:
    owner, member = {"role": "owner"}, {"role": "member"}
    _run(
        client,
        cast,
        [
            Try(403, "DELETE", MEMBER % "creator", "member"),  # members remove nobody else
            Try(403, "DELETE", MEMBER % "owner", "member"),
            Try(403, "DELETE", MEMBER % "owner", "co_owner"),  # nor owners another owner
            Try(403, "DELETE", MEMBER % "co_owner", "owner"),
            Try(403, "PATCH", MEMBER % "member", "member", owner),  # no self-promotion
            Try(403, "PATCH", MEMBER % "creator", "member", owner),
            Try(403, "PATCH", MEMBER % "owner", "member", member),
            Try(403, "PATCH", MEMBER % "owner", "co_owner", member),  # nor demoting another
            Try(409, "DELETE", MEMBER % "member", "owner"),  # owes money in the expense
            Try(409, "DELETE", MEMBER % "member", "member"),  # cannot walk away from it either
            Try(404, "DELETE", MEMBER % "former", "owner"),
            Try(404, "PATCH", MEMBER % "former", "owner", owner),
            Try(404, "DELETE", MEMBER % "outsider", "owner"),  # a member of group B only
            Try(404, "PATCH", MEMBER % "outsider", "owner", owner),
            Try(200, "PATCH", MEMBER % "member", "owner", owner),
            Try(204, "DELETE", MEMBER % "creator", "co_owner"),  # settled: may be removed
        ],
    )


def test_nobody_can_delete_the_group_or_change_its_currency_under_its_money(
    client: FlaskClient, cast: Cast
) -> None:
    euros = {"currency": "EUR"}
    _run(
        client,
        cast,
        [
            Try(403, "DELETE", "/groups/{a}", "member"),
            Try(403, "PATCH", "/groups/{a}", "member", euros),
            Try(409, "DELETE", "/groups/{a}", "owner"),  # balances are not all zero
            Try(409, "PATCH", "/groups/{a}", "co_owner", euros),  # it has expenses
        ],
    )


# --------------------------------------------------------------------------- other groups


def test_ids_from_another_group_answer_404_even_to_an_owner(
    client: FlaskClient, cast: Cast
) -> None:
    paid = {"is_paid": True}
    attempts = [
        # Group B's ids under group A, sent by A's owner, who is a plain member of B.
        Try(404, "PATCH", "/groups/{a}/expenses/{other_expense}", "owner", {"amount": "1.00"}),
        Try(404, "DELETE", "/groups/{a}/expenses/{other_expense}", "owner"),
        Try(404, "POST", "/groups/{a}/expenses/{other_deleted_expense}/restore", "owner"),
        Try(404, "PATCH", "/groups/{a}/expenses/{other_expense}/splits/{owner_id}", "owner", paid),
        Try(404, "DELETE", "/groups/{a}/settlements/{other_settlement}", "owner"),
        Try(404, "POST", "/groups/{a}/settlements/{other_deleted_settlement}/restore", "owner"),
        # Group A's ids under group B, where the same person is a plain member.
        Try(404, "PATCH", "/groups/{b}/expenses/{expense}", "owner", {"amount": "1.00"}),
        Try(404, "DELETE", "/groups/{b}/expenses/{expense}", "owner"),
        Try(404, "POST", "/groups/{b}/expenses/{deleted_expense}/restore", "owner"),
        Try(404, "PATCH", "/groups/{b}/expenses/{expense}/splits/{member_id}", "owner", paid),
        Try(404, "DELETE", "/groups/{b}/settlements/{settlement}", "owner"),
        Try(404, "POST", "/groups/{b}/settlements/{deleted_settlement}/restore", "owner"),
        Try(404, "DELETE", "/groups/{b}/members/{member_id}", "outsider"),
        Try(404, "PATCH", "/groups/{b}/members/{member_id}", "outsider", {"role": "owner"}),
    ]
    _run(client, cast, attempts, both_groups=True)


# --------------------------------------------------------------------------- replays


def test_another_callers_idempotency_key_replays_nothing(client: FlaskClient, cast: Cast) -> None:
    settle = {"Idempotency-Key": "settle-them"}
    body = {"from_user": "@creator", "to_user": "@payer", "amount": "7.00"}
    restore = {"Idempotency-Key": "bring-it-back"}
    first, _, _, _, _ = _run(
        client,
        cast,
        [
            Try(201, "POST", SETTLEMENTS, "owner", body, headers=settle),
            # The same key and document from a plain member are their own request: refused.
            Try(403, "POST", SETTLEMENTS, "member", body, headers=settle),
            Try(200, "POST", RESTORE_EXPENSE, "creator", headers=restore),
            Try(204, "DELETE", DELETED_EXPENSE, "owner"),
            Try(403, "POST", RESTORE_EXPENSE, "member", headers=restore),
        ],
    )
    again = _send(client, cast, Try(201, "POST", SETTLEMENTS, "owner", body, headers=settle))
    assert (again.status_code, again.get_json()) == (201, first.get_json())


def test_a_former_members_replay_moves_nothing(client: FlaskClient, cast: Cast) -> None:
    # Their settlement (recorded under FORMER_KEY while a member), sent again after leaving.
    body = {"to_user": "@owner", "amount": "5.00"}
    key = {"Idempotency-Key": FORMER_KEY}
    before = _money(client, cast.group, cast["owner"])
    replay = _send(client, cast, Try(201, "POST", SETTLEMENTS, "former", body, headers=key))
    # The first answer, as the contract says of any replay: nothing they did not see then,
    # and nothing recorded again.
    assert replay.status_code == 201, replay.get_json()
    assert replay.get_json()["id"] == cast.ids["former_settlement"]
    assert _money(client, cast.group, cast["owner"]) == before


def test_if_match_grants_no_right_and_an_old_one_replays_nothing(
    client: FlaskClient, cast: Cast
) -> None:
    url = EXPENSE.format(a=cast.group, expense=cast.ids["expense"])
    old = client.get(url, headers=cast["member"].headers).headers["ETag"]
    [changed] = _run(
        client,
        cast,
        [Try(200, "PATCH", EXPENSE, "owner", {"amount": "80.00"}, headers={"If-Match": old})],
    )
    settlement = SETTLEMENT.format(a=cast.group, settlement=cast.ids["settlement"])
    settlement_etag = client.get(settlement, headers=cast["member"].headers).headers["ETag"]
    attempts = []
    # The owner's request replayed by a member with the owner's (now old) ETag: 412; with
    # the current one, or any: 403.
    for etag, status in ((old, 412), (changed.headers["ETag"], 403), ("*", 403)):
        match = {"If-Match": etag}
        attempts += [
            Try(status, "PATCH", EXPENSE, "member", {"amount": "80.00"}, headers=match),
            Try(status, "DELETE", EXPENSE, "member", headers=match),
            Try(status, "PATCH", SPLIT % "owner", "member", {"is_paid": True}, headers=match),
        ]
    for actor in ("member", "payer"):
        attempts.append(
            Try(403, "DELETE", SETTLEMENT, actor, headers={"If-Match": settlement_etag})
        )
    _run(client, cast, attempts)
