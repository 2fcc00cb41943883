"""The personal ledger in the browser: this month's total first, the list by day, the "+"
that opens the add form in a dialog, a row that opens its expense for editing (and
deleting, after a confirmation), filters folded away, amounts typed and shown in the
browser's locale (German "12,50"), the 412 of a concurrent edit, an expense deleted on
another device, an expense named like an XSS payload, CSV out and in; at 1280 and 375 px."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

from tests.browser.app_driver import ApiClient, App, unique_email, xpath_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROWS = "li[data-expense-id]"


# -- driving helpers for this screen ---------------------------------------------------


def rows(app: App) -> list[WebElement]:
    return [row for row in app.driver.find_elements(By.CSS_SELECTOR, ROWS) if row.is_displayed()]


def listed(app: App) -> list[str]:
    """The titles of the expenses listed, top to bottom (a row's first line)."""
    return [row.text.split("\n")[0] for row in rows(app)]


def row(app: App, title: str) -> WebElement:
    return app.wait(
        lambda: next((r for r in rows(app) if r.text.split("\n")[0] == title), None),
        f"the row {title!r}",
    )


def tap(app: App, element: WebElement) -> None:
    """Tap a row as a person would: in the middle of the screen, clear of the toasts."""
    app.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def unfold(app: App, summary: str) -> None:
    """Open the foldout (<details>) whose summary starts with `summary`."""
    element = app.wait(
        lambda: app.driver.find_element(
            By.XPATH, f"//summary[starts-with(normalize-space(), {xpath_text(summary)})]"
        ),
        f"the foldout {summary!r}",
    )
    details = element.find_element(By.XPATH, "..")
    if details.get_attribute("open") is None:
        app.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()


def add(
    app: App,
    amount: str,
    category: str,
    description: str,
    date: str | None = None,
    method: str | None = None,
) -> None:
    fab_free(app)
    app.click("Add expense")
    app.dialog("Add an expense")
    app.fill("Amount", amount, within="Add an expense")
    app.fill("Category", category, within="Add an expense")
    app.fill("Description", description, within="Add an expense")
    if date:
        app.fill("Date", date, within="Add an expense")
    if method:
        app.choose("Paid with", method, within="Add an expense")
    app.click("Save expense", within="Add an expense")
    app.no_dialog()
    # The list itself, not the toast: the previous save's toast may still be showing.
    app.wait(lambda: description in listed(app), f"{description!r} in the list")


def first_screen(app: App, name: str) -> None:
    """A screenshot of the window only: what a person sees before scrolling."""
    app.driver.save_screenshot(str(app.screenshot_dir / f"{name}.png"))


def pick(app: App, option: str, within: str | None = None) -> None:
    """Choose an option of a segmented control (a radio button) by its visible label."""
    scope = app.scope(within)
    literal = xpath_text(option)
    label = app.wait(
        lambda: next(
            (
                element
                for element in scope.find_elements(
                    By.XPATH, f".//label[normalize-space()={literal}]"
                )
                if element.is_displayed()
            ),
            None,
        ),
        f"the option {option!r}",
    )
    label.click()


def fab_free(app: App) -> None:
    """Wait until nothing (a toast) lies over the "+" button."""
    app.wait(
        lambda: app.driver.execute_script(
            "const fab = document.querySelector('.fab'); const r = fab.getBoundingClientRect();"
            "const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
            "return fab.contains(top);"
        ),
        "the + button clear of toasts",
    )


def serious_axe(app: App) -> list[dict[str, object]]:
    return [v for v in app.axe() if v["impact"] in ("serious", "critical")]


def sideways(app: App) -> int:
    return int(
        app.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def post_expense(api: ApiClient, token: str, **body: object) -> dict[str, object]:
    body.setdefault("payment_method", "cash")
    status, answer, _ = api.call("POST", "/expenses/", body, token=token)
    assert status == 201, answer
    return dict(answer)


# -- tests -----------------------------------------------------------------------------


def test_add_edit_delete_filter_and_search(open_browser, api: ApiClient):
    app = open_browser(width=1280)
    email = unique_email("lena")
    app.sign_up("Lena Ledger", email, currency="EUR")
    app.see("No expenses yet")
    app.see("Spent this month")
    add(app, "12.5", "Groceries", "Market", date="2025-03-02", method="Cash")
    add(app, "1234.56", "Rent", "March rent", date="2025-03-01", method="Bank transfer")
    add(app, "7", "Transport", "Metro card", date="2025-04-10", method="Mobile payment")
    app.wait(lambda: listed(app) == ["Metro card", "Market", "March rent"], "newest first")
    # Money in the currency's minor units, grouped in the browser's locale (en-US here);
    # each day under its own heading.
    app.see("€1,234.56")
    app.see("€12.50")
    headings = [e.text for e in app.driver.find_elements(By.CSS_SELECTOR, "main h2")]
    assert headings[:3] == ["Apr 10, 2025", "Mar 2, 2025", "Mar 1, 2025"], headings
    assert "Groceries · Cash" in row(app, "Market").text
    # This month's tile counts what was spent today, not March 2025.
    add(app, "3.20", "Coffee", "Espresso")
    app.wait(lambda: "€3.20" in stat_text(app), "this month's total")
    app.see("4 expenses")
    app.screenshot("ledger-1280")
    assert not serious_axe(app)

    # A bad amount is said under its field, in the locale's notation, and nothing is sent.
    app.click("Add expense")
    app.dialog("Add an expense")
    app.fill("Amount", "12.345", within="Add an expense")
    app.fill("Category", "Food", within="Add an expense")
    app.click("Save expense", within="Add an expense")
    assert "12.50" in app.field_error("Amount", within="Add an expense")
    app.screenshot("ledger-add-error-1280")
    assert not serious_axe(app)
    # Esc closes the dialog; nothing was added.
    app.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    app.no_dialog()
    assert len(listed(app)) == 4

    # Edit: tapping the row opens it in a dialog.
    tap(app, row(app, "Market"))
    app.dialog("Edit expense of Mar 2, 2025")
    assert app.field("Amount", within="Edit expense of Mar 2, 2025").get_attribute("value") == (
        "12.50"
    )
    app.fill("Amount", "13", within="Edit expense of Mar 2, 2025")
    app.click("Save expense", within="Edit expense of Mar 2, 2025")
    app.see("Expense saved.")
    app.no_dialog()
    app.see("€13.00")

    # Filters, folded away until asked for: date range, category, method; then search.
    assert not app.driver.find_element(By.NAME, "q").is_displayed()
    unfold(app, "Filters")
    app.fill("From", "2025-03-01", within=None)
    app.fill("To", "2025-03-31")
    app.click("Apply filters")
    app.wait(lambda: listed(app) == ["Market", "March rent"], "March only")
    app.see("2 expenses match")
    app.see("Filters (2 on)")
    app.fill("Category", "rent")
    app.click("Apply filters")
    app.wait(lambda: listed(app) == ["March rent"], "category filter, any case")
    app.see("1 expense match")
    app.click("Clear")
    app.wait(lambda: len(listed(app)) == 4, "filters cleared")
    app.choose("Method", "Mobile payment")
    app.click("Apply filters")
    app.wait(lambda: listed(app) == ["Metro card"], "method filter")
    app.click("Clear")
    app.fill("Search", "MARK")
    app.click("Apply filters")
    app.wait(lambda: listed(app) == ["Market"], "search")
    app.fill("Search", "nothing like this")
    app.click("Apply filters")
    app.see("No expense matches these filters")
    app.click("Clear")
    app.wait(lambda: len(listed(app)) == 4, "filters cleared")

    # Delete, after a confirmation that can be declined.
    tap(app, row(app, "Metro card"))
    app.dialog("Edit expense of Apr 10, 2025")
    app.click("Delete", within="Edit expense of Apr 10, 2025")
    app.dialog("Delete this expense?")
    app.screenshot("ledger-delete-1280")
    app.click("Cancel", within="Delete this expense?")
    app.click("Delete", within="Edit expense of Apr 10, 2025")
    app.click("Delete", within="Delete this expense?")
    app.see("Expense deleted.")
    app.no_dialog()
    app.wait(lambda: listed(app) == ["Espresso", "Market", "March rent"], "deleted")
    token = api.token(email)
    _, expenses, _ = api.call("GET", "/expenses/", token=token)
    assert [e["description"] for e in expenses] == ["Espresso", "Market", "March rent"]
    assert app.console_errors() == []


def stat_text(app: App) -> str:
    return " ".join(e.text for e in app.driver.find_elements(By.CSS_SELECTOR, "main .stat"))


def test_keyboard_alone_adds_and_edits(open_browser):
    app = open_browser(width=1280)
    app.sign_up("Kim Keys", unique_email("kim"))
    # The "+" is a real button: focus it, Enter opens the dialog with the amount focused.
    fab = app.button("Add expense")
    app.driver.execute_script("arguments[0].focus()", fab)
    app.driver.switch_to.active_element.send_keys(Keys.ENTER)
    app.dialog("Add an expense")
    active = app.driver.switch_to.active_element
    assert active.get_attribute("name") == "amount"
    active.send_keys("4.20")
    category = app.field("Category", within="Add an expense")
    category.send_keys("Coffee", Keys.ENTER)
    app.see("Expense added.")
    app.no_dialog()
    app.see("€4.20")
    # Focus went back to the "+" it came from.
    assert app.driver.switch_to.active_element.get_attribute("aria-label") == "Add expense"
    # Each row's title is a button: one Tab stop per row, Enter opens it.
    edit = app.button("Coffee")
    app.driver.execute_script("arguments[0].focus()", edit)
    app.driver.switch_to.active_element.send_keys(Keys.ENTER)
    app.dialog(f"Edit expense of {today_en()}")


def today_en() -> str:
    today = datetime.date.today()
    return f"{today:%b} {today.day}, {today.year}"


def test_on_a_phone_the_first_expense_is_on_the_first_screen(open_browser, api: ApiClient):
    email = unique_email("pia")
    token = api.sign_up("Pia Phone", email, currency="EUR")
    today = datetime.date.today()
    # 55 expenses: more than a page (50), over several days, one of them in GBP.
    for n in range(55):
        day = today - datetime.timedelta(days=n // 3)
        post_expense(
            api,
            token,
            date=day.isoformat(),
            amount=f"{n + 1}.25",
            category=["Food", "Transport", "Fun"][n % 3],
            description=f"Thing {n + 1:02d}",
        )
    post_expense(api, token, amount="60", currency="GBP", category="Books", description="Pound")
    app = open_browser(width=375, height=812)
    app.sign_in(email)
    app.wait(lambda: len(rows(app)) == 50, "the first page")
    app.driver.execute_script("window.scrollTo(0, 0)")
    top, height = app.driver.execute_script(
        "return [arguments[0].getBoundingClientRect().top, window.innerHeight]", rows(app)[0]
    )
    assert top < height, f"the first expense is {top} px down a {height} px screen"
    assert sideways(app) <= 0, f"the ledger scrolls sideways ({sideways(app)} px)"
    # Two currencies this month: each its own amount, never added together.
    assert "Spent this month\n€236.25\n£60.00" in stat_text(app), stat_text(app)
    assert "Expenses this month\n22" in stat_text(app), stat_text(app)
    app.screenshot("ledger-375")
    first_screen(app, "ledger-375-first-screen")
    assert not serious_axe(app)

    app.click("Show more")
    app.wait(lambda: len(rows(app)) == 56, "the second page")
    # A day split over two pages stays under one heading.
    days = [e.text for e in app.driver.find_elements(By.CSS_SELECTOR, "main h2")]
    assert len(days) == len(set(days)), days
    more = app.driver.find_element(By.XPATH, "//button[normalize-space()='Show more']")
    assert not more.is_displayed()

    # Tap a row: its dialog fits the phone.
    tap(app, row(app, "Thing 01"))
    app.dialog(f"Edit expense of {today_en()}")
    assert sideways(app) <= 0
    app.screenshot("ledger-edit-375")
    assert not serious_axe(app)
    app.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    app.no_dialog()

    # An expense in another currency is edited in its own currency: renaming it keeps
    # GBP 60.00 (the old app turned it into the default currency's amount).
    tap(app, row(app, "Pound"))
    title = f"Edit expense of {today_en()}"
    app.dialog(title)
    assert app.field("Currency", within=title).get_attribute("value") == "GBP"
    assert app.field("Amount", within=title).get_attribute("value") == "60.00"
    app.fill("Description", "Pound shop", within=title)
    app.click("Save expense", within=title)
    app.see("Expense saved.")
    # A fresh token: the test server's access tokens live 20 seconds.
    _, expenses, _ = api.call("GET", "/expenses/?q=Pound", token=api.token(email))
    assert [(e["description"], e["amount"], e["currency"]) for e in expenses] == [
        ("Pound shop", "60.00", "GBP")
    ]


def test_german_amounts_are_typed_and_shown_with_a_comma(open_browser, api: ApiClient):
    email = unique_email("greta")
    app = open_browser(width=375, locale="de-DE")
    app.sign_up("Greta Komma", email, currency="EUR")
    add(app, "12,50", "Lebensmittel", "Markt", date="2025-03-02")
    add(app, "1.234,56", "Miete", "Miete März", date="2025-03-01")
    app.see("12,50 €")
    app.see("1.234,56 €")
    token = api.token(email)
    _, expenses, _ = api.call("GET", "/expenses/", token=token)
    assert sorted(e["amount"] for e in expenses) == ["12.50", "1234.56"]
    # The edit form shows the amount the German way too.
    tap(app, row(app, "Markt"))
    title = "Edit expense of 02.03.2025"
    app.dialog(title)
    assert app.field("Amount", within=title).get_attribute("value") == "12,50"
    app.fill("Amount", "13,75", within=title)
    app.click("Save expense", within=title)
    app.see("13,75 €")
    # A bad amount is explained with the German example.
    fab_free(app)
    app.click("Add expense")
    app.dialog("Add an expense")
    app.fill("Amount", "12,345", within="Add an expense")
    app.fill("Category", "Essen", within="Add an expense")
    app.click("Save expense", within="Add an expense")
    assert "12,50" in app.field_error("Amount", within="Add an expense")
    app.screenshot("ledger-de-add-375")
    app.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    app.no_dialog()
    app.screenshot("ledger-de-375")
    _, expenses, _ = api.call("GET", "/expenses/", token=api.token(email))
    assert sorted(e["amount"] for e in expenses) == ["1234.56", "13.75"]


def test_an_edit_that_hits_412_says_so_and_offers_to_reload(open_browser, api: ApiClient):
    email = unique_email("rita")
    app = open_browser()
    app.sign_up("Rita Race", email)
    add(app, "20", "Books", "Novel")
    tap(app, row(app, "Novel"))
    title = f"Edit expense of {today_en()}"
    app.dialog(title)
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
    app.fill("Amount", "21", within=title)
    app.click("Save expense", within=title)
    assert "Someone else changed this expense" in app.alert_text()
    app.screenshot("ledger-edit-conflict")
    app.click("Reload the expense", within=title)
    app.wait(
        lambda: app.field("Amount", within=title).get_attribute("value") == "25.00",
        "the other version",
    )
    assert app.field("Description", within=title).get_attribute("value") == "Novel (hardback)"
    app.fill("Amount", "21", within=title)
    app.click("Save expense", within=title)
    app.see("Expense saved.")
    _, expense, _ = api.call("GET", f"/expenses/{expenses[0]['id']}", token=api.token(email))
    assert expense["amount"] == "21.00"
    assert expense["description"] == "Novel (hardback)"


def test_an_expense_deleted_elsewhere_says_so(open_browser, api: ApiClient):
    email = unique_email("dora")
    app = open_browser()
    app.sign_up("Dora Gone", email)
    add(app, "5", "Snacks", "Crisps")
    add(app, "6", "Snacks", "Nuts")
    token = api.token(email)
    _, expenses, _ = api.call("GET", "/expenses/", token=token)
    crisps = next(e for e in expenses if e["description"] == "Crisps")
    status, _, _ = api.call("DELETE", f"/expenses/{crisps['id']}", token=token)
    assert status == 204
    # Opening it says what happened, and the list catches up.
    tap(app, row(app, "Crisps"))
    app.see("This expense is no longer there")
    app.wait(lambda: listed(app) == ["Nuts"], "the list without it")
    # Deleted while its form is open: saving says so too.
    tap(app, row(app, "Nuts"))
    app.dialog(f"Edit expense of {today_en()}")
    nuts = next(e for e in expenses if e["description"] == "Nuts")
    status, _, _ = api.call("DELETE", f"/expenses/{nuts['id']}", token=api.token(email))
    assert status == 204
    app.fill("Amount", "7", within=f"Edit expense of {today_en()}")
    app.click("Save expense", within=f"Edit expense of {today_en()}")
    app.see("This expense is no longer there")
    app.no_dialog()
    app.see("No expenses yet")


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
    pick(app, "All time")
    unfold(app, "As a table")
    app.see(payload)
    assert app.driver.execute_script("return document.querySelectorAll('img').length") == 0
    assert app.console_errors() == []


def test_csv_export_and_import(open_browser, api: ApiClient, tmp_path: Path):
    email = unique_email("sam")
    token = api.sign_up("Sam Summary", email, currency="JPY")
    for date, amount, category in [
        ("2025-01-05", "1200", "Food"),
        ("2025-01-20", "800", "Food"),
        ("2025-02-03", "5000", "Rent"),
    ]:
        post_expense(api, token, date=date, amount=amount, category=category)
    app = open_browser()
    app.sign_in(email)
    # Yen have no minor unit: no decimals.
    app.see("¥5,000")

    # Export: the file the app downloads is the API's CSV.
    app.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    unfold(app, "Import or export CSV")
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
    app.screenshot("ledger-import-errors")
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
