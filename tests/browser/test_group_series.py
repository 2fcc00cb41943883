"""A group's recurring bills, driven like a person: an empty list that says what they are,
a bill created with its rule (its rule in words and its next date in the list), changed,
ended after a confirmation; a bill paused because someone it names left the group, said
why, and resumed by the edit that fixes it; a bill in another currency that keeps
converting at each date's rate."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import ApiClient, App, arrange_group, xpath_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]


# -- arranging and reading (as in test_group_expense_form.py: tests share no helpers) --


def owes(app: App) -> dict[str, str]:
    """Each included person's previewed share: {"Alice Martin (you)": "owes €12.50"}."""
    shares = {}
    for row in app.driver.find_elements(By.CSS_SELECTOR, "li.split-row"):
        output = row.find_element(By.TAG_NAME, "output").text
        if output:
            name = row.find_element(By.CSS_SELECTOR, ".split-who label").text
            shares[" ".join(name.split())] = output
    return shares


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


def utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def series_list(api: ApiClient, email: str, group_id: int) -> list[dict[str, Any]]:
    """The group's series, as `email` sees them (a fresh token: they last 20 s here)."""
    token = api.token(email)
    status, body, _ = api.call("GET", f"/groups/{group_id}/recurring-expenses/", token=token)
    assert status == 200, body
    return list(body)


def arrange_series(api: ApiClient, token: str, group_id: int, **template: Any) -> dict[str, Any]:
    start = (utc_today() + datetime.timedelta(days=3)).isoformat()
    body = {
        "template": {"split_type": "equal", **template},
        "rule": {"frequency": "monthly", "start_date": start},
    }
    status, series, _ = api.call(
        "POST", f"/groups/{group_id}/recurring-expenses", body, token=token
    )
    assert status == 201, series
    return dict(series)


def open_list(app: App, group_id: int) -> None:
    app.go(f"/groups/{group_id}/recurring")
    app.heading("Recurring bills")


def row_text(app: App, title: str) -> str:
    """The list row of a bill, all its text."""
    xpath = f"//main//li[.//*[normalize-space()='{title}']]"
    return str(app.wait(lambda: app.driver.find_element(By.XPATH, xpath), title).text)


def open_row(app: App, title: str) -> None:
    """Open a bill from the list: the whole row is its link."""
    xpath = f"//main//li//a[.//*[normalize-space()='{title}']]"
    link = app.wait(lambda: app.driver.find_element(By.XPATH, xpath), f"the row {title!r}")
    app.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()


def test_create_a_recurring_bill_and_see_its_rule_and_next_date(open_browser, api: ApiClient):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen", group_name="Flat 3B")
    (alice_email, _, _) = people[0]
    app = open_browser(width=1280)
    app.sign_in(alice_email)
    open_list(app, group["id"])
    app.see("No recurring bills yet")
    assert serious(app) == []
    app.screenshot("series-empty-1280")
    app.click("Add a recurring bill")
    app.heading("New recurring bill")
    app.fill("Description", "Rent")
    app.fill("Amount", "900")
    app.wait(lambda: set(owes(app).values()) == {"owes €450.00"}, "the preview")
    start = utc_today() + datetime.timedelta(days=10)
    app.choose("Repeats", "Monthly")
    app.fill("First date", start.isoformat())
    choose_segment(app, "After a number", within="Repeats")
    app.fill("How many times", "12")
    app.screenshot("series-form-1280")
    assert serious(app) == []
    app.click("Save recurring bill")
    app.see("Added the recurring bill “Rent”.")
    app.heading("Recurring bills")
    row = row_text(app, "Rent")
    for words in ("Every month from", "12 times in all", "next on", "paid by you"):
        assert words in row, row
    assert "€900.00" in row
    app.screenshot("series-1280")
    assert serious(app) == []
    [series] = series_list(api, alice_email, group["id"])
    assert series["rule"]["count"] == 12
    assert series["rule"]["start_date"] == start.isoformat()
    assert series["template"]["amount"] == "900.00"
    assert sorted(series["template"]["participants"]) == sorted(p[2] for p in people)
    assert app.console_errors() == []


def test_change_a_recurring_bill_then_end_it_on_a_phone(open_browser, api: ApiClient):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen", group_name="Flat 3B")
    (alice_email, alice_token, _) = people[0]
    series = arrange_series(api, alice_token, group["id"], description="Internet", amount="40")
    app = open_browser(width=375, height=800)
    app.sign_in(alice_email)
    open_list(app, group["id"])
    app.screenshot("series-375")
    open_row(app, "Internet")
    app.heading("Edit recurring bill")
    app.wait(lambda: app.field("Amount").get_attribute("value") == "40.00", "the amount")
    app.fill("Amount", "45")
    choose_segment(app, "Exact", within="Split")
    app.fill("Amount for Alice Martin (you)", "25")
    app.fill("Amount for Bob Chen", "20")
    app.see("The shares add up to the total.")
    app.screenshot("series-form-375")
    assert serious(app) == []
    app.click("Save changes")
    app.see("Saved “Internet”.")
    [changed] = series_list(api, alice_email, group["id"])
    assert changed["template"]["amount"] == "45.00"
    assert changed["template"]["split_type"] == "exact"
    assert changed["rule"] == series["rule"]

    open_row(app, "Internet")
    app.heading("Edit recurring bill")
    app.click("End recurring bill")
    app.confirm("End this recurring bill?", "End recurring bill")
    app.see("Ended “Internet”.")
    app.see("Ended (1)")
    [ended] = series_list(api, alice_email, group["id"])
    assert ended["status"] == "ended"


