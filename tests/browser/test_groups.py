"""The group page: the header says what the group means for me before anything else, then
tabs (Expenses, Balances, Activity, Members, Settings) with the tab in the URL. The
Expenses tab lists first (who paid, the total, my share, both amounts for an expense in
another currency, recurring occurrences badged), with a "+" to add and filters folded away;
the Balances tab shows who pays whom with "Record payment", every member's net (guests
marked), and one history of payments and shares marked paid, each undoable.

The people and their expenses are arranged through the API: the expense form, joining and
the members tab have their own tests (test_group_expense_form.py, test_invite.py,
test_members.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.app_driver import ApiClient, App, unique_email, xpath_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class Trip:
    """A group of Alice (owner), Bob and the guest Gus, with three expenses."""

    group_id: int
    alice: int
    bob: int
    gus: int
    alice_email: str
    bob_email: str
    dinner: int
    museum: int
    api: ApiClient

    # Access tokens live 20 seconds in these tests: a fresh one for each check.
    @property
    def alice_token(self) -> str:
        return self.api.token(self.alice_email)

    @property
    def bob_token(self) -> str:
        return self.api.token(self.bob_email)


def arrange_trip(api: ApiClient, name: str = "Lisbon trip") -> Trip:
    alice_email, bob_email = unique_email("alice"), unique_email("bob")
    alice_token = api.sign_up("Alice Martin", alice_email)
    bob_token = api.sign_up("Bob Chen", bob_email)
    status, group, _ = api.call("POST", "/groups/", {"name": name}, token=alice_token)
    assert status == 201, group
    gid = group["id"]
    status, joined, _ = api.call(
        "POST", "/groups/join", {"invite_code": group["invite_code"]}, token=bob_token
    )
    assert status == 201, joined
    status, guest, _ = api.call(
        "POST", f"/groups/{gid}/guests", {"full_name": "Gus Guest"}, token=alice_token
    )
    assert status == 201, guest
    alice, bob, gus = group["created_by"], joined["user_id"], guest["user_id"]
    # Alice paid 100.00 for dinner, shared by Alice and Bob: Bob owes 50.00.
    status, dinner, _ = api.call(
        "POST",
        f"/groups/{gid}/expenses",
        {
            "description": "Dinner at Ramiro",
            "amount": "100",
            "category": "Food",
            "split_type": "equal",
            "participants": [alice, bob],
        },
        token=alice_token,
    )
    assert status == 201, dinner
    # Bob paid £60.00 at 1.17 (€70.20) for the museum, everyone's share (guest included).
    status, museum, _ = api.call(
        "POST",
        f"/groups/{gid}/expenses",
        {
            "description": "Museum tickets",
            "amount": "60",
            "currency": "GBP",
            "exchange_rate": "1.17",
            "split_type": "equal",
            "participants": [alice, bob, gus],
        },
        token=bob_token,
    )
    assert status == 201, museum
    # A monthly bill from today: its first occurrence is created at once.
    status, series, _ = api.call(
        "POST",
        f"/groups/{gid}/recurring-expenses",
        {
            "template": {
                "description": "Flat internet",
                "amount": "30",
                "split_type": "equal",
                "participants": [alice, bob],
            },
            "rule": {"frequency": "monthly", "start_date": datetime.date.today().isoformat()},
        },
        token=alice_token,
    )
    assert status == 201, series
    return Trip(
        gid,
        alice,
        bob,
        gus,
        alice_email,
        bob_email,
        dinner["id"],
        museum["id"],
        api,
    )


def undo(app: App, message: str) -> None:
    """Click Undo on the toast that says `message` (an older toast may still offer its own)."""
    app.wait(
        lambda: app.driver.find_element(
            By.XPATH,
            f"//*[@id='toasts']/*[contains(., {xpath_text(message)})]"
            "//button[normalize-space()='Undo']",
        ),
        f"Undo on {message!r}",
    ).click()


def serious(app: App) -> list[dict]:
    return [v for v in app.axe() if v["impact"] in ("serious", "critical")]


def tab(app: App, label: str) -> None:
    """Open a tab of the group page by its link and wait until it is the current one (the
    page is drawn anew, so the link is found again: app.tab() waits on the old one)."""
    tabs = "//main//nav[contains(@class, 'tabs')]"
    app.driver.find_element(By.XPATH, f"{tabs}//a[normalize-space()='{label}']").click()
    app.wait(
        lambda: app.driver.find_elements(
            By.XPATH, f"{tabs}//a[@aria-current='page' and normalize-space()='{label}']"
        ),
        f"the {label} tab",
    )


def position(app: App) -> str:
    """The sentence at the top of the group page: what it means for me."""
    return app.wait(
        lambda: " ".join(
            e.text.replace("\n", " ")
            for e in app.driver.find_elements(
                By.CSS_SELECTOR, "[aria-label='Your position in this group'] .stat"
            )
        ),
        "my position in the group",
    )


def fits(app: App) -> bool:
    """Nothing wider than the window: no sideways scrolling on a phone."""
    return app.driver.execute_script(
        "const root = document.documentElement; return root.scrollWidth <= root.clientWidth"
    )


def open_row(app: App, title: str) -> None:
    """Tap a list row (the whole row is one link) by the title it shows."""
    app.wait(
        lambda: app.driver.find_element(By.XPATH, f"//main//li/a[contains(., '{title}')]"),
        f"the row {title!r}",
    ).click()


def row_texts(app: App, within: str | None = None) -> list[str]:
    scope = app.scope(within)
    return [e.text for e in scope.find_elements(By.CSS_SELECTOR, "li.list-item") if e.text]


def test_the_group_page_says_where_i_stand_first_then_lists_the_expenses(
    open_browser, api: ApiClient
):
    trip = arrange_trip(api)
    bob = open_browser(width=1280)
    bob.sign_in(trip.bob_email)
    bob.go(f"/groups/{trip.group_id}")
    bob.heading("Lisbon trip")
    # Bob owes Alice 50.00 - 23.40 (her museum share) - 15.00 (internet) ... the plan says.
    _, plan, _ = api.call("GET", f"/groups/{trip.group_id}/settle-up", token=trip.bob_token)
    mine = [t for t in plan if trip.bob in (t["from_user"], t["to_user"])]
    assert mine, plan
    words = position(bob)
    for transfer in mine:
        amount = "€" + transfer["amount"]
        if transfer["from_user"] == trip.bob:
            assert "You owe Alice Martin " + amount in words, words
        else:
            assert " owes you " + amount in words, words
    # The position comes before the tabs and the list.
    y = {
        what: bob.driver.find_element(By.XPATH, xpath).location["y"]
        for what, xpath in {
            "position": "//*[@aria-label='Your position in this group']",
            "tabs": "//nav[contains(@class, 'tabs')]",
            "list": "//ul[contains(@class, 'list')]",
        }.items()
    }
    assert y["position"] < y["tabs"] < y["list"], y
    bob.see("3 members · amounts in EUR")

    # The list: who paid, the total, my share; both amounts for the museum; recurring badged.
    rows = row_texts(bob)
    dinner = next(r for r in rows if "Dinner at Ramiro" in r)
    assert "Alice Martin paid" in dinner, dinner
    assert "Your share €50.00" in dinner, dinner
    assert "€100.00" in dinner, dinner
    museum = next(r for r in rows if "Museum tickets" in r)
    assert "£60.00 · €70.20" in museum, museum
    assert "You paid" in museum, museum
    internet = next(r for r in rows if "Flat internet" in r)
    assert "Recurring" in internet, internet
    bob.see("3 expenses")
    link = bob.driver.find_element(By.XPATH, "//a[normalize-space()='Recurring bills']")
    assert link.get_attribute("href").endswith(f"#/groups/{trip.group_id}/recurring")
    add = bob.button("Add expense")
    assert add.get_attribute("href").endswith(f"#/groups/{trip.group_id}/expenses/new")
    assert not serious(bob)
    bob.screenshot("group-expenses-1280")

    # Filters are folded away; opened, they narrow the list.
    assert not bob.driver.find_element(By.CSS_SELECTOR, "details.foldout").get_attribute("open")
    bob.driver.find_element(By.XPATH, "//summary[normalize-space()='Filters']").click()
    bob.choose("Paid by", "You")
    bob.click("Apply filters")
    bob.see("1 matching")
    assert [r for r in row_texts(bob) if "Museum tickets" in r]
    assert not [r for r in row_texts(bob) if "Dinner at Ramiro" in r]
    bob.fill("Category", "Food")
    bob.click("Apply filters")
    bob.see("No expenses match these filters")
    bob.click("Clear filters")
    bob.see("3 expenses")

    # Guests are marked in the filters too.
    assert "Gus Guest (guest)" in bob.field("Paid by").text

    # A row opens the expense's detail view.
    open_row(bob, "Dinner at Ramiro")
    bob.heading("Dinner at Ramiro")
    assert bob.driver.current_url.endswith(f"#/groups/{trip.group_id}/expenses/{trip.dinner}")
    # An occurrence of a recurring bill leads to its series.
    bob.go(f"/groups/{trip.group_id}")
    open_row(bob, "Flat internet")
    bob.heading("Flat internet")
    badge = bob.driver.find_element(By.XPATH, "//main//a[normalize-space()='Recurring']")
    assert f"#/groups/{trip.group_id}/recurring/" in badge.get_attribute("href")

    # Every tab is in the URL and passes axe.
    for label, path in (
        ("Balances", "balances"),
        ("Activity", "activity"),
        ("Members", "members"),
        ("Settings", "settings"),
        ("Expenses", ""),
    ):
        bob.go(f"/groups/{trip.group_id}/{path}".rstrip("/"))
        bob.heading("Lisbon trip")
        bob.wait(
            lambda label=label: bob.driver.find_elements(
                By.XPATH, f"//nav//a[@aria-current='page' and normalize-space()='{label}']"
            ),
            f"the {label} tab",
        )
        assert not serious(bob), label
    assert bob.console_errors() == []


def test_balances_record_the_suggested_payment_then_delete_it_and_undo(
    open_browser, api: ApiClient
):
    trip = arrange_trip(api, "Allotment")
    bob = open_browser(width=1280)
    bob.sign_in(trip.bob_email)
    bob.go(f"/groups/{trip.group_id}/balances")
    bob.heading("Allotment")
    bob.see("Who pays whom")
    _, plan, _ = api.call("GET", f"/groups/{trip.group_id}/settle-up", token=trip.bob_token)
    # Bob's own transfer first in words; each member's net, the guest marked.
    balances = row_texts(bob, "Balances")
    gus = next(r for r in balances if "Gus Guest" in r)
    assert "Guest" in gus.replace("Gus Guest", ""), gus
    you = next(r for r in balances if "You" in r.split("\n"))
    assert "you owe €18.20" in you, you
    assert not serious(bob)
    bob.screenshot("group-balances-1280")

    transfer = next(t for t in plan if t["from_user"] == trip.bob)
    amount = "€" + transfer["amount"]
    bob.click(f"Record payment: You pay Alice Martin {amount}")
    bob.wait(
        lambda: bob.field("Amount (EUR)").get_attribute("value") == transfer["amount"], "prefilled"
    )
    assert not serious(bob)
    bob.screenshot("group-record-payment-1280")
    bob.fill("Note", "bank transfer")
    bob.click("Record payment", within="Record a payment")
    bob.see(f"Payment recorded: You paid Alice Martin {amount}.")
    _, payments, _ = api.call("GET", f"/groups/{trip.group_id}/settlements", token=trip.bob_token)
    assert [(p["from_user"], p["to_user"], p["amount"], p["note"]) for p in payments] == [
        (trip.bob, trip.alice, transfer["amount"], "bank transfer")
    ]
    # The payment is in the history, with its amount (really: the old check ended in "or True").
    bob.wait(
        lambda: any(
            "You paid Alice Martin" in r and amount in r and "Payment" in r
            for r in row_texts(bob, "Payments")
        ),
        "the payment in the history",
    )
    assert "You owe" not in position(bob)

    # Deleted by mistake: asked first, then gone, with Undo; no "Payment recorded." lingers.
    bob.click(f"Delete payment: You paid Alice Martin {amount}")
    bob.confirm("Delete this payment?", "Delete payment")
    bob.see("No payments recorded yet")
    # (The page itself; the toast that said it goes away on its own.)
    assert "Payment recorded" not in bob.driver.find_element(By.TAG_NAME, "main").text
    _, payments, _ = api.call("GET", f"/groups/{trip.group_id}/settlements", token=trip.bob_token)
    assert payments == []
    undo(bob, "Payment deleted")
    bob.see("The payment is back.")
    bob.wait(lambda: any(amount in r for r in row_texts(bob, "Payments")), "the payment again")
    _, payments, _ = api.call("GET", f"/groups/{trip.group_id}/settlements", token=trip.bob_token)
    assert len(payments) == 1

    # By keyboard: Enter opens the dialog with focus inside it, Escape closes it and focus
    # returns to the button that opened it.
    opener = bob.button("Record a payment")
    bob.driver.execute_script("arguments[0].focus()", opener)
    opener.send_keys(Keys.ENTER)
    bob.dialog("Record a payment")
    assert bob.driver.execute_script("return document.activeElement.closest('dialog') !== null"), (
        "focus is in the dialog"
    )
    bob.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    bob.no_dialog()
    assert (
        bob.driver.execute_script("return document.activeElement.getAttribute('aria-label')")
        == "Record a payment"
    )

    # A payment of my own, typed: the fab opens the same dialog.
    bob.click("Record a payment")
    bob.fill("Amount (EUR)", "abc")
    bob.click("Record payment", within="Record a payment")
    assert bob.field_error("Amount (EUR)")
    bob.choose("To", "You")
    bob.fill("Amount (EUR)", "3")
    bob.click("Record payment", within="Record a payment")
    assert "different" in bob.field_error("To").lower() or "someone other" in bob.field_error("To")
    bob.choose("To", "Gus Guest (guest)")
    bob.click("Record payment", within="Record a payment")
    bob.see("Payment recorded: You paid Gus Guest €3.00.")
    assert bob.console_errors() == []

    # Alice, an owner, on her phone: she may record the guest's payments, to her and to Bob;
    # then everyone is settled up, and her page says so first.
    alice = open_browser(width=375, height=800)
    alice.sign_in(trip.alice_email)
    alice.go(f"/groups/{trip.group_id}/balances")
    alice.heading("Allotment")
    alice.see("Gus Guest owes you")
    assert fits(alice)
    alice.screenshot("group-balances-owner-375")
    alice.click("Record payment: Gus Guest pays Bob Chen €3.00")
    alice.click("Record payment", within="Record a payment")
    alice.see("Payment recorded: Gus Guest paid Bob Chen €3.00.")
    alice.click("Record payment: Gus Guest pays you €23.40")
    alice.click("Record payment", within="Record a payment")
    alice.see("Everyone is settled up")
    assert position(alice) == "In this group You are settled up"
    _, balances, _ = api.call("GET", f"/groups/{trip.group_id}/balances", token=trip.alice_token)
    assert {row["net"] for row in balances} == {"0.00"}
    assert not serious(alice)
    alice.screenshot("group-settled-375")
    assert alice.console_errors() == []


def test_a_share_marked_paid_is_a_payment_in_the_history_and_can_be_undone(
    open_browser, api: ApiClient
):
    trip = arrange_trip(api, "Flat 3B")
    bob = open_browser(width=1280)
    bob.sign_in(trip.bob_email)
    bob.go(f"/groups/{trip.group_id}/expenses/{trip.dinner}")
    bob.heading("Dinner at Ramiro")
    # It says what it does before anything happens.
    bob.see("Record that you paid Alice Martin your €50.00 share of Dinner at Ramiro.")
    bob.click("Mark my share paid")
    bob.see("It counts as a payment")
    bob.click("Cancel", within="Mark your share paid?")
    _, dinner, _ = api.call(
        "GET", f"/groups/{trip.group_id}/expenses/{trip.dinner}", token=trip.bob_token
    )
    assert not next(s for s in dinner["splits"] if s["user_id"] == trip.bob)["is_paid"]
    bob.click("Mark my share paid")
    bob.confirm("Mark your share paid?", "Mark paid")
    bob.see("Your share of Dinner at Ramiro is marked paid.")
    bob.see("You marked your €50.00 share paid.")

    def bob_paid() -> bool:
        _, expense, _ = api.call(
            "GET", f"/groups/{trip.group_id}/expenses/{trip.dinner}", token=trip.bob_token
        )
        return next(s for s in expense["splits"] if s["user_id"] == trip.bob)["is_paid"]

    assert bob_paid()
    # Undo from the toast.
    undo(bob, "Your share of Dinner at Ramiro is marked paid.")
    bob.see("Your share of Dinner at Ramiro is owed again.")
    bob.wait(lambda: not bob_paid(), "the share unpaid again")
    bob.see("Record that you paid Alice Martin your €50.00 share")

    # Marked again, it is listed with the payments, labelled, and "Mark unpaid" there too.
    bob.click("Mark my share paid")
    bob.confirm("Mark your share paid?", "Mark paid")
    bob.see("You marked your €50.00 share paid.")
    bob.go(f"/groups/{trip.group_id}/balances")
    bob.heading("Flat 3B")
    history = row_texts(bob, "Payments")
    assert any(
        "You paid Alice Martin" in r
        and "€50.00" in r
        and "Share marked paid" in r
        and "share of Dinner at Ramiro" in r
        for r in history
    ), history
    bob.screenshot("group-payments-history-1280")
    bob.click("Mark unpaid: your share of Dinner at Ramiro")
    bob.confirm("Mark your share unpaid?", "Mark unpaid")
    bob.see("No payments recorded yet")
    assert not bob_paid()
    assert bob.console_errors() == []


def test_the_group_page_on_a_phone_in_german(open_browser, api: ApiClient):
    trip = arrange_trip(api, "Berlin")
    bob = open_browser(width=375, height=800, locale="de-DE")
    bob.sign_in(trip.bob_email)
    bob.go(f"/groups/{trip.group_id}")
    bob.heading("Berlin")
    rows = row_texts(bob)
    museum = next(r for r in rows if "Museum tickets" in r)
    assert "60,00 £ · 70,20 €" in museum, museum
    dinner = next(r for r in rows if "Dinner at Ramiro" in r)
    assert "50,00 €" in dinner, dinner
    # Nothing wider than the phone.
    assert fits(bob)
    assert not serious(bob)
    bob.screenshot("group-expenses-de-375")

    tab(bob, "Balances")
    bob.see("Who pays whom")
    assert not serious(bob)
    bob.screenshot("group-balances-de-375")
    # An amount typed the German way reaches the API in its own notation.
    bob.click("Record a payment")
    bob.choose("To", "Alice Martin")
    bob.fill("Amount (EUR)", "12,50")
    bob.screenshot("group-record-payment-de-375")
    bob.click("Record payment", within="Record a payment")
    bob.see("Payment recorded")
    _, payments, _ = api.call("GET", f"/groups/{trip.group_id}/settlements", token=trip.bob_token)
    assert [p["amount"] for p in payments] == ["12.50"]
    bob.see("12,50 €")
    assert fits(bob)

    for label in ("Activity", "Members", "Settings", "Expenses"):
        tab(bob, label)
        assert not serious(bob), label
    bob.screenshot("group-tabs-de-375")
    assert bob.console_errors() == []


def test_the_group_page_at_375_in_english_and_a_settled_group(open_browser, api: ApiClient):
    email = unique_email("solo")
    token = api.sign_up("Sam Solo", email)
    _, group, _ = api.call("POST", "/groups/", {"name": "Just me"}, token=token)
    app = open_browser(width=375, height=800)
    app.sign_in(email)
    app.go(f"/groups/{group['id']}")
    app.heading("Just me")
    assert position(app) == "In this group You are settled up"
    app.see("1 member · amounts in EUR")
    app.see("Invite people first")
    invite = app.driver.find_element(By.XPATH, "//main//a[normalize-space()='Invite people']")
    assert invite.get_attribute("href").endswith(f"#/groups/{group['id']}/members")
    app.screenshot("group-empty-375")
    tab(app, "Balances")
    app.see("Everyone is settled up")
    app.see("No payments recorded yet")
    assert not serious(app)
    app.screenshot("group-balances-375")
    # A group that is not there: the failure page says so and leads back to Groups.
    app.go("/groups/999999")
    app.see("Not found")
    assert app.driver.find_elements(By.XPATH, "//a[contains(@href, '#/groups')]")
