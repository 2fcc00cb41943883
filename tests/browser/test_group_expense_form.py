"""The group expense form, driven like a person: every split type with a preview that is
right (a spare cent it cannot know is shown as a range, never guessed), errors under their
fields and gone when fixed, the split error said once, several payers, guests, amounts in
the browser's locale, an expense in another currency (the rate from the rate table,
editable, or typed when there is none), an edit that keeps the original currency, and
edits that meet a change (412) or a deletion (404) made elsewhere."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import ApiClient, App, arrange_group, xpath_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DASH = "\u2013"  # the en dash between the ends of a range


# -- arranging -----------------------------------------------------------------------------


@pytest.fixture
def gbp_rate_today(flask_cli: Callable[..., str], tmp_path: Path) -> str:
    """The rate table holds today's rates: 1 EUR = 0.8 GBP, so 1 GBP = 1.25 EUR."""
    day = datetime.datetime.now(datetime.UTC).date().isoformat()
    csv = tmp_path / "rates.csv"
    csv.write_text(f"Date,USD,GBP,\n{day},1.0,0.8,\n", encoding="utf-8")
    flask_cli("rates", "import", str(csv))
    return day


# -- reading the page ----------------------------------------------------------------------


def owes(app: App) -> dict[str, str]:
    """Each included person's previewed share: {"Alice Martin (you)": "owes €12.50"}."""
    shares = {}
    for row in app.driver.find_elements(By.CSS_SELECTOR, "li.split-row"):
        output = row.find_element(By.TAG_NAME, "output").text
        if output:
            name = row.find_element(By.CSS_SELECTOR, ".split-who label").text
            shares[" ".join(name.split())] = output
    return shares


def status(app: App, section: str = "Split") -> str:
    return str(app.scope(section).find_element(By.CSS_SELECTOR, ".status").text)


def serious(app: App) -> list[dict[str, Any]]:
    return [v for v in app.axe() if v["impact"] in ("serious", "critical")]


def choose_segment(app: App, label: str, within: str) -> None:
    """A segmented control's option (a radio styled as a button): click its visible label."""
    xpath = f".//label[normalize-space()={xpath_text(label)}]"
    option = app.wait(
        lambda: next(
            (e for e in app.scope(within).find_elements(By.XPATH, xpath) if e.is_displayed()),
            None,
        ),
        f"the option {label!r}",
    )
    app.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", option)
    option.click()


def open_new_expense(app: App, group_id: int) -> None:
    app.go(f"/groups/{group_id}/expenses/new")
    app.heading("Add an expense")


def expenses(api: ApiClient, email: str, group_id: int) -> list[dict[str, Any]]:
    """The group's expenses, as `email` sees them (a fresh token: they last 20 s here)."""
    token = api.token(email)
    status_code, body, _ = api.call("GET", f"/groups/{group_id}/expenses/", token=token)
    assert status_code == 200, body
    return list(body)


# -- the tests -----------------------------------------------------------------------------


def test_equal_split_preview_shows_the_spare_cent_it_cannot_know_then_the_saved_shares(
    open_browser, api: ApiClient
):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen")
    (alice_email, _, _), (_, _, bob_id) = people
    app = open_browser(width=1280)
    app.sign_in(alice_email)
    open_new_expense(app, group["id"])
    app.fill("Description", "Dinner at Ramiro")
    app.fill("Amount", "25.01")
    # 25.01 between two: one of them pays 12.51, and which one depends on the id the
    # expense gets when saved. The preview says so instead of guessing.
    app.wait(
        lambda: (
            owes(app)
            == {
                "Alice Martin (you)": f"owes €12.50 {DASH} €12.51",
                "Bob Chen": f"owes €12.50 {DASH} €12.51",
            }
        ),
        "a range for the spare cent",
    )
    app.see("A cent that cannot be split evenly goes to one of the people shown with a range")
    app.see("The shares add up to the total.")
    app.screenshot("expense-form-1280")
    assert serious(app) == []
    app.click("Save expense")
    app.see("Added “Dinner at Ramiro”.")

    [saved] = expenses(api, alice_email, group["id"])
    shares = {split["user_id"]: split["amount"] for split in saved["splits"]}
    assert sorted(shares.values()) == ["12.50", "12.51"]
    # Editing it: the id is known, so the preview shows exactly what was saved.
    app.go(f"/groups/{group['id']}/expenses/{saved['id']}/edit")
    app.heading("Edit expense")
    expected_bob = f"owes €{shares[bob_id]}"
    app.wait(lambda: owes(app).get("Bob Chen") == expected_bob, "Bob's saved share")
    app.not_see("A cent that cannot be split evenly")
    assert app.console_errors() == []


