"""An expense of a group, opened by any member (issue 19, item 5): what it was, both amounts
and the rate for another currency, who paid, every share and whether it is paid, notes,
comments and its history. Edit and Delete only for its creator, a payer or an owner;
Delete asks first and can be undone; an expense deleted elsewhere says so instead of
leaving dead buttons."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import ApiClient, App, unique_email, xpath_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class Hotel:
    group_id: int
    expense_id: int
    museum_id: int
    alice: int
    bob: int
    carol: int
    alice_email: str
    bob_email: str
    carol_email: str
    api: ApiClient

    # Access tokens live 20 seconds in these tests: a fresh one for each check.
    @property
    def alice_token(self) -> str:
        return self.api.token(self.alice_email)

    @property
    def bob_token(self) -> str:
        return self.api.token(self.bob_email)

    @property
    def carol_token(self) -> str:
        return self.api.token(self.carol_email)

    @property
    def path(self) -> str:
        return f"/groups/{self.group_id}/expenses/{self.expense_id}"


def arrange_hotel(api: ApiClient) -> Hotel:
    """Alice and Bob paid a 90.00 hotel (60 + 30) shared by the three; Carol only shares."""
    alice_email, bob_email = unique_email("alice"), unique_email("bob")
    carol_email = unique_email("carol")
    alice_token = api.sign_up("Alice Martin", alice_email)
    bob_token = api.sign_up("Bob Chen", bob_email)
    carol_token = api.sign_up("Carol Diaz", carol_email)
    _, group, _ = api.call("POST", "/groups/", {"name": "Porto weekend"}, token=alice_token)
    gid = group["id"]
    ids = {"alice": group["created_by"]}
    for name, token in (("bob", bob_token), ("carol", carol_token)):
        status, joined, _ = api.call(
            "POST", "/groups/join", {"invite_code": group["invite_code"]}, token=token
        )
        assert status == 201, joined
        ids[name] = joined["user_id"]
    status, hotel, _ = api.call(
        "POST",
        f"/groups/{gid}/expenses",
        {
            "description": "Hotel",
            "amount": "90",
            "category": "Stay",
            "notes": "Two nights, breakfast included.",
            "payers": [
                {"user_id": ids["alice"], "amount": "60"},
                {"user_id": ids["bob"], "amount": "30"},
            ],
            "split_type": "equal",
        },
        token=alice_token,
    )
    assert status == 201, hotel
    status, museum, _ = api.call(
        "POST",
        f"/groups/{gid}/expenses",
        {
            "description": "Museum",
            "amount": "60",
            "currency": "GBP",
            "exchange_rate": "1.17",
            "split_type": "equal",
        },
        token=alice_token,
    )
    assert status == 201, museum
    status, comment, _ = api.call(
        "POST",
        f"/groups/{gid}/expenses/{hotel['id']}/comments",
        {"body": "I paid the city tax on top."},
        token=bob_token,
    )
    assert status == 201, comment
    status, _, _ = api.call(
        "PATCH",
        f"/groups/{gid}/expenses/{hotel['id']}",
        {"description": "Hotel Lisboa"},
        token=alice_token,
    )
    assert status == 200
    return Hotel(
        gid,
        hotel["id"],
        museum["id"],
        ids["alice"],
        ids["bob"],
        ids["carol"],
        alice_email,
        bob_email,
        carol_email,
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


def rows(app: App, within: str) -> list[str]:
    scope = app.scope(within)
    return [e.text for e in scope.find_elements(By.CSS_SELECTOR, "li.list-item") if e.text]


def buttons(app: App) -> list[str]:
    return [
        (e.get_attribute("aria-label") or e.text)
        for e in app.driver.find_elements(By.CSS_SELECTOR, "main button")
        if e.is_displayed()
    ]


def test_a_member_who_neither_created_nor_paid_sees_everything_read_only(
    open_browser, api: ApiClient
):
    hotel = arrange_hotel(api)
    carol = open_browser(width=1280)
    carol.sign_in(hotel.carol_email)
    carol.go(f"/groups/{hotel.group_id}")
    carol.heading("Porto weekend")
    carol.driver.find_element(By.XPATH, "//main//li/a[contains(., 'Hotel Lisboa')]").click()
    carol.heading("Hotel Lisboa")
    carol.see("Stay")
    # Who paid, with their parts; every share with its paid state.
    payers = rows(carol, "Who paid")
    assert any("Alice Martin" in r and "€60.00" in r for r in payers), payers
    assert any("Bob Chen" in r and "€30.00" in r for r in payers), payers
    shares = rows(carol, "Shares")
    assert len(shares) == 3, shares
    assert all("€30.00" in r for r in shares), shares
    # A payer's own share is covered by what they paid; Carol's is still owed.
    assert [r for r in shares if "Not paid yet" in r] == [
        next(r for r in shares if "You" in r.split("\n"))
    ], shares
    assert len([r for r in shares if "Paid part of the bill" in r]) == 2, shares
    carol.see("Split equally")
    carol.see("Two nights, breakfast included.")
    # Comments and history, readable.
    assert any(
        "Bob Chen" in r and "I paid the city tax on top." in r for r in rows(carol, "Comments")
    )
    history = carol.scope("History").text
    assert "Alice Martin added it (€90.00)" in history, history
    # In the words of the Activity tab, the expense being "it" on its own page.
    assert "Alice Martin changed it: name “Hotel” → “Hotel Lisboa”" in history, history
    # Read-only: no Edit, no Delete, no way to mark someone else's share; nor delete Bob's comment.
    labels = buttons(carol)
    assert not [b for b in labels if b.startswith(("Edit", "Delete", "Mark paid:"))], labels
    carol.see("Record that you paid Alice Martin and Bob Chen your €30.00 share of Hotel Lisboa.")
    assert not serious(carol)
    carol.screenshot("group-expense-detail-1280")

    # Carol comments, then deletes her own comment (asked first).
    carol.fill("Add a comment", "Thanks both!")
    carol.click("Post comment")
    carol.see("Comment posted.")
    carol.wait(
        lambda: any("You" in r and "Thanks both!" in r for r in rows(carol, "Comments")),
        "my comment",
    )
    carol.click("Delete comment by You")
    carol.confirm("Delete this comment?", "Delete comment")
    carol.see("Comment deleted.")
    carol.wait(lambda: "Thanks both!" not in carol.scope("Comments").text, "the comment gone")
    _, comments, _ = api.call("GET", f"{hotel.path}/comments", token=hotel.carol_token)
    assert [c["body"] for c in comments] == ["I paid the city tax on top."]

    # Marking her share paid with two payers: it says to whom, and the history says so.
    carol.click("Mark my share paid")
    carol.see("Record that you paid Alice Martin and Bob Chen your €30.00 share of Hotel Lisboa.")
    carol.confirm("Mark your share paid?", "Mark paid")
    carol.see("You marked your €30.00 share paid.")
    carol.wait(lambda: "You marked your share paid" in carol.scope("History").text, "history")
    assert carol.console_errors() == []


def test_a_foreign_currency_expense_shows_both_amounts_and_the_rate(open_browser, api: ApiClient):
    hotel = arrange_hotel(api)
    app = open_browser(width=375, height=800, locale="de-DE")
    app.sign_in(hotel.carol_email)
    app.go(f"/groups/{hotel.group_id}/expenses/{hotel.museum_id}")
    app.heading("Museum")
    app.see("Total (60,00 £)\n70,20 €")
    app.see("1 GBP = 1,17 EUR")
    shares = rows(app, "Shares")
    assert all("20,00 £ · 23,40 €" in r for r in shares), shares
    assert app.driver.execute_script(
        "const root = document.documentElement; return root.scrollWidth <= root.clientWidth"
    )
    assert not serious(app)
    app.screenshot("group-expense-detail-de-375")
    app.go(hotel.path)
    app.heading("Hotel Lisboa")
    app.screenshot("group-expense-detail-several-payers-de-375")
    assert not serious(app)


def test_who_may_change_it_edits_and_deletes_with_undo_and_a_payer_marks_others_shares(
    open_browser, api: ApiClient
):
    hotel = arrange_hotel(api)
    alice = open_browser(width=375, height=800)
    alice.sign_in(hotel.alice_email)
    alice.go(hotel.path)
    alice.heading("Hotel Lisboa")
    edit = alice.button("Edit Hotel Lisboa")
    assert edit.is_displayed()
    # A payer may mark someone else's share paid: asked first, in words.
    alice.click("Mark paid: Carol Diaz's share")
    alice.see("Record that Carol Diaz paid you and Bob Chen their €30.00 share of Hotel Lisboa.")
    alice.confirm("Mark Carol Diaz's share paid?", "Mark paid")
    alice.see("Carol Diaz's share of Hotel Lisboa is marked paid.")
    alice.wait(
        lambda: any("Carol Diaz" in r and "Paid" in r for r in rows(alice, "Shares")), "paid"
    )
    alice.screenshot("group-expense-detail-375")
    assert not serious(alice)

    # Changed elsewhere since it was opened: Delete says so (412) and shows the new version.
    status, _, _ = api.call("PATCH", hotel.path, {"category": "Lodging"}, token=hotel.bob_token)
    assert status == 200
    alice.click("Delete Hotel Lisboa")
    alice.confirm("Delete this expense?", "Delete expense")
    alice.see("Someone else changed this expense since you opened it")
    alice.see("Lodging")
    status, _, _ = api.call("GET", hotel.path, token=hotel.alice_token)
    assert status == 200

    # Delete: asked first, then the group page with Undo; Undo brings it back.
    alice.click("Delete Hotel Lisboa")
    alice.see("leaves the list and the balances for everyone")
    alice.confirm("Delete this expense?", "Delete expense")
    alice.heading("Porto weekend")
    alice.see("Deleted Hotel Lisboa.")
    status, _, _ = api.call("GET", hotel.path, token=hotel.alice_token)
    assert status == 404
    undo(alice, "Deleted Hotel Lisboa.")
    alice.heading("Hotel Lisboa")
    status, _, _ = api.call("GET", hotel.path, token=hotel.alice_token)
    assert status == 200

    # Edit leads to the edit page (the form is test_group_expense_form.py's).
    alice.click("Edit Hotel Lisboa")
    alice.wait(lambda: alice.driver.current_url.endswith(f"{hotel.path}/edit"), "the edit page")

    # Deleted elsewhere while open: Edit says so instead of doing nothing.
    alice.go(hotel.path)
    alice.heading("Hotel Lisboa")
    status, _, _ = api.call("DELETE", hotel.path, token=hotel.bob_token)
    assert status == 204
    alice.click("Edit Hotel Lisboa")
    alice.see("This expense was deleted.")
    assert "no longer counts in the balances" in alice.alert_text()
    alice.click_link("Back to Porto weekend")
    alice.heading("Porto weekend")
    # The same for marking a share: the answer is that the expense is gone, not a dead button.
    status, _, _ = api.call("POST", f"{hotel.path}/restore", token=hotel.bob_token)
    assert status == 200
    alice.go(hotel.path)
    alice.heading("Hotel Lisboa")
    status, _, _ = api.call("DELETE", hotel.path, token=hotel.bob_token)
    assert status == 204
    alice.click("Mark unpaid: Carol Diaz's share")
    alice.confirm("Mark Carol Diaz's share unpaid?", "Mark unpaid")
    alice.see("This expense was deleted.")
    # Opened afterwards: the failure page explains and leads to the group.
    alice.click_link("Back to Porto weekend")
    alice.heading("Porto weekend")
    alice.go(hotel.path)
    alice.heading("Not found")
    assert alice.driver.find_elements(
        By.XPATH, f"//a[contains(@href, '#/groups/{hotel.group_id}')]"
    )
    assert alice.console_errors() == []
