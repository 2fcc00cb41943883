"""The groups list (#/groups): my groups first, each with my balance and its member
count (plurals right), my totals, a "New group" dialog behind the floating button, joining
by code or link, and finding open groups; at 1280 and 375 px and in German."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.app_driver import ApiClient, App, unique_email

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def group_of(api: ApiClient, token: str, body: dict[str, Any], *members: str) -> dict[str, Any]:
    status, group, _ = api.call("POST", "/groups/", body, token=token)
    assert status == 201, group
    for member in members:
        status, answer, _ = api.call(
            "POST", "/groups/join", {"invite_code": group["invite_code"]}, token=member
        )
        assert status == 201, answer
    return dict(group)


def arranged(api: ApiClient) -> tuple[str, dict[str, dict[str, Any]]]:
    """Ana: in "Lisbon trip" with Ben (Ben owes her 12.50) and alone in "Ana's plants";
    Ben's open "Climbing club" is for finding. Ana's email and the groups."""
    email = unique_email("ana")
    ana = api.sign_up("Ana Lima", email)
    ben = api.sign_up("Ben Costa", unique_email("ben"))
    trip = group_of(api, ana, {"name": "Lisbon trip"}, ben)
    status, body, _ = api.call(
        "POST",
        f"/groups/{trip['id']}/expenses",
        {"description": "Dinner", "amount": "25", "split_type": "equal"},
        token=ana,
    )
    assert status == 201, body
    plants = group_of(api, ana, {"name": "Ana's plants"})
    club = group_of(api, ben, {"name": "Climbing club", "join_policy": "open"})
    return email, {"trip": trip, "plants": plants, "club": club}


def open_foldout(app: App, summary: str) -> None:
    """Unfold a foldout by its summary with the keyboard (a toast may cover it meanwhile)."""
    element = app.driver.find_element(By.XPATH, f"//summary[normalize-space()='{summary}']")
    element.send_keys(Keys.ENTER)
    app.wait(lambda: element.find_element(By.XPATH, "..").get_attribute("open"), "unfolded")


def no_serious_axe(app: App) -> None:
    serious = [v for v in app.axe() if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def no_sideways_scroll(app: App) -> None:
    extra = app.driver.execute_script(
        "const root = document.documentElement; return root.scrollWidth - root.clientWidth"
    )
    assert extra <= 0, f"the page scrolls sideways by {extra} px"


def test_my_groups_with_balances_then_create_join_and_find(open_browser, api: ApiClient):
    email, groups = arranged(api)
    app = open_browser(width=1280)
    app.sign_in(email)
    app.go("/groups")
    app.heading("Groups")
    app.see("Lisbon trip")
    app.see("2 members · EUR")
    app.see("1 member · EUR")
    app.not_see("1 members")
    app.see("you get back €12.50")
    app.see("settled up")
    app.screenshot("groups-1280")
    no_serious_axe(app)

    # The floating "+" opens the new-group dialog; a name is enough.
    app.click("New group")
    app.fill("Name", "   ")
    app.click("Create group")
    assert app.field_error("Name")
    app.fill("Name", "Summer house")
    app.click("Create group")
    app.heading("Summer house")

    # Join by a code that does not exist, then by the link someone sent.
    app.go("/groups")
    app.heading("Groups")
    app.fill("Invite link or code", "no-such-code")
    app.click("Join")
    assert "No group has this invite code" in app.field_error("Invite link or code")
    other = api.sign_up("Cid Other", unique_email("cid"))
    theirs = group_of(api, other, {"name": "Pottery"})
    link = f"http://example.test/app/#/join/{theirs['invite_code']}?g=Pottery&by=Cid"
    app.fill("Invite link or code", link)
    app.click("Join")
    app.heading("Pottery")

    # Find an open group by name, folded away until wanted.
    app.go("/groups")
    app.heading("Groups")
    open_foldout(app, "Find an open group")
    app.fill("Group name contains", "climb")
    app.click("Search")
    app.see("1 group found.")
    app.click(f"Join {groups['club']['name']}")
    app.heading("Climbing club")
    assert app.console_errors() == []


def test_groups_at_phone_width_and_in_german(open_browser, api: ApiClient):
    email, _ = arranged(api)
    app = open_browser(width=375, height=800)
    app.sign_in(email)
    app.go("/groups")
    app.heading("Groups")
    app.see("you get back €12.50")
    no_sideways_scroll(app)
    app.screenshot("groups-375")
    no_serious_axe(app)
    app.click("New group")
    app.screenshot("groups-new-375")
    no_serious_axe(app)

    german = open_browser(locale="de-DE", width=375, height=800)
    german.sign_in(email)
    german.go("/groups")
    german.heading("Groups")
    german.see("12,50")
    german.see("2 members")
    no_sideways_scroll(german)
    german.screenshot("groups-de-375")
    no_serious_axe(german)


def test_someone_in_no_group_is_told_how_to_start(open_browser, api: ApiClient):
    email = unique_email("new")
    api.sign_up("Nia New", email)
    app = open_browser(width=375, height=800)
    app.sign_in(email)
    app.go("/groups")
    app.heading("Groups")
    app.see("You are in no group yet")
    # The keyboard alone: the dialog opens on its first field, Esc closes it, Enter submits.
    start = app.button("Start a group")
    start.send_keys(Keys.ENTER)
    app.dialog("New group")
    app.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    app.no_dialog()
    assert app.driver.switch_to.active_element == start
    start.send_keys(Keys.ENTER)
    app.dialog("New group")
    assert app.driver.switch_to.active_element.get_attribute("name") == "name"
    app.driver.switch_to.active_element.send_keys("First group", Keys.ENTER)
    app.heading("First group")