def test_split_types_their_errors_said_once_and_several_payers_on_a_phone(
    open_browser, api: ApiClient
):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen")
    (alice_email, _, _), (bob_email, _, _) = people
    bob = open_browser(width=375, height=800)
    bob.sign_in(bob_email)
    open_new_expense(bob, group["id"])
    # Nothing typed yet: each missing field says so under itself, nothing is sent.
    bob.click("Save expense")
    assert "Say what it was for" in bob.field_error("Description")
    assert "Enter the amount" in bob.field_error("Amount")
    bob.fill("Description", "Groceries")
    bob.fill("Amount", "60")

    # Exact amounts that do not add up: said once, in the split's status line; saving
    # sends nothing and points there.
    choose_segment(bob, "Exact", within="Split")
    bob.fill("Amount for Alice Martin", "10")
    bob.fill("Amount for Bob Chen (you)", "45")
    bob.wait(
        lambda: status(bob) == "The amounts are €5.00 short of the total: add €5.00.",
        "the difference",
    )
    bob.click("Save expense")
    assert bob.text().count("€5.00 short of the total") == 1
    assert expenses(api, alice_email, group["id"]) == []

    # A value that is not an amount: the error sits under that field, and goes when fixed.
    bob.fill("Amount for Alice Martin", "10.005")
    bob.click("Save expense")
    assert "Enter an amount" in bob.field_error("Amount for Alice Martin")
    bob.screenshot("expense-form-errors-375")
    bob.fill("Amount for Alice Martin", "15")
    bob.wait(
        lambda: bob.field("Amount for Alice Martin").get_attribute("aria-invalid") != "true",
        "the error to go once the field is edited",
    )
    bob.see("The shares add up to the total.")
    bob.click("Save expense")
    bob.see("Added “Groceries”.")
    [groceries] = expenses(api, alice_email, group["id"])
    assert sorted(s["amount"] for s in groceries["splits"]) == ["15.00", "45.00"]

    # Percentages, shares and adjustments, each with its preview.
    open_new_expense(bob, group["id"])
    bob.fill("Description", "Museum")
    bob.fill("Amount", "30")
    choose_segment(bob, "Percent", within="Split")
    bob.fill("Percent for Alice Martin", "25")
    bob.fill("Percent for Bob Chen (you)", "70")
    bob.wait(lambda: status(bob) == "The percentages add up to 95, not 100.", "95 percent")
    bob.fill("Percent for Bob Chen (you)", "75")
    bob.wait(
        lambda: owes(bob) == {"Alice Martin": "owes €7.50", "Bob Chen (you)": "owes €22.50"},
        "percentage shares",
    )
    choose_segment(bob, "Shares", within="Split")
    bob.fill("Shares for Alice Martin", "1")
    bob.fill("Shares for Bob Chen (you)", "3")
    bob.wait(
        lambda: owes(bob) == {"Alice Martin": "owes €7.50", "Bob Chen (you)": "owes €22.50"},
        "shares",
    )
    choose_segment(bob, "Adjust", within="Split")
    bob.fill("Adjustment for Alice Martin", "4")
    bob.wait(
        lambda: owes(bob) == {"Alice Martin": "owes €17.00", "Bob Chen (you)": "owes €13.00"},
        "adjusted shares",
    )
    # Several payers: what is still to assign, then saved.
    choose_segment(bob, "Several people", within="Who paid")
    bob.fill("Alice Martin", "20", within="Who paid")
    bob.wait(lambda: status(bob, "Who paid") == "€10.00 still to assign.", "the payers' gap")
    bob.fill("Bob Chen (you)", "10", within="Who paid")
    bob.see("The payments add up to the total.")
    bob.screenshot("expense-form-375")
    assert serious(bob) == []
    bob.click("Save expense")
    bob.see("Added “Museum”.")
    museum = next(
        e for e in expenses(api, alice_email, group["id"]) if e["description"] == "Museum"
    )
    assert museum["split_type"] == "adjustment"
    assert sorted(p["amount"] for p in museum["payers"]) == ["10.00", "20.00"]
    assert sorted(s["amount"] for s in museum["splits"]) == ["13.00", "17.00"]
    assert bob.console_errors() == []


def test_back_to_one_payer_after_payments_that_did_not_add_up_the_expense_saves(
    open_browser, api: ApiClient
):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen")
    alice_email, _, alice_id = people[0]
    app = open_browser(width=1280)
    app.sign_in(alice_email)
    open_new_expense(app, group["id"])
    app.fill("Description", "Groceries")
    app.fill("Amount", "30")
    choose_segment(app, "Several people", within="Who paid")
    app.fill("Alice Martin (you)", "10", within="Who paid")
    app.wait(lambda: status(app, "Who paid") == "€20.00 still to assign.", "the payers' gap")
    # She paid it all after all: the several payers' gap no longer stands in the way.
    choose_segment(app, "One person", within="Who paid")
    app.click("Save expense")
    app.see("Added “Groceries”.")
    [saved] = expenses(api, alice_email, group["id"])
    assert saved["paid_by"] == alice_id
    assert [p["amount"] for p in saved["payers"]] == ["30.00"]
    assert app.console_errors() == []


