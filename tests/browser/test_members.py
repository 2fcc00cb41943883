"""A group's Members and Settings tabs, driven like a person: guests added by name and
marked "Guest" (never "Member · null", never "Make owner"), roles, removing and leaving
with the 409s explained, merge requests from both sides (200 at once, 202 waiting for the
other side, accept and decline), the invite link with the group's name, and the owner's
settings (412, currency fixed by money, delete with Undo) read-only for everyone else."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import ApiClient, App, unique_email

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAKE_OWNER = "//button[starts-with(@aria-label, 'Make owner')]"


# -- arranging through the API -----------------------------------------------------------


def person(api: ApiClient, name: str) -> tuple[str, str, int]:
    """A new account: (email, token, user id)."""
    email = unique_email(name.split()[0].lower())
    token = api.sign_up(name, email)
    status, me, _ = api.call("GET", "/users/me", token=token)
    assert status == 200, me
    return email, token, int(me["id"])


def group_of(api: ApiClient, token: str, name: str, *members: str) -> dict[str, Any]:
    status, group, _ = api.call("POST", "/groups/", {"name": name}, token=token)
    assert status == 201, group
    for member in members:
        status, body, _ = api.call(
            "POST", "/groups/join", {"invite_code": group["invite_code"]}, token=member
        )
        assert status == 201, body
    return dict(group)


def guest(api: ApiClient, token: str, group_id: int, name: str) -> int:
    status, body, _ = api.call(
        "POST", f"/groups/{group_id}/guests", {"full_name": name}, token=token
    )
    assert status == 201, body
    return int(body["user_id"])


def expense(api: ApiClient, token: str, group_id: int, amount: str, **extra: Any) -> None:
    body = {"description": "Groceries", "amount": amount, "split_type": "equal", **extra}
    status, answer, _ = api.call("POST", f"/groups/{group_id}/expenses", body, token=token)
    assert status == 201, answer


def open_tab(app: App, group: dict[str, Any], tab: str) -> None:
    app.go(f"/groups/{group['id']}/{tab}")
    app.heading(group["name"])


def row(app: App, name: str):
    """The list row that names this member (its title)."""
    xpath = f"//main//li[.//*[normalize-space()='{name}' or normalize-space()='{name} (you)']]"
    return app.wait(lambda: app.driver.find_element(By.XPATH, xpath), f"the row of {name}")


def gone(app: App, xpath: str, what: str) -> None:
    """Wait until nothing matches `xpath`: the list is drawn again after the toast."""
    app.wait(lambda: not app.driver.find_elements(By.XPATH, xpath), what)


def option_text(app: App, label: str, value: str) -> str:
    """The visible text of the option with this value in the select labelled `label`."""
    for option in app.field(label).find_elements(By.TAG_NAME, "option"):
        if option.get_attribute("value") == value:
            return str(option.text)
    raise AssertionError(f"no option {value!r} in {label!r}")


def no_serious_axe(app: App) -> None:
    serious = [v for v in app.axe() if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def no_sideways_scroll(app: App) -> None:
    extra = app.driver.execute_script(
        "const root = document.documentElement; return root.scrollWidth - root.clientWidth"
    )
    assert extra <= 0, f"the page scrolls sideways by {extra} px"


# -- the tests ---------------------------------------------------------------------------


def test_owner_adds_a_guest_changes_roles_and_removes_people(open_browser, api: ApiClient):
    email, token, _ = person(api, "Olga Owner")
    _, dana, _ = person(api, "Dana Member")
    _, remy, remy_id = person(api, "Remy Spender")
    group = group_of(api, token, "Flat 3B", dana, remy)
    # Remy owes Olga: removing him is refused until they settle up.
    expense(api, token, group["id"], "30", participants=[remy_id])

    app = open_browser(width=1280)
    app.sign_in(email)
    open_tab(app, group, "members")
    app.see("3 members")

    # A guest, by name: marked "Guest", never "null", and never offered "Make owner".
    app.fill("Guest's name", "Grandpa Joe")
    app.click("Add guest")
    app.see("Grandpa Joe was added as a guest.")
    guest_row = row(app, "Grandpa Joe")
    assert "Guest" in guest_row.text
    assert "null" not in app.text()
    assert "Member · null" not in app.text()
    gone(app, "//button[@aria-label='Make owner: Grandpa Joe']", "no Make owner for a guest")
    app.see("4 members")
    app.screenshot("members-1280")
    no_serious_axe(app)

    # An empty name: the API's 422 under the field.
    app.fill("Guest's name", "   ")
    app.click("Add guest")
    assert app.field_error("Guest's name")

    # Roles: Dana becomes an owner.
    app.click("Make owner: Dana Member")
    app.see("Dana Member is now an owner.")
    # The list is drawn again after the toast: wait for Dana's new row.
    app.wait(lambda: "Owner" in row(app, "Dana Member").text, "Dana's row to say Owner")
    # Owners cannot remove other owners: no Remove button on Dana's row any more.
    app.wait(
        lambda: (
            not app.driver.find_elements(By.XPATH, "//button[@aria-label='Remove Dana Member']")
        ),
        "no Remove button for the new owner",
    )

    # Removing Remy, who owes money: asked first, then the 409 explained.
    app.click("Remove Remy Spender")
    app.click("Cancel", within="Remove Remy Spender?")
    assert row(app, "Remy Spender")
    app.click("Remove Remy Spender")
    app.click("Remove", within="Remove Remy Spender?")
    app.see("Remy Spender cannot be removed yet:")
    app.see("Settle up first")

    # The guest, settled (no money), goes.
    app.click("Remove Grandpa Joe")
    app.click("Remove", within="Remove Grandpa Joe?")
    app.see("Grandpa Joe was removed from the group.")
    app.wait(
        lambda: "Grandpa Joe" not in app.driver.find_element(By.TAG_NAME, "main").text,
        "the guest gone from the list",
    )

    # Olga steps down (Dana is an owner too) and is a member from then on.
    app.click("Make me a member (step down as owner)")
    app.see("You are now a member")
    gone(app, MAKE_OWNER, "no Make owner button for a member")
    assert app.console_errors() == []


def test_invite_link_names_the_group_and_the_owner_can_replace_it(open_browser, api: ApiClient):
    email, token, _ = person(api, "Carol Host")
    group = group_of(api, token, "Lisbon trip")
    app = open_browser(width=375, height=800)
    app.sign_in(email)
    open_tab(app, group, "members")
    link = str(app.field("Invite link").get_attribute("value"))
    assert f"/app/#/join/{group['invite_code']}?" in link
    assert "g=Lisbon+trip" in link
    assert "by=Carol+Host" in link
    app.click("Copy link")
    app.see("Invite link copied")  # or the fallback that selects it
    no_sideways_scroll(app)
    app.screenshot("members-375")
    no_serious_axe(app)

    app.click("New invite link")
    app.click("Make new link", within="Make a new invite link?")
    app.see("New invite link made; the old one no longer works.")
    app.wait(
        lambda: group["invite_code"] not in str(app.field("Invite link").get_attribute("value")),
        "a new code in the link",
    )
    _, fresh, _ = api.call("GET", f"/groups/{group['id']}", token=api.token(email))
    assert fresh["invite_code"] in str(app.field("Invite link").get_attribute("value"))


def test_merging_a_guest_needs_the_account_and_an_owner(open_browser, api: ApiClient):
    owner_email, owner, owner_id = person(api, "Olga Owner")
    bob_email, bob, bob_id = person(api, "Bob Account")
    group = group_of(api, owner, "Ski chalet", bob)
    gus = guest(api, owner, group["id"], "Gus Guest")
    expense(api, owner, group["id"], "40", participants=[owner_id, gus])
    guest(api, owner, group["id"], "Tina Twin")

    # Bob, the receiving account, asks: 202, waiting for an owner.
    bob_app = open_browser(width=375, height=800)
    bob_app.sign_in(bob_email)
    open_tab(bob_app, group, "members")
    bob_app.click("Merge Gus Guest into an account")
    bob_app.see("Into your account")
    bob_app.see("An owner of the group must accept")
    bob_app.click("Ask to merge")
    bob_app.see("Asked. Gus Guest will be merged into your account once an owner accepts.")
    bob_app.see("Merge Gus Guest into your account")
    bob_app.see("waiting for an owner")
    # Bob asked, so Bob cannot accept; he may withdraw.
    assert not bob_app.driver.find_elements(By.XPATH, "//button[normalize-space()='Accept']")
    bob_app.button("Withdraw merging Gus Guest into your account")
    bob_app.screenshot("members-merge-375")
    no_serious_axe(bob_app)

    # Olga, an owner, accepts: 200, Gus's share is now Bob's.
    app = open_browser(width=1280)
    app.sign_in(owner_email)
    open_tab(app, group, "members")
    app.see("Merge Gus Guest into Bob Account")
    app.see("waiting for your yes")
    app.screenshot("members-merge-1280")
    app.click("Accept merging Gus Guest into Bob Account")
    app.see("Merged: everything of Gus Guest is now Bob Account's.")
    app.wait(
        lambda: "Gus Guest" not in app.driver.find_element(By.TAG_NAME, "main").text,
        "the merged guest gone",
    )
    owner = api.token(owner_email)  # the access token lives 20 s here
    _, balances, _ = api.call("GET", f"/groups/{group['id']}/balances", token=owner)
    assert {row["user_id"]: row["net"] for row in balances}[bob_id] == "-20.00"

    # Olga asks for Tina into Bob: 202, waiting for Bob; Bob declines.
    app.click("Merge Tina Twin into an account")
    app.choose("Into the account of", "Bob Account")
    app.see("Bob Account must accept before anything moves.")
    app.click("Ask to merge")
    app.see("Asked. Tina Twin will be merged into Bob Account once Bob Account accepts.")
    bob_app.driver.refresh()
    bob_app.heading(group["name"])
    bob_app.see("waiting for your yes")
    bob_app.click("Decline merging Tina Twin into your account")
    bob_app.see("Declined: Tina Twin stays a guest.")

    # An owner merging a guest into their own account: done at once (200).
    app.click("Merge Tina Twin into an account")
    app.choose("Into the account of", "Olga Owner (you)")
    app.see("the merge happens at once")
    app.click("Merge", within="Merge Tina Twin")
    app.see("Merged: everything of Tina Twin is now yours.")
    _, members, _ = api.call("GET", f"/groups/{group['id']}/members", token=api.token(owner_email))
    assert not [m for m in members if m["guest"]]
    assert app.console_errors() == []


def test_leaving_is_explained_until_the_balance_is_zero(open_browser, api: ApiClient):
    _, owner, owner_id = person(api, "Olga Owner")
    lea_email, lea, lea_id = person(api, "Lea Leaver")
    group = group_of(api, owner, "Book club", lea)
    expense(api, owner, group["id"], "10", participants=[lea_id])

    app = open_browser(locale="de-DE", width=375, height=800)
    app.sign_in(lea_email)
    open_tab(app, group, "members")
    app.click("Leave group")
    app.click("Leave group", within="Leave Book club?")
    app.see("You cannot leave yet:")
    app.see("Settle up first")
    assert app.driver.find_elements(By.LINK_TEXT, "Open Balances to settle up")
    app.screenshot("members-de-375")
    no_serious_axe(app)

    status, body, _ = api.call(
        "POST",
        f"/groups/{group['id']}/settlements",
        {"to_user": owner_id, "amount": "10"},
        token=api.token(lea_email),
    )
    assert status == 201, body
    app.driver.refresh()
    app.heading(group["name"])
    app.click("Leave group")
    app.click("Leave group", within="Leave Book club?")
    app.heading("Groups")
    app.see("You left Book club.")


def test_owner_settings_412_currency_and_delete_with_undo(open_browser, api: ApiClient):
    email, token, owner_id = person(api, "Olga Owner")
    other_email, other, other_id = person(api, "Finn Friend")
    group = group_of(api, token, "Allotment", other)

    app = open_browser(width=1280)
    app.sign_in(email)
    open_tab(app, group, "settings")
    app.fill("Group name", "Allotment & friends")
    app.fill("Description", "Seeds, tools and the shed")
    app.click("Save settings")
    app.heading("Allotment & friends")
    app.see("Group settings saved.")
    app.screenshot("settings-1280")
    no_serious_axe(app)

    # Someone else changes the group meanwhile: 412, said, and a way to reload.
    token = api.token(email)  # the access token lives 20 s here
    status, _, _ = api.call("PATCH", f"/groups/{group['id']}", {"description": "Shed"}, token=token)
    assert status == 200
    app.fill("Group name", "Allotment 2027")
    app.click("Save settings")
    assert "Someone else changed this group's settings" in app.alert_text()
    app.click("Reload the settings")
    app.wait(lambda: app.field("Description").get_attribute("value") == "Shed", "the other version")

    # No money yet: the currency may change.
    app.choose("Currency", option_text(app, "Currency", "USD"))
    app.click("Save settings")
    app.see("Group settings saved.")
    app.wait(lambda: app.field("Currency").get_attribute("value") == "USD", "the new currency")

    # Money moved: the currency is fixed, said under the field.
    expense(api, api.token(email), group["id"], "12", participants=[owner_id, other_id])
    app.choose("Currency", option_text(app, "Currency", "JPY"))
    app.click("Save settings")
    assert "Fixed at USD" in app.field_error("Currency")

    # Deleting with a balance open: asked, then the 409 explained.
    app.click("Delete group")
    app.click("Delete group", within="Delete Allotment & friends?")
    app.see("Not everyone is settled up.")
    assert app.driver.find_elements(By.LINK_TEXT, "Open Balances to settle up")

    status, body, _ = api.call(
        "POST",
        f"/groups/{group['id']}/settlements",
        {"to_user": owner_id, "amount": "6"},
        token=api.token(other_email),
    )
    assert status == 201, body
    app.driver.refresh()
    app.heading("Allotment & friends")
    app.click("Delete group")
    app.click("Delete group", within="Delete Allotment & friends?")
    app.heading("Groups")
    app.see("Allotment & friends was deleted.")
    app.click("Undo")
    app.heading("Allotment & friends")
    status, _, _ = api.call("GET", f"/groups/{group['id']}", token=api.token(email))
    assert status == 200
    assert app.console_errors() == []


def test_members_who_are_not_owners_read_the_settings(open_browser, api: ApiClient):
    _, owner, _ = person(api, "Olga Owner")
    email, member, _ = person(api, "Mia Member")
    group = group_of(api, owner, "Choir", member)
    app = open_browser(locale="de-DE", width=375, height=800)
    app.sign_in(email)
    open_tab(app, group, "settings")
    app.see("Only an owner of the group can change these.")
    app.see("People with the invite link")
    assert not app.driver.find_elements(By.XPATH, "//button[normalize-space()='Save settings']")
    assert not app.driver.find_elements(By.XPATH, "//button[normalize-space()='Delete group']")
    no_sideways_scroll(app)
    app.screenshot("settings-de-375")
    no_serious_axe(app)
    # Members: no owner actions for a plain member.
    open_tab(app, group, "members")
    assert not app.driver.find_elements(By.XPATH, MAKE_OWNER)
    assert not app.driver.find_elements(By.XPATH, "//button[starts-with(@aria-label, 'Remove')]")
    app.button("Leave group")
