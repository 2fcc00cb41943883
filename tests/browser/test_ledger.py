"""The personal ledger in the browser: add, edit, delete, filters and search, the 412 of a
concurrent edit, an expense named like an XSS payload, the summary chart, CSV out and in."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import ApiClient, App, unique_email

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def add(
    app: App,
    amount: str,
    category: str,
    description: str,
    date: str | None = None,
    method: str | None = None,
) -> None:
    app.fill("Amount", amount, within="Add an expense")
    app.fill("Category", category, within="Add an expense")
    app.fill("Description", description, within="Add an expense")
    if date:
        app.fill("Date", date, within="Add an expense")
    if method:
        app.choose("Paid with", method, within="Add an expense")
    app.click("Save expense")
    # The list itself, not the toast: the previous save's toast may still be showing.
    app.wait(lambda: description in listed(app), f"{description!r} in the list")


def listed(app: App) -> list[str]:
    return [
        element.text.split("\n")[0]
        for element in app.driver.find_elements(
            By.CSS_SELECTOR, "[aria-labelledby=list-heading] li[data-expense-id]"
        )
    ]


def test_add_edit_delete_filter_and_search(open_browser):
    app = open_browser()
    app.sign_up("Lena Ledger", unique_email("lena"), currency="EUR")
    app.see("No expenses yet.")
    add(app, "12.5", "Groceries", "Market", date="2025-03-02", method="Cash")
    add(app, "1234.56", "Rent", "March rent", date="2025-03-01", method="Bank transfer")
    add(app, "7", "Transport", "Metro card", date="2025-04-10", method="Mobile payment")
    app.wait(lambda: listed(app) == ["Metro card", "Market", "March rent"], "newest first")
    # Money in the currency's minor units, grouped in the browser's locale (en-US here).
    app.see("€1,234.56")
    app.see("€12.50")
    app.see("Mar 2, 2025")
    app.screenshot("expenses")

    # A validation error shows next to its field.
    app.fill("Amount", "12.345", within="Add an expense")
    app.fill("Category", "Food", within="Add an expense")
    app.click("Save expense")
    assert "decimal places" in app.field_error("Amount", within="Add an expense")

    # Edit.
    app.click("Edit Market")
    app.see("Edit expense of Mar 2, 2025")
    app.fill("Amount", "13", within="Edit expense of Mar 2, 2025")
    app.click("Save expense")
    app.see("Expense saved.")
    app.see("€13.00")

    # Filters: date range, category, method; then search.
    app.fill("From", "2025-03-01", within="Find expenses")
    app.fill("To", "2025-03-31", within="Find expenses")
    app.click("Apply filters")
    app.wait(lambda: listed(app) == ["Market", "March rent"], "March only")
    app.see("2 expenses match")
    app.fill("Category", "rent", within="Find expenses")
    app.click("Apply filters")
    app.wait(lambda: listed(app) == ["March rent"], "category filter, any case")
    app.click("Clear")
    app.wait(lambda: len(listed(app)) == 3, "filters cleared")
    app.choose("Method", "Mobile payment", within="Find expenses")
    app.click("Apply filters")
    app.wait(lambda: listed(app) == ["Metro card"], "method filter")
    app.click("Clear")
    app.fill("Search", "MARK", within="Find expenses")
    app.click("Apply filters")
    app.wait(lambda: listed(app) == ["Market"], "search")
    app.fill("Search", "nothing like this", within="Find expenses")
    app.click("Apply filters")
    app.see("No expense matches these filters.")
    app.click("Clear")
    app.wait(lambda: len(listed(app)) == 3, "filters cleared")

    # Delete.
    app.click("Delete Metro card")
    app.accept_confirm()
    app.see("Expense deleted.")
    app.wait(lambda: listed(app) == ["Market", "March rent"], "deleted")


def test_an_edit_that_hits_412_says_so_and_offers_to_reload(open_browser, api: ApiClient):
    email = unique_email("rita")
    app = open_browser()
    app.sign_up("Rita Race", email)
    add(app, "20", "Books", "Novel")
    app.click("Edit Novel")
    app.see("Edit expense of")
    # Meanwhile, on another device, the same person changes it.
    token = api.token(email)
    _, expenses, _ = api.call("GET", "/expenses/", token=token)
    status, _, _ = api.call(
        "PATCH",
        f"/expenses/{expenses[0]['id']}",
        {"amount": "25", "description": "Novel (hardback)"},
        token=token,
    )
    assert status == 200
    app.fill("Amount", "21")
    app.click("Save expense")
    assert "Someone else changed this expense" in app.alert_text()
    app.screenshot("edit-conflict")
    app.click("Reload the expense")
    app.wait(lambda: app.field("Amount").get_attribute("value") == "25.00", "the other version")
    assert app.field("Description").get_attribute("value") == "Novel (hardback)"
    app.fill("Amount", "21")
    app.click("Save expense")
    app.see("Expense saved.")
    _, expense, _ = api.call("GET", f"/expenses/{expenses[0]['id']}", token=token)
    assert expense["amount"] == "21.00"
    assert expense["description"] == "Novel (hardback)"


def test_an_expense_named_like_html_is_shown_as_text(open_browser, api: ApiClient):
    payload = "<img src=x onerror=alert(1)>"
    email = unique_email("xss")
    app = open_browser()
    app.sign_up("Xavier Scripts", email)
    add(app, "1", payload, payload)
    app.see(payload)
    app.driver.refresh()
    app.see(payload)
    # Nothing ran and no element came from the text; the CSP was not even needed.
    assert not app.driver.find_elements(By.CSS_SELECTOR, "main img")
    assert app.driver.execute_script("return document.querySelectorAll('img').length") == 0
    assert app.console_errors() == []
    # In a group too: the group, the expense and a member's name.
    token = api.token(email)
    status, group, _ = api.call(
        "POST", "/groups/", {"name": payload, "description": payload}, token=token
    )
    assert status == 201
    status, _, _ = api.call(
        "POST",
        f"/groups/{group['id']}/expenses",
        {"description": payload, "amount": "3", "category": payload, "split_type": "equal"},
        token=token,
    )
    assert status == 201
    app.go(f"/groups/{group['id']}")
    app.heading(payload)
    app.go("/summary")
    app.heading("Summary")
    app.see(payload)
    assert app.driver.execute_script("return document.querySelectorAll('img').length") == 0
    assert app.console_errors() == []


def test_summary_chart_and_csv_export_and_import(open_browser, api: ApiClient, tmp_path: Path):
    email = unique_email("sam")
    token = api.sign_up("Sam Summary", email, currency="JPY")
    for date, amount, category in [
        ("2025-01-05", "1200", "Food"),
        ("2025-01-20", "800", "Food"),
        ("2025-02-03", "5000", "Rent"),
    ]:
        status, body, _ = api.call(
            "POST",
            "/expenses/",
            {"date": date, "amount": amount, "category": category, "payment_method": "cash"},
            token=token,
        )
        assert status == 201, body
    app = open_browser()
    app.sign_in(email)
    app.nav("Summary")
    app.heading("Summary")
    # Yen have no minor unit: no decimals anywhere.
    app.see("¥2,000")
    app.see("¥5,000")
    app.see("Jan 2025")
    charts = app.driver.find_elements(By.CSS_SELECTOR, "svg[role=img]")
    assert len(charts) == 2
    assert len(charts[0].find_elements(By.CSS_SELECTOR, "rect")) == 2
    app.screenshot("summary")

    # Export: the file the app downloads is the API's CSV.
    app.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    app.nav("Expenses")
    app.heading("Your expenses")
    app.click("Download CSV")
    app.see("Export downloaded.")
    exported = tmp_path / "expenses.csv"
    app.wait(lambda: exported.exists() and exported.stat().st_size > 0, "the downloaded CSV")
    assert (
        exported.read_text().splitlines()[0]
        == "date,category,amount,currency,description,payment_method"
    )

    # Import: a broken file shows each line's errors and imports nothing.
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "date,category,amount,currency,description,payment_method\n"
        "2025-03-01,Taxi,12.5,JPY,,cash\n"
        "2025-02-30,,5,JPY,,cheque\n"
        "2025-03-02,Cafe,400,JPY,Coffee,cash\n"
    )
    app.field("CSV file").send_keys(str(broken))
    app.click("Import")
    app.see("2 lines to fix; nothing was imported")
    app.see("Line 2:")
    app.see("Line 3:")
    app.screenshot("import-errors")
    good = tmp_path / "good.csv"
    good.write_text(
        "date,category,amount,currency,description,payment_method\n"
        "2025-03-01,Taxi,1250,JPY,,cash\n"
        "2025-03-02,Cafe,400,JPY,Coffee,cash\n"
    )
    app.field("CSV file").send_keys(str(good))
    app.click("Import")
    app.see("Imported 2 expenses; skipped 0 already there.")
    app.see("5 expenses")
    # The same file again: duplicates are skipped.
    app.field("CSV file").send_keys(str(exported))
    app.click("Import")
    app.see("Imported 0 expenses; skipped 3 already there.")