def test_guests_are_payers_and_participants_marked_guest(open_browser, api: ApiClient):
    group, people = arrange_group(api, "Alice Martin")
    (alice_email, alice_token, _) = people[0]
    status_code, guest, _ = api.call(
        "POST", f"/groups/{group['id']}/guests", {"full_name": "Gus"}, token=alice_token
    )
    assert status_code == 201, guest
    app = open_browser(width=1280)
    app.sign_in(alice_email)
    open_new_expense(app, group["id"])
    app.fill("Description", "Taxi")
    app.fill("Amount", "9")
    app.wait(lambda: owes(app).get("Gus Guest") == "owes €4.50", "the guest's share")
    app.choose("Paid by", "Gus (guest)", within="Who paid")
    app.click("Save expense")
    app.see("Added “Taxi”.")
    [taxi] = expenses(api, alice_email, group["id"])
    assert taxi["paid_by"] == guest["user_id"]
    assert {s["user_id"] for s in taxi["splits"]} == {guest["user_id"], people[0][2]}


def test_german_amounts_with_a_decimal_comma(open_browser, api: ApiClient):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen")
    (alice_email, _, _) = people[0]
    app = open_browser(width=375, height=800, locale="de-DE")
    app.sign_in(alice_email)
    open_new_expense(app, group["id"])
    app.fill("Description", "Brot")
    app.fill("Amount", "12,50")
    app.wait(lambda: set(owes(app).values()) == {"owes 6,25 €"}, "shares in German notation")
    choose_segment(app, "Exact", within="Split")
    app.fill("Amount for Bob Chen", "2,50")
    app.fill("Amount for Alice Martin (you)", "10")
    app.see("The shares add up to the total.")
    app.screenshot("expense-form-de-375")
    assert serious(app) == []
    app.click("Save expense")
    app.see("Added “Brot”.")
    [bread] = expenses(api, alice_email, group["id"])
    assert bread["amount"] == "12.50"
    assert sorted(s["amount"] for s in bread["splits"]) == ["10.00", "2.50"]


def test_an_expense_in_another_currency_with_the_rate_from_the_table(
    open_browser, api: ApiClient, gbp_rate_today: str
):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen")
    (alice_email, _, _) = people[0]
    app = open_browser(width=1280)
    app.sign_in(alice_email)
    open_new_expense(app, group["id"])
    app.fill("Description", "Pub in London")
    app.fill("Amount", "60")
    app.fill("Currency", "GBP")
    app.wait(
        lambda: app.field("Exchange rate (EUR for 1 GBP)").get_attribute("value") == "1.25",
        "the rate table's rate",
    )
    app.see("from the rate table; you may change it.")
    app.see("£60.00 = €75.00 at 1.25")
    app.wait(
        lambda: set(owes(app).values()) == {"owes £30.00 (€37.50)"}, "shares in both currencies"
    )
    # The person may change the rate; the converted amount follows.
    app.fill("Exchange rate (EUR for 1 GBP)", "1.17")
    app.see("£60.00 = €70.20 at 1.17")
    app.screenshot("expense-form-currency-1280")
    assert serious(app) == []
    app.click("Save expense")
    app.see("Added “Pub in London”.")
    [pub] = expenses(api, alice_email, group["id"])
    assert (pub["original_amount"], pub["original_currency"]) == ("60.00", "GBP")
    assert (pub["amount"], pub["currency"], pub["exchange_rate"]) == ("70.20", "EUR", "1.17")


def test_no_rate_for_the_date_lets_the_person_type_one_in_german(open_browser, api: ApiClient):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen")
    (alice_email, _, _) = people[0]
    app = open_browser(width=375, height=800, locale="de-DE")
    app.sign_in(alice_email)
    open_new_expense(app, group["id"])
    app.fill("Description", "Sushi")
    app.fill("Amount", "3000")
    app.fill("Currency", "JPY")
    app.fill("Date", "1990-01-02")
    app.see("No rate for JPY to EUR on or shortly before that date")
    app.click("Save expense")
    assert "Type the rate" in app.field_error("Exchange rate (EUR for 1 JPY)")
    app.fill("Exchange rate (EUR for 1 JPY)", "0,0062")
    app.wait(
        lambda: app.field("Exchange rate (EUR for 1 JPY)").get_attribute("aria-invalid") != "true",
        "the rate's error to go",
    )
    app.see("= 18,60 € at 0,0062")
    app.screenshot("expense-form-currency-de-375")
    app.click("Save expense")
    app.see("Sushi")
    [sushi] = expenses(api, alice_email, group["id"])
    assert (sushi["original_amount"], sushi["original_currency"]) == ("3000", "JPY")
    assert (sushi["amount"], sushi["exchange_rate"]) == ("18.60", "0.0062")


