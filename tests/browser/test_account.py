"""The account page: name and default currency, a new password (every session ends, this
tab signs in again), the way to Trash, Activity and Notifications, and deleting the
account: what it means, the password asked, a confirmation, and what to do first when a
balance or an only-owner group stands in the way. At 1280 and 375 px, and in German."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import PASSWORD, ApiClient, App, unique_email

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def serious(app: App) -> list[dict[str, Any]]:
    return [v for v in app.axe() if v["impact"] in ("serious", "critical")]


def no_sideways_scroll(app: App) -> None:
    width = app.driver.execute_script(
        "const root = document.documentElement; return root.scrollWidth - root.clientWidth"
    )
    assert width <= 0, f"the page scrolls sideways ({width} px too wide)"


class Account:
    """An account made through the API; its access token is renewed when it expires (they
    live 20 s in these tests)."""

    def __init__(self, api: ApiClient, name: str, email: str, currency: str = "EUR") -> None:
        self.email = email
        self.token = api.sign_up(name, email, currency=currency)


def call(api: ApiClient, who: Account, method: str, path: str, body: Any = None) -> Any:
    status, answer, _ = api.call(method, path, body, token=who.token)
    if status == 401:
        who.token = api.token(who.email)
        status, answer, _ = api.call(method, path, body, token=who.token)
    assert status < 300, (status, answer)
    return answer


def test_profile_password_and_the_way_to_history(open_browser, api: ApiClient):
    email = unique_email("paula")
    paula = Account(api, "Paula Profile", email, currency="USD")
    app = open_browser(width=1280)
    app.sign_in(email)
    app.go("/account")
    app.heading("Your account")
    app.see(email)
    app.screenshot("account-1280")
    assert serious(app) == []

    # Name and default currency (a list of every currency, not a box to type a code into).
    app.fill("Your name", "Paula P. Profile")
    assert app.field("Default currency").tag_name == "select"
    app.wait(lambda: "EUR — Euro" in app.field("Default currency").text, "the currency list")
    app.choose("Default currency", "EUR — Euro")
    app.click("Save profile")
    app.see("Profile saved.")
    me = call(api, paula, "GET", "/users/me")
    assert (me["full_name"], me["default_currency"]) == ("Paula P. Profile", "EUR")

    # A name of spaces only: the API's message, under the field.
    app.fill("Your name", "   ")
    app.click("Save profile")
    assert app.field_error("Your name")

    # The password: what it does is said before; a wrong current one is said under it.
    app.see("A new password ends every session, on every device, this one too.")
    token = api.token(email)  # a session elsewhere, which the change ends
    app.fill("Current password", "not my password")
    app.fill("New password", "a brand new password")
    app.click("Change password")
    assert "not your current password" in app.field_error("Current password")
    app.fill("Current password", PASSWORD)
    app.fill("New password", "a brand new password")
    app.click("Change password")
    app.see("Password changed.")
    status, _, _ = api.call("POST", "/token", {"email": email, "password": PASSWORD})
    assert status == 401
    # The old session ended; this tab signed in again and goes on.
    status, _, _ = api.call("GET", "/users/me", token=token)
    assert status == 401
    app.go("/account")
    app.heading("Your account")

    # Trash, Activity and Notifications are one tap away.
    for label, heading in (
        ("Trash", "Trash"),
        ("Activity", "Activity"),
        ("Notifications", "Notifications"),
    ):
        app.go("/account")
        app.heading("Your account")
        link = app.driver.find_element(
            By.XPATH, f"//main//a[.//*[normalize-space()='{label}'] or normalize-space()='{label}']"
        )
        app.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
        link.click()
        app.heading(heading)
    assert app.console_errors() == []


def test_deleting_the_account_explains_what_stands_in_the_way(open_browser, api: ApiClient):
    email = unique_email("erin")
    erin = Account(api, "Erin Leaving", email)
    friend = Account(api, "Finn Staying", unique_email("finn"))
    ski = call(api, erin, "POST", "/groups/", {"name": "Ski trip"})
    call(api, friend, "POST", "/groups/join", {"invite_code": ski["invite_code"]})
    call(
        api,
        erin,
        "POST",
        f"/groups/{ski['id']}/expenses",
        {"description": "Lift passes", "amount": "90", "split_type": "equal"},
    )
    erin_id = call(api, erin, "GET", "/users/me")["id"]
    finn_id = call(api, friend, "GET", "/users/me")["id"]
    call(
        api,
        erin,
        "POST",
        "/expenses/",
        {"amount": "4", "category": "Tea", "payment_method": "cash"},
    )

    app = open_browser(width=375, height=812)
    app.sign_in(email)
    app.go("/account")
    app.heading("Your account")
    app.see("Your personal expenses are deleted.")
    app.see("“Deleted user”")
    no_sideways_scroll(app)
    app.screenshot("account-375")
    assert serious(app) == []

    # The password is asked first; a wrong one is said under the field.
    app.click("Delete my account")
    assert app.field_error("Your password")
    app.fill("Your password", "not my password")
    app.click("Delete my account")
    app.confirm("Delete your account?", "Delete my account")
    assert "not your current password" in app.field_error("Your password")

    # Erin is owed 45.00 in Ski trip and is its only owner: both are named, with links.
    app.fill("Your password", PASSWORD)
    app.click("Delete my account")
    app.dialog("Delete your account?")
    app.screenshot("account-delete-confirm-375")
    app.confirm("Delete your account?", "Delete my account")
    app.see("settle up first")
    app.see("You are its only owner")
    links = [
        link.get_attribute("href")
        for link in app.driver.find_elements(By.XPATH, "//main//a")
        if "Ski trip" in link.text
    ]
    assert any(href.endswith(f"#/groups/{ski['id']}/balances") for href in links), links
    assert any(href.endswith(f"#/groups/{ski['id']}/members") for href in links), links
    app.screenshot("account-delete-blocked-375")
    assert serious(app) == []
    call(api, erin, "GET", "/users/me")  # still there

    # Settled and handed over: now the account goes, and the app says so.
    call(
        api,
        friend,
        "POST",
        f"/groups/{ski['id']}/settlements",
        {"to_user": erin_id, "amount": "45.00"},
    )
    call(api, erin, "PATCH", f"/groups/{ski['id']}/members/{finn_id}", {"role": "owner"})
    app.go("/account")
    app.heading("Your account")
    app.fill("Your password", PASSWORD)
    app.click("Delete my account")
    # Cancelling changes nothing.
    app.click("Cancel", within="Delete your account?")
    app.no_dialog()
    call(api, erin, "GET", "/users/me")
    app.click("Delete my account")
    app.confirm("Delete your account?", "Delete my account")
    app.heading("Sign in")
    app.see("Your account has been deleted.")
    status, _, _ = api.call("POST", "/token", {"email": email, "password": PASSWORD})
    assert status == 401
    members = call(api, friend, "GET", f"/groups/{ski['id']}/members?include_former=true")
    assert {m["full_name"] for m in members if m["user_id"] == erin_id} == {"Deleted user"}
    assert app.console_errors() == []


def test_account_in_german(open_browser, api: ApiClient):
    email = unique_email("greta")
    api.sign_up("Greta Grün", email)
    app = open_browser(width=375, height=812, locale="de-DE")
    app.sign_in(email)
    app.go("/account")
    app.heading("Your account")
    no_sideways_scroll(app)
    app.screenshot("account-de-375")
    assert serious(app) == []
    assert app.console_errors() == []
