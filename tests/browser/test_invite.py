"""The invite link, #/join/<code>?g=<group>&by=<name>: signed out it says who invited
whom to what (as the link says) and leads through sign-up or sign-in back to itself;
signed in it names the group from the API, joins on request, and explains a code that no
longer works (404) and too many look-ups (429)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from tests.browser.app_driver import PASSWORD, ApiClient, App, unique_email

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def hosted_group(api: ApiClient, name: str) -> tuple[str, dict[str, Any]]:
    """A group of Carol's: her email (for fresh tokens: they live 20 s here) and the group."""
    email = unique_email("carol")
    token = api.sign_up("Carol Host", email)
    status, group, _ = api.call("POST", "/groups/", {"name": name}, token=token)
    assert status == 201, group
    return email, dict(group)


def invite_path(code: str, group: str, by: str) -> str:
    return f"/app/#/join/{code}?{urlencode({'g': group, 'by': by})}"


def no_serious_axe(app: App) -> None:
    serious = [v for v in app.axe() if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def no_sideways_scroll(app: App) -> None:
    extra = app.driver.execute_script(
        "const root = document.documentElement; return root.scrollWidth - root.clientWidth"
    )
    assert extra <= 0, f"the page scrolls sideways by {extra} px"


def test_signed_out_invitee_creates_an_account_and_comes_back_to_join(open_browser, api: ApiClient):
    host, group = hosted_group(api, "Lisbon trip")
    app = open_browser(width=375, height=800)
    app.open(invite_path(group["invite_code"], "Lisbon trip", "Carol"))
    app.heading("You are invited")
    app.see("Carol invited you to Lisbon trip: create an account to join.")
    app.see("That is what the link says.")
    no_sideways_scroll(app)
    app.screenshot("invite-signed-out-375")
    no_serious_axe(app)

    app.click("Create account")
    app.heading("Create your account")
    app.see("Carol invited you to Lisbon trip (as the link says). Create an account to join.")
    app.screenshot("invite-signup-375")
    no_serious_axe(app)
    app.fill("Your name", "Nora Newcomer")
    app.fill("Email", unique_email("nora"))
    app.fill("Password", PASSWORD)
    app.fill("Currency", "EUR")
    app.click("Create account")

    # Back on the invite, now named by the API, and nothing joined yet.
    app.heading("Join Lisbon trip")
    app.see("Carol invited you to Lisbon trip.")
    app.see("1 member")
    app.screenshot("invite-375")
    no_serious_axe(app)
    _, members, _ = api.call("GET", f"/groups/{group['id']}/members", token=api.token(host))
    assert len(members) == 1
    app.click("Join Lisbon trip")
    app.heading("Lisbon trip")
    app.see("You joined Lisbon trip.")
    _, members, _ = api.call("GET", f"/groups/{group['id']}/members", token=api.token(host))
    assert len(members) == 2
    assert app.console_errors() == []


def test_signed_out_invitee_with_an_account_signs_in_and_the_api_names_the_group(
    open_browser, api: ApiClient
):
    _, group = hosted_group(api, "Book club")
    email = unique_email("sam")
    api.sign_up("Sam Signin", email)
    app = open_browser(width=1280)
    # The link claims another name: signed in, the API's name is what counts.
    app.open(invite_path(group["invite_code"], "Free money", "Gina"))
    app.see("Gina invited you to Free money: create an account to join.")
    app.screenshot("invite-signed-out-1280")
    app.click("Sign in")
    app.heading("Sign in")
    app.fill("Email", email)
    app.fill("Password", PASSWORD)
    app.click("Sign in")
    app.heading("Join Book club")
    app.not_see("Free money")
    app.screenshot("invite-1280")
    no_serious_axe(app)
    app.click("Join Book club")
    app.heading("Book club")

    # Opening the link again: already a member, a way into the group.
    app.go(f"/join/{group['invite_code']}")
    app.see("You are already a member of Book club.")
    app.click_link("Open Book club")
    app.heading("Book club")


def test_a_code_that_no_longer_works_and_too_many_lookups_are_explained(
    open_browser, api: ApiClient
):
    host, group = hosted_group(api, "Climbing club")
    email = unique_email("wes")
    api.sign_up("Wes Wrongcode", email)
    app = open_browser(locale="de-DE", width=375, height=800)
    app.sign_in(email)
    app.go("/join/no-such-code?by=Carol")
    app.heading("This invite link does not work")
    app.see("Ask Carol for a fresh link.")
    app.screenshot("invite-de-375")
    no_serious_axe(app)

    # The code is replaced between looking and joining: the 404 of the join is explained.
    app.go(f"/join/{group['invite_code']}")
    app.heading("Join Climbing club")
    status, _, _ = api.call("POST", f"/groups/{group['id']}/invite-code", token=api.token(host))
    assert status == 200
    app.click("Join Climbing club")
    app.see("This invite link no longer works.")

    # Too many look-ups (429): the server's answer, simulated in this page only.
    app.driver.execute_script(
        """
        const real = window.fetch;
        window.fetch = (url, options) => String(url).includes('/groups/invites/')
          ? Promise.resolve(new Response(
              JSON.stringify({type: '/problems/rate-limited', title: 'Too many requests',
                              status: 429, detail: 'Too many requests.'}),
              {status: 429, headers: {'Content-Type': 'application/problem+json',
                                      'Retry-After': '60'}}))
          : real(url, options);
        """
    )
    app.go(f"/join/{group['invite_code']}?g=x")
    app.heading("Too many invite links checked")
    app.see("Wait a minute, then try again.")
    assert app.console_errors() == []
