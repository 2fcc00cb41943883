"""An adversarial member against recurring series: the writes that move money stay with
the series' creator and the group's owners, and name only members, within the limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from expense_tracker.database import utc_today
from tests.factories import group_with
from tests.problems import assert_problem

LATER = (utc_today() + timedelta(days=10)).isoformat()


def _body(**template):
    return {
        "template": {"description": "Rent", "amount": "900.00", "split_type": "equal", **template},
        "rule": {"frequency": "monthly", "start_date": LATER},
    }


def _create(client, group_id, account, **template):
    response = client.post(
        f"/groups/{group_id}/recurring-expenses", json=_body(**template), headers=account.headers
    )
    assert response.status_code == 201, response.get_json()
    return response.headers["Location"]


def test_a_member_cannot_change_resume_or_end_another_members_series(client, trio, runner):
    group_id, owner, a, b = trio
    url = _create(client, group_id, a, participants=[a.id, b.id])
    before = client.get(url, headers=a.headers).get_json()
    for changes in (
        {"template": {"amount": "1.00"}},
        {"template": {"paid_by": b.id}},
        {"rule": {"count": 1}},  # ending it early by its rule
        {"rule": {"start_date": utc_today().isoformat()}},
    ):
        response = client.patch(url, json=changes, headers=b.headers)
        assert_problem(response, 403, "forbidden")
    assert_problem(client.delete(url, headers=b.headers), 403, "forbidden")
    assert client.get(url, headers=a.headers).get_json() == before

    # Paused (a member it names left): only its creator or an owner may resume it.
    assert client.delete(f"/groups/{group_id}/members/{b.id}", headers=b.headers).status_code == 204
    assert runner.invoke(args=["run-recurring", "--today", LATER]).exit_code == 0
    assert client.get(url, headers=a.headers).get_json()["status"] == "paused"
    rejoin = client.get(f"/groups/{group_id}", headers=owner.headers).get_json()
    assert client.post(
        f"/groups/{group_id}/join",
        json={"invite_code": rejoin["invite_code"]},
        headers=b.headers,
    ).status_code in (200, 201)
    assert_problem(client.patch(url, json={}, headers=b.headers), 403, "forbidden")
    assert client.get(url, headers=a.headers).get_json()["status"] == "paused"
    assert client.patch(url, json={}, headers=owner.headers).status_code == 200


@pytest.mark.parametrize(
    ("field", "template"),
    [
        ("template.paid_by", lambda stranger, me: {"paid_by": stranger}),
        (
            "template.payers.1.user_id",
            lambda stranger, me: {
                "payers": [
                    {"user_id": me, "amount": "450.00"},
                    {"user_id": stranger, "amount": "450.00"},
                ]
            },
        ),
        ("template.participants", lambda stranger, me: {"participants": [me, stranger]}),
        (
            "template.splits",
            lambda stranger, me: {
                "split_type": "exact",
                "splits": [
                    {"user_id": me, "amount": "450.00"},
                    {"user_id": stranger, "amount": "450.00"},
                ],
            },
        ),
    ],
)
def test_a_series_cannot_name_non_members(client, trio, make_user, field, template):
    group_id, _owner, a, _b = trio
    stranger = make_user()
    group_with(client, stranger, a)  # someone a knows, but not in this group
    body = _body(**template(stranger.id, a.id))
    response = client.post(f"/groups/{group_id}/recurring-expenses", json=body, headers=a.headers)
    assert_problem(response, 422, "validation-error")
    assert any(path.startswith(field) for path in response.get_json()["errors"]), response.json
    listed = client.get(f"/groups/{group_id}/recurring-expenses/", headers=a.headers)
    assert listed.get_json() == []
    url = _create(client, group_id, a)
    changed = client.patch(url, json={"template": template(stranger.id, a.id)}, headers=a.headers)
    assert_problem(changed, 422, "validation-error")


@pytest.mark.parametrize(
    "template",
    [
        {"currency": "EUR", "amount": "999999999.99", "exchange_rate": "10000000"},
        {"currency": "EUR", "amount": "10.00", "exchange_rate": "1000000000.5"},
        {"currency": "EUR", "amount": "10.00", "exchange_rate": "0." + "0" * 29 + "1"},
        {"currency": "JPY", "amount": "999999999", "exchange_rate": "10"},
    ],
)
def test_a_series_cannot_convert_above_the_largest_amount(client, trio, template):
    group_id, owner, a, _b = trio
    response = client.post(
        f"/groups/{group_id}/recurring-expenses", json=_body(**template), headers=a.headers
    )
    assert_problem(response, 422, "validation-error")
    assert "template.exchange_rate" in response.get_json()["errors"]
    url = _create(client, group_id, a, currency="EUR", exchange_rate="1.1")
    before = client.get(url, headers=a.headers).get_json()
    changed = client.patch(url, json={"template": template}, headers=a.headers)
    assert_problem(changed, 422, "validation-error")
    assert "template.exchange_rate" in changed.get_json()["errors"]
    assert client.get(url, headers=owner.headers).get_json() == before


def test_a_personal_series_is_invisible_to_everyone_else(client, trio, make_user):
    group_id, owner, a, _b = trio
    body = {
        "template": {"category": "Rent", "amount": "1200", "payment_method": "bank_transfer"},
        "rule": {"frequency": "monthly", "start_date": LATER},
    }
    response = client.post("/recurring-expenses/", json=body, headers=a.headers)
    assert response.status_code == 201
    series_id = response.get_json()["id"]
    url = response.headers["Location"]
    for account in (owner, make_user()):
        assert_problem(client.get(url, headers=account.headers), 404, "not-found")
        assert_problem(client.patch(url, json={}, headers=account.headers), 404, "not-found")
        assert_problem(client.delete(url, headers=account.headers), 404, "not-found")
        assert client.get("/recurring-expenses/", headers=account.headers).get_json() == []
        # Not through a group's path either, even a group its owner belongs to.
        by_group = f"/groups/{group_id}/recurring-expenses/{series_id}"
        assert_problem(client.get(by_group, headers=account.headers), 404, "not-found")
    assert client.get(url, headers=a.headers).get_json()["status"] == "active"


def test_a_series_of_one_group_is_not_reachable_through_another(client, trio, make_user):
    group_id, owner, *_ = trio
    url = _create(client, group_id, owner)
    series_id = url.rsplit("/", 1)[1]
    intruder = make_user()
    own_group = group_with(client, intruder)
    stolen = f"/groups/{own_group}/recurring-expenses/{series_id}"
    assert_problem(client.get(stolen, headers=intruder.headers), 404, "not-found")
    assert_problem(client.patch(stolen, json={}, headers=intruder.headers), 404, "not-found")
    assert_problem(client.delete(stolen, headers=intruder.headers), 404, "not-found")
    assert client.get(url, headers=owner.headers).get_json()["status"] == "active"
