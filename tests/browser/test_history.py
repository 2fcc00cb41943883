"""What happened, and getting back what was deleted: notifications (unread marked in words,
opening one marks it read, "Mark all read", older pages), my activity across groups (with
a group filter), a group's Activity tab, and the trash (restore, undo, and a restore the
API refuses because someone left the group). At 1280 and 375 px, and in German."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.app_driver import ApiClient, App, unique_email, xpath_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GROUP_PAGE = Path(__file__).resolve().parents[2] / "expense_tracker/web/static/js/views/group.js"


# -- arranging through the API -------------------------------------------------------------


class Person:
    """An account made through the API: its token, id and email."""

    def __init__(self, api: ApiClient, name: str) -> None:
        self.api = api
        self.name = name
        self.email = unique_email(name.split()[0].lower())
        self.token = api.sign_up(name, self.email)
        self.id = self.call("GET", "/users/me")["id"]

    def call(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        status, answer, _ = self.api.call(method, path, body, token=self.token)
        if status == 401:  # access tokens live 20 s here: a new one, as any client would
            self.token = self.api.token(self.email)
            status, answer, _ = self.api.call(method, path, body, token=self.token)
        wanted = expect or {"POST": (200, 201), "DELETE": (204,)}.get(method, (200,))
        assert status in (wanted if isinstance(wanted, tuple) else (wanted,)), (status, answer)
        return answer

    def group(self, name: str) -> dict[str, Any]:
        return dict(self.call("POST", "/groups/", {"name": name}))

    def join(self, group: dict[str, Any]) -> None:
        self.call("POST", "/groups/join", {"invite_code": group["invite_code"]})

    def expense(self, group: dict[str, Any], description: str, amount: str, **extra: Any) -> Any:
        body = {"description": description, "amount": amount, "split_type": "equal", **extra}
        return self.call("POST", f"/groups/{group['id']}/expenses", body)

    def unread(self) -> int:
        status, _, headers = self.api.call("GET", "/users/me/notifications", token=self.token)
        if status == 401:
            self.token = self.api.token(self.email)
            _, _, headers = self.api.call("GET", "/users/me/notifications", token=self.token)
        return int(headers["X-Unread-Count"])


STATIC = Path(__file__).resolve().parents[2] / "expense_tracker/web/static"


def console_errors(app: App) -> list[str]:
    """The page's errors, but for a screen of another branch that is not here yet (a link of
    ours leads to it): its module fails to load until the branches meet."""
    missing = re.compile(r"Failed to fetch dynamically imported module: \S+/app/(\S+\.js)")
    return [
        message
        for message in app.console_errors()
        if not ((found := missing.search(message)) and not (STATIC / found.group(1)).exists())
    ]


def serious(app: App) -> list[dict[str, Any]]:
    return [v for v in app.axe() if v["impact"] in ("serious", "critical")]


def open_foldout(app: App, summary: str) -> None:
    """Unfold a <details> by its summary text (filters are folded away)."""
    element = app.wait(
        lambda: next(
            (
                node
                for node in app.driver.find_elements(
                    By.XPATH, f"//summary[contains(normalize-space(), {xpath_text(summary)})]"
                )
                if node.is_displayed()
            ),
            None,
        ),
        f"a foldout {summary!r}",
    )
    if element.find_element(By.XPATH, "..").get_attribute("open") is None:
        element.click()


def row_link(app: App, text: str):
    """The link of the list row whose text contains `text`."""
    return app.wait(
        lambda: next(
            (
                link
                for link in app.driver.find_elements(
                    By.XPATH, f"//main//li//a[contains(normalize-space(), {xpath_text(text)})]"
                )
                if link.is_displayed()
            ),
            None,
        ),
        f"a row linking {text!r}",
    )


def unread_badges(app: App) -> int:
    return len(
        [
            node
            for node in app.driver.find_elements(
                By.XPATH, "//main//*[contains(concat(' ', @class, ' '), ' badge ')]"
            )
            if node.text.strip() == "Unread"
        ]
    )


def no_sideways_scroll(app: App) -> None:
    width = app.driver.execute_script(
        "const root = document.documentElement; return root.scrollWidth - root.clientWidth"
    )
    assert width <= 0, f"the page scrolls sideways ({width} px too wide)"


def lisbon(api: ApiClient) -> tuple[Person, Person, dict[str, Any], dict[str, Any]]:
    """Alice owns Lisbon trip, Bob joined; Bob adds Dinner (60, then 72) and Taxi (20), marks
    Alice's share of Taxi paid and comments on Dinner: six notifications for Alice (an owner
    hears of Bob joining too)."""
    alice, bob = Person(api, "Alice Martin"), Person(api, "Bob Ferreira")
    group = alice.group("Lisbon trip")
    bob.join(group)
    dinner = bob.expense(group, "Dinner", "60")
    taxi = bob.expense(group, "Taxi", "20")
    bob.call("PATCH", f"/groups/{group['id']}/expenses/{dinner['id']}", {"amount": "72"})
    bob.call(
        "PATCH", f"/groups/{group['id']}/expenses/{taxi['id']}/splits/{alice.id}", {"is_paid": True}
    )
    bob.call(
        "POST", f"/groups/{group['id']}/expenses/{dinner['id']}/comments", {"body": "See you there"}
    )
    return alice, bob, group, dinner


# -- notifications ---------------------------------------------------------------------------


def test_notifications_read_one_then_all(open_browser, api: ApiClient):
    alice, _, group, _ = lisbon(api)
    assert alice.unread() == 6

    app = open_browser(width=1280)
    app.sign_in(alice.email)
    app.go("/notifications")
    app.heading("Notifications")
    app.see("Bob Ferreira added Dinner (€60.00) in Lisbon trip")
    app.see("Bob Ferreira changed Dinner in Lisbon trip: amount €60.00 → €72.00")
    app.see("Bob Ferreira marked your share of Taxi paid in Lisbon trip")
    app.see("Bob Ferreira commented in Lisbon trip: “See you there”")
    app.see("Bob Ferreira joined Lisbon trip")
    app.see("6 unread")
    assert unread_badges(app) == 6
    # Newest first: the comment, then the paid share, ..., the first expense last.
    text = app.text()
    assert text.index("commented") < text.index("marked your share") < text.index("added Dinner")
    app.screenshot("notifications-1280")
    assert serious(app) == []

    # Opening one marks it read and goes where it points (the expense).
    link = row_link(app, "marked your share of Taxi paid")
    href = link.get_attribute("href")
    assert re.search(rf"#/groups/{group['id']}/expenses/\d+$", href), href
    link.click()
    app.wait(lambda: app.driver.current_url == href, "the expense's page")
    app.wait(lambda: alice.unread() == 5, "the notification marked read")
    app.go("/notifications")
    app.heading("Notifications")
    app.see("5 unread")
    app.wait(lambda: unread_badges(app) == 5, "five unread badges")

    # Mark all read: no badge left, on the server too.
    app.click("Mark all read")
    app.see("Every notification is marked read.")
    app.see("All read.")
    assert unread_badges(app) == 0
    assert alice.unread() == 0
    app.not_see("Mark all read")
    assert console_errors(app) == []


def test_notifications_on_a_phone_page_by_page(open_browser, api: ApiClient):
    alice, bob = Person(api, "Alice Martin"), Person(api, "Bob Ferreira")
    group = alice.group("Flat share")
    bob.join(group)
    for number in range(1, 23):
        bob.expense(group, f"Groceries {number}", f"{number}.50")

    app = open_browser(width=375, height=812)
    app.sign_in(alice.email)
    app.go("/notifications")
    app.heading("Notifications")
    app.see("Bob Ferreira added Groceries 22 (€22.50) in Flat share")
    app.see("23 unread")
    app.not_see("Groceries 2 (")
    app.not_see("Groceries 1 (")
    no_sideways_scroll(app)
    app.screenshot("notifications-375")
    assert serious(app) == []
    # With the keyboard: Enter on the button brings the older page.
    app.button("Show older notifications").send_keys(Keys.ENTER)
    app.see("Bob Ferreira added Groceries 1 (€1.50) in Flat share")
    app.not_see("Show older notifications")
    app.see("Bob Ferreira joined Flat share")
    assert unread_badges(app) == 23
    assert console_errors(app) == []


def test_a_notification_from_a_group_i_was_removed_from(open_browser, api: ApiClient):
    alice, bob = Person(api, "Alice Martin"), Person(api, "Bob Ferreira")
    group = alice.group("Book club")
    bob.join(group)
    alice.call("DELETE", f"/groups/{group['id']}/members/{bob.id}")
    app = open_browser(width=1280)
    app.sign_in(bob.email)
    app.go("/notifications")
    app.heading("Notifications")
    # Neither the group nor its people are Bob's to see any more: said without them.
    app.see("You were removed from a group")
    assert row_link(app, "removed from a group").get_attribute("href").endswith("#/groups")
    assert console_errors(app) == []


def test_notifications_when_there_are_none(open_browser, api: ApiClient):
    carol = Person(api, "Carol Nguyen")
    app = open_browser(width=375, height=812)
    app.sign_in(carol.email)
    app.go("/notifications")
    app.heading("Notifications")
    app.see("No notifications yet")
    app.not_see("Mark all read")
    app.screenshot("notifications-empty-375")
    assert serious(app) == []


# -- activity --------------------------------------------------------------------------------


def test_my_activity_across_groups_with_deleted_people_and_comments(open_browser, api: ApiClient):
    alice, bob, group, dinner = lisbon(api)
    beach = alice.group("Beach house")
    alice.expense(beach, "Sunscreen", "9.90")
    # A comment deleted by its author: its text is gone from the history.
    said = bob.call(
        "POST", f"/groups/{group['id']}/expenses/{dinner['id']}/comments", {"body": "my IBAN is X"}
    )
    bob.call("DELETE", f"/groups/{group['id']}/expenses/{dinner['id']}/comments/{said['id']}")
    # Carol joins, comments, and deletes her account: the history keeps "Deleted user".
    carol = Person(api, "Carol Nguyen")
    carol.join(group)
    carol.call(
        "POST", f"/groups/{group['id']}/expenses/{dinner['id']}/comments", {"body": "Count me in"}
    )
    carol.call("DELETE", "/users/me", {"current_password": "browser password 1"})

    app = open_browser(width=1280)
    app.sign_in(alice.email)
    app.go("/activity")
    app.heading("Activity")
    app.see("You created the group “Lisbon trip”")
    app.see("You added Sunscreen (€9.90) in Beach house")
    app.see("Bob Ferreira marked your share of Taxi paid in Lisbon trip")
    app.see("Bob Ferreira changed Dinner in Lisbon trip: amount €60.00 → €72.00")
    app.see("Bob Ferreira commented in Lisbon trip: (comment deleted)")
    app.not_see("my IBAN")
    app.see("Deleted user commented in Lisbon trip: “Count me in”")
    app.see("Deleted user joined Lisbon trip")
    app.not_see("Carol")
    # When: relative, with the exact time for hovering and assistive technology.
    stamps = app.driver.find_elements(By.CSS_SELECTOR, "main li time[datetime]")
    assert stamps
    assert stamps[0].get_attribute("title")
    app.screenshot("activity-1280")
    assert serious(app) == []

    # One group only: the filter is folded away, and the choice is in the address.
    open_foldout(app, "Filter by group")
    app.choose("Group", "Beach house")
    app.wait(lambda: f"group={beach['id']}" in app.driver.current_url, "the filtered route")
    app.see("You added Sunscreen (€9.90)")
    app.wait(lambda: "Dinner" not in app.text(), "only Beach house")
    app.not_see("in Beach house")  # the group goes without saying
    # The link of an entry leads to its expense.
    href = row_link(app, "Sunscreen").get_attribute("href")
    assert re.search(rf"#/groups/{beach['id']}/expenses/\d+$", href), href
    assert console_errors(app) == []


def test_my_activity_on_a_phone_in_german(open_browser, api: ApiClient):
    alice, _, _, _ = lisbon(api)
    app = open_browser(width=375, height=812, locale="de-DE")
    app.sign_in(alice.email)
    app.go("/activity")
    app.heading("Activity")
    app.see("Bob Ferreira changed Dinner in Lisbon trip: amount 60,00 € → 72,00 €")
    no_sideways_scroll(app)
    app.screenshot("activity-de-375")
    assert serious(app) == []
    app.go("/notifications")
    app.heading("Notifications")
    app.see("Bob Ferreira added Dinner (60,00 €) in Lisbon trip")
    no_sideways_scroll(app)
    app.screenshot("notifications-de-375")
    assert serious(app) == []
    assert console_errors(app) == []


def test_a_groups_activity_tab(open_browser, api: ApiClient):
    if "groupActivityTab" not in GROUP_PAGE.read_text(encoding="utf-8"):
        pytest.skip("the group page does not show its Activity tab yet (views/group.js)")
    alice, bob, group, _ = lisbon(api)
    bob.call("POST", f"/groups/{group['id']}/settlements", {"to_user": alice.id, "amount": "12.00"})
    for width in (1280, 375):
        app = open_browser(width=width, height=900)
        app.sign_in(alice.email)
        app.go(f"/groups/{group['id']}/activity")
        app.heading("Lisbon trip")
        app.see("Bob Ferreira paid you €12.00")
        app.see("Bob Ferreira changed Dinner: amount €60.00 → €72.00")
        app.not_see("paid you €12.00 in Lisbon trip")  # the page says which group
        app.screenshot(f"group-activity-{width}")
        assert serious(app) == []
        open_foldout(app, "Filter")
        app.choose("Show", "Payments")
        page = app.text
        app.wait(lambda page=page: "Dinner" not in page(), "payments only")
        app.see("Bob Ferreira paid you €12.00")
        if width == 375:
            no_sideways_scroll(app)
        assert console_errors(app) == []


# -- trash -----------------------------------------------------------------------------------


def test_trash_restore_undo_and_a_refused_restore(open_browser, api: ApiClient):
    alice, bob, group, dinner = lisbon(api)
    base = f"/groups/{group['id']}"
    # A payment Bob recorded and deleted; Dinner deleted by Alice (an owner).
    payment = bob.call("POST", f"{base}/settlements", {"to_user": alice.id, "amount": "5.00"})
    bob.call("DELETE", f"{base}/settlements/{payment['id']}")
    alice.call("DELETE", f"{base}/expenses/{dinner['id']}")
    # Boat involved Dave, who left once it was deleted: it cannot come back.
    dave = Person(api, "Dave Okafor")
    dave.join(group)
    boat = alice.expense(group, "Boat", "40", participants=[alice.id, dave.id])
    alice.call("DELETE", f"{base}/expenses/{boat['id']}")
    dave.call("DELETE", f"{base}/members/{dave.id}")
    # A group of Alice's, deleted: restorable for 30 days.
    flat = alice.group("Old flat")
    alice.call("DELETE", f"/groups/{flat['id']}")

    app = open_browser(width=1280)
    app.sign_in(alice.email)
    app.go("/trash")
    app.heading("Trash")
    app.see("Dinner")
    app.see("€72.00")
    app.see("Deleted by you")
    app.see("Bob Ferreira paid you")
    app.see("Deleted by Bob Ferreira")
    app.see("Old flat")
    app.see("restorable until")
    app.screenshot("trash-1280")
    assert serious(app) == []

    # Restore Dinner: it is back in the group (and its balances); Undo deletes it again.
    app.click("Restore Dinner", within="Lisbon trip")
    app.see("Restored Dinner.")
    app.wait(lambda: "Dinner" not in app.scope("Lisbon trip").text, "Dinner out of the trash")
    alice.call("GET", f"{base}/expenses/{dinner['id']}")
    app.click("Undo")
    app.see("Dinner is back in the trash.")
    alice.call("GET", f"{base}/expenses/{dinner['id']}", expect=404)
    app.click("Restore Dinner", within="Lisbon trip")
    app.see("Restored Dinner.")
    alice.call("GET", f"{base}/expenses/{dinner['id']}")

    # Boat involves a former member: the refusal says why and what to do.
    app.click("Restore Boat", within="Lisbon trip")
    message = app.alert_text()
    assert "cannot be restored" in message, message
    assert "no longer a member" in message, message
    app.see("Boat")

    # The deleted group comes back for its owner.
    app.click("Restore Old flat", within="Deleted groups")
    app.see("Restored Old flat.")
    alice.call("GET", f"/groups/{flat['id']}")
    app.not_see("Deleted groups")
    assert console_errors(app) == []


def test_trash_on_a_phone_and_in_german(open_browser, api: ApiClient):
    _, bob, group, dinner = lisbon(api)
    base = f"/groups/{group['id']}"
    bob.call("DELETE", f"{base}/expenses/{dinner['id']}")
    # Bob deleted what he paid for, and may restore it.
    for locale, width, shot in ((None, 375, "trash-375"), ("de-DE", 375, "trash-de-375")):
        app = open_browser(width=width, height=812, **({"locale": locale} if locale else {}))
        app.sign_in(bob.email)
        app.go("/trash")
        app.heading("Trash")
        app.see("Dinner")
        app.see("72,00 €" if locale else "€72.00")
        app.see("Deleted by you")
        no_sideways_scroll(app)
        app.screenshot(shot)
        assert serious(app) == []
        assert console_errors(app) == []
    app.click("Restore Dinner", within="Lisbon trip")
    app.see("Restored Dinner.")
    app.see("The trash is empty")


def test_an_empty_trash_says_what_it_is_for(open_browser, api: ApiClient):
    erin = Person(api, "Erin Empty")
    erin.group("Nothing deleted")
    app = open_browser(width=1280)
    app.sign_in(erin.email)
    app.go("/trash")
    app.heading("Trash")
    app.see("The trash is empty")
    time.sleep(0.2)
    assert serious(app) == []
