"""The summary in the browser: the period's totals first, then by category, by payment
method and by month, numbers on the bars and each chart's total, the period choice; yen
without decimals, German number formats, at 1280 and 375 px."""

from __future__ import annotations

import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from tests.browser.app_driver import ApiClient, App, unique_email
from tests.browser.test_ledger import first_screen, pick

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def post_expense(api: ApiClient, token: str, **body: object) -> None:
    body.setdefault("payment_method", "cash")
    status, answer, _ = api.call("POST", "/expenses/", body, token=token)
    assert status == 201, answer


def figure(app: App, heading: str, currency: str | None = None) -> WebElement:
    """The chart under the card `heading` (the one in `currency` when given)."""

    def find() -> WebElement | None:
        for element in app.scope(heading).find_elements(By.TAG_NAME, "figure"):
            caption = element.find_element(By.TAG_NAME, "figcaption").text
            if currency is None or caption.startswith(f"In {currency}"):
                return element
        return None

    return app.wait(find, f"the chart {heading!r} {currency or ''}")


def bar_numbers(figure_element: WebElement) -> list[str]:
    return [t.text for t in figure_element.find_elements(By.CSS_SELECTOR, "svg text.chart-value")]


def serious_axe(app: App) -> list[dict[str, object]]:
    return [v for v in app.axe() if v["impact"] in ("serious", "critical")]


def test_totals_first_then_category_method_and_month(open_browser, api: ApiClient):
    email = unique_email("sam")
    token = api.sign_up("Sam Summary", email, currency="JPY")
    for date, amount, category, method in [
        ("2025-01-05", "1200", "Food", "cash"),
        ("2025-01-20", "800", "Food", "credit_card"),
        ("2025-02-03", "5000", "Rent", "bank_transfer"),
    ]:
        post_expense(api, token, date=date, amount=amount, category=category, payment_method=method)
    today = datetime.date.today()
    post_expense(api, token, date=today.isoformat(), amount="300", category="Coffee")
    app = open_browser(width=1280)
    app.sign_in(email)
    app.go("/summary")
    app.heading("Summary")
    # This month by default: only today's coffee.
    app.see("¥300")
    spent = app.driver.find_elements(By.CSS_SELECTOR, "main .stat")
    assert spent, "no stat tiles"
    assert "¥300" in spent[0].text, [s.text for s in spent]

    pick(app, "All time")
    app.wait(lambda: "¥7,300" in app.text(), "the all-time total")
    app.see("All time")
    # By category: a bar each, its amount on it, the chart's total; yen have no decimals.
    categories = figure(app, "By category")
    assert len(categories.find_elements(By.CSS_SELECTOR, "rect")) == 3
    assert bar_numbers(categories) == ["¥300", "¥2,000", "¥5,000"]
    assert "Total ¥7,300" in categories.text
    # By payment method, in words.
    methods = figure(app, "By payment method")
    assert sorted(bar_numbers(methods)) == sorted(["¥1,500", "¥800", "¥5,000"])
    assert "Credit card" in methods.text
    assert "Bank transfer" in methods.text
    months = figure(app, "By month")
    assert "Jan 2025" in months.text
    assert bar_numbers(months)[0] == "¥2,000"
    app.screenshot("summary-1280")
    assert not serious_axe(app)

    # Dates: a custom range.
    pick(app, "Dates…")
    app.fill("From", "2025-01-01")
    app.fill("To", "2025-01-31")
    app.click("Show")
    app.wait(lambda: "¥2,000" in app.text() and "¥7,300" not in app.text(), "January only")
    assert bar_numbers(figure(app, "By category")) == ["¥2,000"]
    # A period with nothing in it says so and offers the ledger.
    pick(app, "Last month")
    app.see("Nothing spent in this period")
    app.click_link("Go to your expenses")
    app.heading("Your expenses")
    assert app.console_errors() == []


def test_phone_and_german(open_browser, api: ApiClient):
    email = unique_email("gert")
    token = api.sign_up("Gert Geld", email, currency="EUR")
    today = datetime.date.today()
    for amount, category, method in [
        ("1234.56", "Miete", "bank_transfer"),
        ("12.50", "Essen", "cash"),
        ("7.05", "Essen", "debit_card"),
    ]:
        post_expense(
            api,
            token,
            date=today.isoformat(),
            amount=amount,
            category=category,
            payment_method=method,
        )
    post_expense(api, token, date=today.isoformat(), amount="20", currency="USD", category="Buch")
    app = open_browser(width=375, locale="de-DE")
    app.sign_in(email)
    app.go("/summary")
    app.heading("Summary")
    # Two currencies: a total each, never added together; German notation.
    app.see("Spent in EUR")
    app.see("1.254,11 €")
    app.see("Spent in USD")
    categories = figure(app, "By category", "EUR")
    assert bar_numbers(categories) == ["19,55 €", "1.234,56 €"]
    assert "Total 1.254,11 €" in categories.text
    width = app.driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert width <= 0, f"the summary scrolls sideways ({width} px)"
    app.screenshot("summary-de-375")
    first_screen(app, "summary-de-375-first-screen")
    assert not serious_axe(app)


def test_phone_english(open_browser, api: ApiClient):
    email = unique_email("phil")
    token = api.sign_up("Phil Phone", email, currency="USD")
    today = datetime.date.today()
    for n, category in enumerate(["Groceries and household", "Transport", "Eating out"]):
        post_expense(
            api, token, date=today.isoformat(), amount=f"{(n + 1) * 111}.11", category=category
        )
    app = open_browser(width=375)
    app.sign_in(email)
    app.go("/summary")
    app.heading("Summary")
    app.see("$666.33")
    app.screenshot("summary-375")
    first_screen(app, "summary-375-first-screen")
    assert not serious_axe(app)