def test_editing_a_foreign_currency_expense_keeps_its_original_currency_and_amount(
    open_browser, api: ApiClient
):
    """Issue 19, item 1: renaming a GBP 60.00 expense at 1.17 saved GBP 70.20."""
    group, people = arrange_group(api, "Alice Martin", "Bob Chen")
    (alice_email, alice_token, _) = people[0]
    status_code, pub, _ = api.call(
        "POST",
        f"/groups/{group['id']}/expenses",
        {
            "description": "Pub",
            "amount": "60.00",
            "currency": "GBP",
            "exchange_rate": "1.17",
            "split_type": "equal",
        },
        token=alice_token,
    )
    assert status_code == 201, pub
    assert pub["amount"] == "70.20"
    app = open_browser(width=375, height=800)
    app.sign_in(alice_email)
    app.go(f"/groups/{group['id']}/expenses/{pub['id']}/edit")
    app.heading("Edit expense")
    app.wait(lambda: app.field("Amount").get_attribute("value") == "60.00", "the original amount")
    assert app.field("Currency").get_attribute("value") == "GBP"
    assert app.field("Exchange rate (EUR for 1 GBP)").get_attribute("value") == "1.17"
    app.see("£60.00 = €70.20 at 1.17")
    app.screenshot("expense-form-edit-currency-375")
    app.fill("Description", "Pub in Camden")
    app.click("Save changes")
    app.see("Saved changes to “Pub in Camden”.")
    path = f"/groups/{group['id']}/expenses/{pub['id']}"
    _, after, _ = api.call("GET", path, token=api.token(alice_email))
    assert after["description"] == "Pub in Camden"
    assert (after["original_amount"], after["original_currency"]) == ("60.00", "GBP")
    assert (after["amount"], after["currency"], after["exchange_rate"]) == ("70.20", "EUR", "1.17")
    assert [s["amount"] for s in after["splits"]] == [s["amount"] for s in pub["splits"]]


def test_an_edit_that_meets_a_change_or_a_deletion_made_elsewhere(open_browser, api: ApiClient):
    group, people = arrange_group(api, "Edna Editor", "Fred Friend", group_name="Allotment")
    (email, token, _) = people[0]
    status_code, seeds, _ = api.call(
        "POST",
        f"/groups/{group['id']}/expenses",
        {"description": "Seeds", "amount": "12", "split_type": "equal"},
        token=token,
    )
    assert status_code == 201
    app = open_browser(width=1280)
    app.sign_in(email)
    app.go(f"/groups/{group['id']}/expenses/{seeds['id']}/edit")
    app.heading("Edit expense")
    app.wait(lambda: app.field("Amount").get_attribute("value") == "12.00", "the amount")
    # Someone else renames it meanwhile: 412, said with what to do, and a reload.
    path = f"/groups/{group['id']}/expenses/{seeds['id']}"
    changed = api.call("PATCH", path, {"description": "Seeds and bulbs"}, token=api.token(email))
    assert changed[0] == 200
    app.fill("Amount", "14")
    app.click("Save changes")
    assert "Someone else changed this expense" in app.alert_text()
    app.click("Reload the expense")
    app.wait(
        lambda: app.field("Description").get_attribute("value") == "Seeds and bulbs",
        "the other version",
    )
    app.fill("Amount", "14")
    app.click("Save changes")
    app.see("Saved changes to “Seeds and bulbs”.")
    assert api.call("GET", path, token=api.token(email))[1]["amount"] == "14.00"

    # Deleted elsewhere while the form is open: 404, said, with the way back.
    app.go(f"/groups/{group['id']}/expenses/{seeds['id']}/edit")
    app.heading("Edit expense")
    app.wait(lambda: app.field("Amount").get_attribute("value") == "14.00", "the amount")
    assert api.call("DELETE", path, token=api.token(email))[0] == 204
    app.fill("Description", "Seeds, bulbs and a rake")
    app.click("Save changes")
    assert "was deleted" in app.alert_text()
    app.screenshot("expense-form-deleted-1280")
    app.click("Back to Allotment")
    app.wait(lambda: f"#/groups/{group['id']}" in app.driver.current_url, "the group")
