"""The app's shared pieces, in a real browser: amounts read in the person's notation, the
navigation on a phone, and failure pages that say what happened and where to go."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import ApiClient, App, unique_email

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PARSE = (
    "const [cases, done] = arguments;"
    "import('/app/js/money.js')"
    ".then(m => done(cases.map(([text, cur]) => m.parseAmount(text, cur))))"
    ".catch(e => done(String(e)));"
)


def parsed(app: App, cases: list[tuple[str, str]]) -> list[str | None]:
    app.open("/app/")
    return list(app.driver.execute_async_script(PARSE, cases))


def test_a_german_browser_reads_comma_decimals_and_thousands_points(
    open_browser: Callable[..., App],
) -> None:
    app = open_browser(locale="de-DE")
    cases = [
        ("12,50", "EUR"),
        ("1.234,50", "EUR"),
        ("1.234", "EUR"),
        ("12.50", "EUR"),
        ("12,5", "JPY"),
        ("0,125", "KWD"),
        ("abc", "EUR"),
        ("12,505", "EUR"),
    ]
    assert parsed(app, cases) == [
        "12.50",
        "1234.50",
        "1234.00",
        "12.50",
        None,
        "0.125",
        None,
        None,
    ]


def test_an_english_browser_reads_points_and_comma_thousands(
    open_browser: Callable[..., App],
) -> None:
    app = open_browser(locale="en-US")
    cases = [
        ("12.50", "EUR"),
        ("1,234.50", "EUR"),
        ("1,234", "EUR"),
        ("12,50", "EUR"),
        ("1000", "JPY"),
        ("-3", "EUR"),
    ]
    assert parsed(app, cases) == ["12.50", "1234.50", "1234.00", "12.50", "1000", None]


def test_on_a_phone_the_sections_are_a_tab_bar_at_the_bottom(
    open_browser: Callable[..., App], api: ApiClient
) -> None:
    email = unique_email("phone")
    api.sign_up("Pia Phone", email)
    app = open_browser(width=375, height=740)
    app.sign_in(email)
    bar = app.driver.find_element(By.CSS_SELECTOR, "nav.main-nav")
    gap = app.driver.execute_script(
        "return window.innerHeight - arguments[0].getBoundingClientRect().bottom", bar
    )
    assert abs(gap) < 2, "the sections sit at the bottom of a phone's screen"
    labels = [link.text for link in bar.find_elements(By.TAG_NAME, "a")]
    assert labels == ["Expenses", "Summary", "Groups", "Account"]
    assert app.driver.find_element(By.CSS_SELECTOR, "[aria-label^='Notifications']").is_displayed()
    app.screenshot("shell-375")


def test_a_group_that_is_not_there_says_so_and_leads_back_to_groups(
    open_browser: Callable[..., App], api: ApiClient
) -> None:
    email = unique_email("lost")
    api.sign_up("Lou Lost", email)
    app = open_browser()
    app.sign_in(email)
    app.go("/groups/987654")
    app.heading("Not found")
    assert "no longer a member" in app.alert_text()
    link = app.driver.find_element(By.XPATH, "//main//a[normalize-space()='Back to your groups']")
    link.click()
    app.landed("#/groups")