def test_a_bill_paused_because_a_member_left_is_explained_and_resumed_in_german(
    open_browser, api: ApiClient, flask_cli: Callable[..., str]
):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen", group_name="Flat 3B")
    (alice_email, alice_token, _), (_, bob_token, bob_id) = people
    series = arrange_series(
        api,
        alice_token,
        group["id"],
        description="Cleaning",
        amount="30",
        participants=[people[0][2], bob_id],
    )
    status, _, _ = api.call("DELETE", f"/groups/{group['id']}/members/{bob_id}", token=bob_token)
    assert status == 204
    # The scheduler reaches its first date: Bob is named but gone, so it pauses.
    later = (utc_today() + datetime.timedelta(days=4)).isoformat()
    flask_cli("run-recurring", "--today", later)
    [paused] = series_list(api, alice_email, group["id"])
    assert (paused["status"], paused["paused_reason"]) == ("paused", "member_left")

    app = open_browser(width=375, height=800, locale="de-DE")
    app.sign_in(alice_email)
    open_list(app, group["id"])
    row = row_text(app, "Cleaning")
    assert "Paused" in row, row
    assert "Someone it names has left the group" in row, row
    app.screenshot("series-de-375")
    assert serious(app) == []
    open_row(app, "Cleaning")
    app.heading("Edit recurring bill")
    app.see("Uncheck or replace the people marked “Left the group”")
    # Bob is marked and still included, as the bill names him; leaving him out fixes it.
    bob = app.field("Bob Chen Left the group", within="Split")
    assert bob.is_selected()
    app.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", bob)
    bob.click()
    app.wait(lambda: set(owes(app).values()) == {"owes 30,00 €"}, "Alice alone")
    app.screenshot("series-form-de-375")
    app.click("Save changes")
    app.see("Saved “Cleaning”.")
    [resumed] = series_list(api, alice_email, group["id"])
    assert resumed["status"] == "active"
    assert resumed["template"]["participants"] == [people[0][2]]
    assert resumed["id"] == series["id"]


def test_a_bill_in_another_currency_converts_at_each_dates_rate(open_browser, api: ApiClient):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen", group_name="Flat 3B")
    (alice_email, _, _) = people[0]
    app = open_browser(width=1280)
    app.sign_in(alice_email)
    app.go(f"/groups/{group['id']}/recurring/new")
    app.heading("New recurring bill")
    app.fill("Description", "Streaming")
    app.fill("Amount", "10")
    app.fill("Currency", "CHF")
    app.see("Converted to EUR at the rate of each bill's date.")
    app.fill("First date", (utc_today() + datetime.timedelta(days=5)).isoformat())
    app.click("Save recurring bill")
    app.see("Added the recurring bill “Streaming”.")
    row = row_text(app, "Streaming")
    assert "CHF" in row, row
    [series] = series_list(api, alice_email, group["id"])
    assert series["template"]["currency"] == "CHF"
    assert "exchange_rate" not in series["template"]


def test_a_bill_that_could_not_be_added_is_explained_and_resumed(
    open_browser, api: ApiClient, flask_cli: Callable[..., str], tmp_path: Path
):
    group, people = arrange_group(api, "Alice Martin", "Bob Chen", group_name="Flat 3B")
    (alice_email, alice_token, _) = people[0]
    # A bill in pounds at each date's rate, so large that in euros it passes the largest
    # amount an expense may have: its first occurrence is refused, and the bill pauses.
    day = utc_today()
    csv = tmp_path / "rates.csv"
    csv.write_text(f"Date,USD,GBP,\n{day.isoformat()},1.0,0.8,\n", encoding="utf-8")
    flask_cli("rates", "import", str(csv))
    start = day + datetime.timedelta(days=1)
    status, series, _ = api.call(
        "POST",
        f"/groups/{group['id']}/recurring-expenses",
        {
            "template": {
                "description": "Yacht",
                "amount": "999999999.99",
                "currency": "GBP",
                "split_type": "equal",
            },
            "rule": {"frequency": "yearly", "start_date": start.isoformat()},
        },
        token=alice_token,
    )
    assert status == 201, series
    flask_cli("run-recurring", "--today", start.isoformat(), ok=False)
    [failed] = series_list(api, alice_email, group["id"])
    assert (failed["status"], failed["paused_reason"]) == ("paused", "failed")

    app = open_browser(width=1280)
    app.sign_in(alice_email)
    open_list(app, group["id"])
    row = row_text(app, "Yacht")
    assert "Its last expense could not be added" in row, row
    app.screenshot("series-failed-1280")
    app.click("Resume Yacht")
    app.see("Resumed “Yacht”.")
    [resumed] = series_list(api, alice_email, group["id"])
    assert resumed["status"] == "active"
