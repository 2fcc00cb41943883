"""Accounts and sessions in the browser (sign up, in, out, password change, token refresh)
and what a person notices: `/` leads to the app, the page's CSP, no token in any URL, a
phone-width screen, the keyboard alone, and axe-core's accessibility check."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from expense_tracker.http.headers import APP_CONTENT_SECURITY_POLICY
from tests.browser.app_driver import PASSWORD, ApiClient, App, unique_email
from tests.browser.conftest import ACCESS_TOKEN_SECONDS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# The page header's "Sign out": there only while someone is signed in.
SIGN_OUT_BUTTON = "//header//button[normalize-space()='Sign out']"


def signed_out(app: App) -> None:
    app.heading("Sign in")
    assert not app.driver.find_elements(By.XPATH, SIGN_OUT_BUTTON)


def session_cookie(app: App) -> str | None:
    """The refresh token's cookie, which only the browser itself (and DevTools) can read."""
    cookies = app.driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
    return next((c["value"] for c in cookies if c["name"] == "refresh_token"), None)


def test_the_root_sends_a_browser_to_the_app_with_a_strict_policy(base_url: str):
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", "/")
    response = connection.getresponse()
    response.read()
    assert response.status == 302
    assert response.headers["Location"] == "/app/"
    for path in ("/app/", "/app/js/main.js", "/app/app.css"):
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, path
        assert response.headers["Content-Security-Policy"] == APP_CONTENT_SECURITY_POLICY
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    connection.close()


def test_sign_up_out_in_and_change_password(open_browser, api: ApiClient):
    email = unique_email("paula")
    app = open_browser()
    app.sign_up("Paula Password", email)
    assert "token" not in app.driver.current_url

    # A field error from the API, next to its field: the email is taken.
    other = open_browser()
    other.open("/app/#/signup")
    other.fill("Your name", "Someone Else")
    other.fill("Email", email.upper())
    other.fill("Password", "short")
    other.fill("Currency", "EUR")
    other.click("Create account")
    assert "8" in other.field_error("Password")

    # Reloading keeps the tab signed in (the refresh token, in an HttpOnly cookie that the
    # page cannot read: DevTools can), signing out ends the session.
    app.driver.refresh()
    app.heading("Your expenses")
    refresh_token = session_cookie(app)
    assert refresh_token
    assert "eyJ" not in app.driver.execute_script("return document.cookie")
    app.click("Sign out")
    signed_out(app)
    app.wait(lambda: session_cookie(app) is None, "the API to clear the session cookie")
    app.driver.refresh()
    signed_out(app)
    # Signing out revoked the session on the server, not only in this browser.
    status, _, _ = api.call("POST", "/token/refresh", token=refresh_token)
    assert status == 401

    # Wrong password, then the right one.
    app.fill("Email", email)
    app.fill("Password", "not the password")
    app.click("Sign in")
    assert "do not match" in app.alert_text()
    app.fill("Password", PASSWORD)
    app.click("Sign in")
    app.heading("Your expenses")

    # Change the password: this tab stays signed in, the old password no longer works.
    app.nav("Account")
    app.heading("Your account")
    app.fill("Current password", "wrong password 1")
    app.fill("New password", "a brand new password")
    app.click("Change password")
    # The API's 403 is said under the field it is about.
    assert "not your current password" in app.field_error("Current password")
    app.fill("Current password", PASSWORD)
    app.fill("New password", "a brand new password")
    app.click("Change password")
    app.see("Password changed.")
    status, _, _ = api.call("POST", "/token", {"email": email, "password": PASSWORD})
    assert status == 401
    api.token(email, "a brand new password")
    app.nav("Expenses")
    app.heading("Your expenses")
    assert app.console_errors() == []


