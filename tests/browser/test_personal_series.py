"""Personal recurring expenses in the browser: the list with each series' rule, next date
and status; create one (the expense form without a date, plus a rule), the occurrences
already due land in the ledger with a "Recurring" badge that links back to their series;
edit it, end it after a confirmation; German amounts; at 1280 and 375 px."""

from __future__ import annotations

import datetime

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import ApiClient, App, unique_email
from tests.browser.test_ledger import first_screen, pick, rows, serious_axe, sideways

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW = "New recurring expense"


def series_rows(app: App) -> list[str]:
    return [
        row.text
        for row in app.driver.find_elements(By.CSS_SELECTOR, "li[data-series-id]")
        if row.is_displayed()
    ]


def en(day: datetime.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def test_create_see_in_the_ledger_edit_and_end(open_browser, api: ApiClient):
    email = unique_email("rex")
    app = open_browser(width=1280)
    app.sign_up("Rex Repeat", email, currency="EUR")
    app.click_link("Recurring")
    app.heading("Recurring expenses")
    app.see("No recurring expenses yet")

    today = datetime.date.today()
    start = today - datetime.timedelta(days=14)
    app.click("Add recurring expense")
    app.dialog(NEW)
    app.fill("Amount", "30", within=NEW)
    app.fill("Category", "Sport", within=NEW)
    app.fill("Description", "Climbing gym", within=NEW)
    app.choose("Frequency", "Weekly", within=NEW)
    app.fill("Starts", start.isoformat(), within=NEW)
    pick(app, "By count", within=NEW)
    app.fill("Number of times", "10", within=NEW)
    app.screenshot("series-form-1280")
    assert not serious_axe(app)
    app.click("Create recurring expense", within=NEW)
    # Three were already due: 14 and 7 days ago, and today.
    app.see("3 expenses already due were added to your ledger")
    app.no_dialog()
    app.wait(lambda: len(series_rows(app)) == 1, "the series listed")
    text = series_rows(app)[0]
    assert "Climbing gym" in text, text
    assert "€30.00" in text, text
    assert f"Every week from {en(start)}, 10 times" in text, text
    assert f"Next {en(today + datetime.timedelta(days=7))}" in text, text
    app.screenshot("series-1280")
    assert not serious_axe(app)

    # In the ledger: the occurrences, each with a badge that leads back to the series.
    app.click_link("Expenses")
    app.heading("Your expenses")
    app.wait(lambda: len(rows(app)) == 3, "three occurrences")
    assert all("Recurring" in row.text for row in rows(app))
    app.screenshot("ledger-recurring-1280")
    rows(app)[0].find_element(By.LINK_TEXT, "Recurring").click()
    app.heading("Recurring expenses")
    app.dialog("Edit Climbing gym")

    # Edit: future occurrences only.
    app.fill("Amount", "32", within="Edit Climbing gym")
    app.click("Save changes", within="Edit Climbing gym")
    app.see("Changes saved")
    app.no_dialog()
    app.wait(lambda: "€32.00" in series_rows(app)[0], "the new amount")
    token = api.token(email)
    _, series, _ = api.call("GET", "/recurring-expenses/", token=token)
    assert series[0]["template"]["amount"] == "32.00"
    assert series[0]["rule"]["count"] == 10

    # End, after a confirmation; the past expenses stay.
    app.click("Climbing gym")
    app.dialog("Edit Climbing gym")
    app.click("End series", within="Edit Climbing gym")
    app.dialog("End this recurring expense?")
    app.see("The 3 expenses already in your ledger stay.")
    app.click("End series", within="End this recurring expense?")
    app.see("ended; its past expenses stay in your ledger")
    app.wait(lambda: "Ended" in series_rows(app)[0], "the series ended")
    _, series, _ = api.call("GET", "/recurring-expenses/", token=api.token(email))
    assert series[0]["status"] == "ended"
    _, expenses, _ = api.call("GET", "/expenses/", token=api.token(email))
    assert len(expenses) == 3
    assert app.console_errors() == []


def test_german_phone_with_an_end_date(open_browser, api: ApiClient):
    email = unique_email("uwe")
    app = open_browser(width=375, locale="de-DE")
    app.sign_up("Uwe Abo", email, currency="EUR")
    app.go("/expenses/recurring")
    app.heading("Recurring expenses")
    today = datetime.date.today()
    app.click("Add recurring expense")
    app.dialog(NEW)
    app.fill("Amount", "9,99", within=NEW)
    app.fill("Category", "Musik", within=NEW)
    app.fill("Description", "Streaming", within=NEW)
    app.fill("Starts", (today + datetime.timedelta(days=3)).isoformat(), within=NEW)
    # The API's own check, under the field it names (rule.interval).
    app.fill("Interval", "0", within=NEW)
    app.click("Create recurring expense", within=NEW)
    assert app.field_error("Interval", within=NEW)
    app.fill("Interval", "1", within=NEW)
    pick(app, "By date", within=NEW)
    # An end before the start: said under the field, in words.
    app.fill("End date", today.isoformat(), within=NEW)
    app.click("Create recurring expense", within=NEW)
    assert "on or after the start date" in app.field_error("End date", within=NEW)
    app.screenshot("series-de-error-375")
    app.fill("End date", (today + datetime.timedelta(days=300)).isoformat(), within=NEW)
    assert sideways(app) <= 0
    app.click("Create recurring expense", within=NEW)
    app.see("Recurring expense created")
    app.no_dialog()
    app.wait(lambda: "9,99 €" in " ".join(series_rows(app)), "the series in German notation")
    assert sideways(app) <= 0
    app.screenshot("series-de-375")
    first_screen(app, "series-de-375-first-screen")
    assert not serious_axe(app)
    token = api.token(email)
    _, series, _ = api.call("GET", "/recurring-expenses/", token=token)
    assert series[0]["template"]["amount"] == "9.99"
    assert series[0]["rule"]["frequency"] == "monthly"
    assert series[0]["rule"]["end_date"] == (today + datetime.timedelta(days=300)).isoformat()
    assert series[0]["occurrences"] == 0