def test_an_expired_access_token_is_refreshed_without_the_person_noticing(
    open_browser, api: ApiClient
):
    email = unique_email("tim")
    token = api.sign_up("Tim Timeout", email)
    api.call(
        "POST",
        "/expenses/",
        {"amount": "3", "category": "Coffee", "payment_method": "cash"},
        token=token,
    )
    app = open_browser()
    app.sign_in(email)
    app.see("€3.00")
    time.sleep(ACCESS_TOKEN_SECONDS + 1)
    app.nav("Summary")
    app.heading("Summary")
    app.see("€3.00")
    app.nav("Expenses")
    app.see("€3.00")
    signed_in_buttons = app.driver.find_elements(By.XPATH, SIGN_OUT_BUTTON)
    assert signed_in_buttons
    # The tokens never appear in the page's address, its storage or its cookies: the refresh
    # token is in an HttpOnly cookie, the access token in the page's memory.
    assert "eyJ" not in app.driver.current_url
    stored = app.driver.execute_script(
        "return JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie"
    )
    assert "eyJ" not in stored


def test_phone_width_keyboard_only_and_accessibility(open_browser, api: ApiClient):
    email = unique_email("kim")
    token = api.sign_up("Kim Keyboard", email)
    other = api.sign_up("Lou Friend", unique_email("lou"))
    status, group, _ = api.call("POST", "/groups/", {"name": "Climbing club"}, token=token)
    assert status == 201
    api.call("POST", "/groups/join", {"invite_code": group["invite_code"]}, token=other)
    api.call(
        "POST",
        f"/groups/{group['id']}/expenses",
        {"description": "Rope", "amount": "80", "split_type": "equal"},
        token=token,
    )
    api.call(
        "POST",
        "/expenses/",
        {"amount": "9.99", "category": "Snacks", "payment_method": "cash", "description": "Chalk"},
        token=token,
    )

    app = open_browser(width=375, height=812)
    # The page's width against the window's, without its scroll bar: nothing scrolls sideways.
    width = lambda: app.driver.execute_script(  # noqa: E731
        "const root = document.documentElement; return root.scrollWidth - root.clientWidth"
    )

    # Keyboard alone: sign in with Tab and Enter.
    app.open("/app/#/signin")
    app.heading("Sign in")
    app.screenshot("phone-sign-in")
    active = lambda: app.driver.switch_to.active_element  # noqa: E731

    def tab_to(name: str) -> None:
        for _ in range(12):
            if active().get_attribute("name") == name:
                return
            active().send_keys(Keys.TAB)
        raise AssertionError(f"Tab never reached {name}")

    app.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)  # the skip link first
    assert active().text == "Skip to content"
    tab_to("email")
    active().send_keys(email, Keys.TAB)
    active().send_keys(PASSWORD, Keys.ENTER)
    app.heading("Your expenses")

    # Add an expense with the keyboard only: Tab to the "+", Enter opens the form in a
    # dialog with the amount focused.
    for _ in range(40):
        if active().get_attribute("aria-label") == "Add expense":
            break
        active().send_keys(Keys.TAB)
    else:
        raise AssertionError("Tab never reached the + button")
    active().send_keys(Keys.ENTER)
    app.dialog("Add an expense")
    assert active().get_attribute("name") == "amount"
    active().send_keys("4.20")
    tab_to("category")  # past the currency and the date, kept as they are
    active().send_keys("Coffee", Keys.ENTER)
    app.see("Expense added.")
    app.see("€4.20")

    pages = [
        ("/expenses", "Your expenses", "phone-expenses"),
        ("/summary", "Summary", "phone-summary"),
        ("/groups", "Groups", "phone-groups"),
        (f"/groups/{group['id']}", "Climbing club", "phone-group"),
        (f"/groups/{group['id']}/expenses/new", "Add an expense", "phone-shared-expense"),
        ("/account", "Your account", "phone-account"),
    ]
    problems = {}
    for route, heading, shot in pages:
        app.go(route)
        app.heading(heading)
        time.sleep(0.3)
        assert width() <= 0, f"{route} scrolls sideways at 375 px ({width()} px too wide)"
        app.screenshot(shot)
        serious = [v for v in app.axe() if v["impact"] in ("serious", "critical")]
        if serious:
            problems[route] = serious
    app.click("Sign out")
    app.heading("Sign in")
    serious = [v for v in app.axe() if v["impact"] in ("serious", "critical")]
    if serious:
        problems["/signin"] = serious
    assert not problems, problems
    assert app.console_errors() == []
