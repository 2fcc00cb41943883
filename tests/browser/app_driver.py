"""Driving the web app like a person: by labels, button texts and headings, never by the
app's internal ids or classes, so the tests also prove that every control is labelled.
Plus a small HTTP client for arranging data through the API where the app is not what is
being tested."""

from __future__ import annotations

import base64
import http.client
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from selenium.common.exceptions import (
    NoAlertPresentException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

PASSWORD = "browser password 1"
TIMEOUT = 15.0
T = TypeVar("T")
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def xpath_text(text: str) -> str:
    """An XPath string literal for any text (quotes included)."""
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", '\"', ".join(f'"{part}"' for part in text.split('"')) + ")"


@dataclass
class App:
    driver: WebDriver
    base_url: str
    screenshot_dir: Path

    # -- waiting -------------------------------------------------------------------------

    def wait(self, condition: Callable[[], T | None], what: str, timeout: float = TIMEOUT) -> T:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                value = condition()
                if value:
                    return value
            except (StaleElementReferenceException, WebDriverException) as exc:
                last = exc
            time.sleep(0.1)
        self.screenshot(f"timeout-{uuid.uuid4().hex[:6]}")
        raise AssertionError(
            f"timed out waiting for {what} (last error: {last}); page text:\n{self.text()}"
        )

    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def see(self, text: str, timeout: float = TIMEOUT) -> None:
        self.wait(lambda: text in self.text(), f"text {text!r}", timeout)

    def not_see(self, text: str) -> None:
        assert text not in self.text(), f"{text!r} should not be on the page"

    def heading(self, text: str) -> None:
        self.wait(
            lambda: any(h.text == text for h in self.driver.find_elements(By.TAG_NAME, "h1")),
            f"the page heading {text!r}",
        )

    # -- navigating ----------------------------------------------------------------------

    def open(self, path: str = "/app/") -> None:
        self.driver.get(self.base_url + path)

    def go(self, fragment: str) -> None:
        """A route of the app, e.g. "/groups"."""
        self.driver.execute_script("location.hash = arguments[0]", fragment)

    def nav(self, label: str) -> None:
        self.click_link(label)

    # -- finding controls ----------------------------------------------------------------

    def scope(self, heading: str | None) -> WebElement:
        """The card (section or form) whose heading is `heading`, else the whole page."""
        if heading is None:
            return self.driver.find_element(By.TAG_NAME, "body")
        # Dialogs (forms on top of a list) are outside <main>: their <h2> scopes them too.
        xpath = (
            "//*[self::main or self::dialog[@open]]"
            f"//*[self::h2 or self::h3][normalize-space()={xpath_text(heading)}]"
            "/ancestor::*[self::section or self::form or self::figure or self::dialog][1]"
        )
        return self.wait(lambda: self.driver.find_element(By.XPATH, xpath), f"section {heading!r}")

    def field(self, label: str, within: str | None = None) -> WebElement:
        """The control labelled `label` (its <label for>, or aria-label)."""

        def find() -> WebElement | None:
            scope = self.scope(within)
            for element in scope.find_elements(
                By.XPATH, f".//label[normalize-space()={xpath_text(label)}]"
            ):
                target = element.get_attribute("for")
                if target:
                    found = self.driver.find_element(By.ID, target)
                    if found.is_displayed() or found.get_attribute("type") == "file":
                        return found
            for element in scope.find_elements(By.CSS_SELECTOR, f'[aria-label="{label}"]'):
                if element.is_displayed():
                    return element
            return None

        return self.wait(find, f"a field labelled {label!r}")

    def fill(self, label: str, value: str, within: str | None = None) -> None:
        # A view may redraw itself between finding the field and typing: find it again.
        for attempt in range(3):
            try:
                self._fill(label, value, within)
                return
            except StaleElementReferenceException:
                if attempt == 2:
                    raise
                time.sleep(0.2)

    def _fill(self, label: str, value: str, within: str | None) -> None:
        element = self.field(label, within)
        kind = element.get_attribute("type")
        if element.tag_name == "select":
            # A picker (a currency, say): the option whose value or text is `value`.
            picker = Select(element)
            for option in picker.options:
                if value in (option.get_attribute("value"), option.text):
                    option.click()
                    return
            raise AssertionError(f"no option {value!r} in {label!r}")
        if kind == "date":
            # Typing into a date input depends on the locale's order: set it as a user agent would.
            self.driver.execute_script(
                "arguments[0].value = arguments[1];"
                "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
                "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                element,
                value,
            )
            return
        element.clear()
        element.send_keys(value)

    def choose(self, label: str, option_text: str, within: str | None = None) -> None:
        Select(self.field(label, within)).select_by_visible_text(option_text)

    def button(self, text: str, within: str | None = None) -> WebElement:
        def find() -> WebElement | None:
            scope = self.scope(within)
            literal = xpath_text(text)
            for element in scope.find_elements(
                By.XPATH,
                f".//button[normalize-space()={literal} or @aria-label={literal}]"
                f" | .//a[contains(concat(' ', @class, ' '), ' button ')"
                f" and (normalize-space()={literal} or @aria-label={literal})]",
            ):
                if element.is_displayed() and element.is_enabled():
                    return element
            return None

        return self.wait(find, f"a button {text!r}")

    def click(self, text: str, within: str | None = None) -> None:
        # The page may draw the button again between finding it and clicking it (a list
        # refreshed by an answer that just came back): then the button drawn now is the
        # one a person would click.
        for attempt in range(3):
            element = self.button(text, within)
            try:
                self.driver.execute_script(
                    "arguments[0].scrollIntoView({block: 'center'})", element
                )
                element.click()
                return
            except StaleElementReferenceException:
                if attempt == 2:
                    raise

    def click_link(self, text: str) -> None:
        link = self.wait(
            lambda: next(
                (
                    element
                    for element in self.driver.find_elements(
                        By.XPATH, f"//a[normalize-space()={xpath_text(text)}]"
                    )
                    if element.is_displayed()
                ),
                None,
            ),
            f"a link {text!r}",
        )
        link.click()

    def accept_confirm(self) -> None:
        def alert() -> Any:
            try:
                return self.driver.switch_to.alert
            except NoAlertPresentException:
                return None

        self.wait(alert, "a confirmation dialog").accept()

    def dialog(self, title: str) -> WebElement:
        """The open dialog whose heading is `title`."""
        xpath = f"//dialog[@open][.//h2[normalize-space()={xpath_text(title)}]]"
        return self.wait(lambda: self.driver.find_element(By.XPATH, xpath), f"dialog {title!r}")

    def no_dialog(self) -> None:
        self.wait(
            lambda: not self.driver.find_elements(By.XPATH, "//dialog[@open]"), "dialogs to close"
        )

    def confirm(self, title: str, confirm_label: str) -> None:
        """Answer a confirmation dialog (ui.confirmDialog) with its confirming button."""
        self.dialog(title)
        self.click(confirm_label, within=title)
        self.no_dialog()

    def tab(self, label: str) -> None:
        """Open a tab of the page (links in <nav class="tabs">). The page may draw itself
        anew for the tab, so the link is looked up again while waiting."""
        xpath = f"//nav[contains(@class, 'tabs')]//a[normalize-space()={xpath_text(label)}]"
        self.wait(lambda: self.driver.find_element(By.XPATH, xpath), f"the tab {label!r}").click()
        self.wait(
            lambda: (
                self.driver.find_element(By.XPATH, xpath).get_attribute("aria-current") == "page"
            ),
            f"tab {label!r} open",
        )

    def landed(self, fragment: str = "#/expenses") -> None:
        """The app has moved to `fragment` and drawn its page (an <h1> under <main>)."""
        self.wait(
            lambda: (
                str(self.driver.execute_script("return location.hash")).startswith(fragment)
                and self.driver.find_elements(By.CSS_SELECTOR, "main h1")
                and not self.driver.find_elements(By.CSS_SELECTOR, "main .loading")
            ),
            f"the page {fragment}",
        )

    def scrolled_into_first_screen(self, element: WebElement) -> bool:
        """True when `element` starts within the window without scrolling."""
        return bool(
            self.driver.execute_script(
                "const r = arguments[0].getBoundingClientRect();"
                "return window.scrollY === 0 && r.top >= 0 && r.top < window.innerHeight;",
                element,
            )
        )

    def field_error(self, label: str, within: str | None = None) -> str:
        """The error message shown for the field labelled `label` (its aria-describedby)."""
        element = self.field(label, within)

        def message() -> str | None:
            if element.get_attribute("aria-invalid") != "true":
                return None
            ids = (element.get_attribute("aria-describedby") or "").split()
            texts = [self.driver.find_element(By.ID, i).text for i in ids if i.endswith("-error")]
            return " ".join(texts) or None

        return self.wait(message, f"an error next to {label!r}")

    def alert_text(self) -> str:
        return self.wait(
            lambda: " ".join(
                element.text
                for element in self.driver.find_elements(By.CSS_SELECTOR, "[role=alert]")
                if element.text
            ),
            "an alert",
        )

    # -- flows ---------------------------------------------------------------------------

    def sign_up(self, name: str, email: str, currency: str = "EUR") -> None:
        self.open("/")
        self.heading("Sign in")
        self.click_link("Create an account")
        self.heading("Create your account")
        self.fill("Your name", name)
        self.fill("Email", email)
        self.fill("Password", PASSWORD)
        self.fill("Currency", currency)
        self.click("Create account")
        self.landed()

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        self.open("/app/#/signin")
        self.heading("Sign in")
        self.fill("Email", email)
        self.fill("Password", password)
        self.click("Sign in")
        # The landing page, not only the navigation: the app moves there once the account
        # is loaded, and a route opened before that would be overtaken.
        self.landed()

    # -- evidence ------------------------------------------------------------------------

    def screenshot(self, name: str) -> Path:
        """The whole page, not only the window (chromium's DevTools protocol): the window is
        made as tall as the page for the capture, so that the layout is the window's own
        width (no scroll bar taken off) and fixed bars sit where a person sees them."""
        path = self.screenshot_dir / f"{name}.png"
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        width = metrics["cssLayoutViewport"]["clientWidth"]
        height = max(
            metrics["cssContentSize"]["height"], metrics["cssLayoutViewport"]["clientHeight"]
        )
        window = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": window[0], "height": int(height), "deviceScaleFactor": 1, "mobile": False},
        )
        try:
            shot = self.driver.execute_cdp_cmd(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "clip": {
                        "x": 0,
                        "y": 0,
                        "width": max(width, window[0]),
                        "height": height,
                        "scale": 1,
                    },
                },
            )
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def console_errors(self) -> list[str]:
        """Errors the page logged: script errors and Content-Security-Policy refusals."""
        return [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
        ]

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations on the current page (WCAG 2 A/AA and best practices)."""
        # Injected through WebDriver, which the page's CSP does not govern; the app never
        # loads axe itself.
        self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(
            "const [tags, done] = arguments;"
            "axe.run(document, {runOnly: {type: 'tag', values: tags}})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.html).slice(0, 3)}))))"
            ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e)}]));",
            ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
        )
        return list(result)


class ApiClient:
    """The public API over HTTP, for arranging data and checking what the app did."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, http.client.HTTPMessage]:
        all_headers = {"Accept": "application/json", **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=data, headers=all_headers)
            response = connection.getresponse()
            raw = response.read()
            return (
                response.status,
                json.loads(raw)
                if raw and "json" in (response.headers.get("Content-Type") or "")
                else raw,
                response.headers,
            )
        finally:
            connection.close()

    def sign_up(self, name: str, email: str, currency: str = "EUR") -> str:
        status, body, _ = self.call(
            "POST",
            "/users/",
            {"email": email, "password": PASSWORD, "full_name": name, "default_currency": currency},
        )
        assert status == 201, body
        return self.token(email)

    def token(self, email: str, password: str = PASSWORD) -> str:
        status, body, _ = self.call("POST", "/token", {"email": email, "password": password})
        assert status == 200, body
        return str(body["access_token"])


def unique_email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.com"


def arrange_group(
    api: ApiClient, *names: str, currency: str = "EUR", group_name: str = "Lisbon trip"
) -> tuple[dict[str, Any], list[tuple[str, str, int]]]:
    """A group of `names` (the first creates it): the group and [(email, token, user_id)]."""
    people = []
    for name in names:
        email = unique_email(name.split()[0].lower())
        token = api.sign_up(name, email, currency)
        _, me, _ = api.call("GET", "/users/me", token=token)
        people.append((email, token, me["id"]))
    owner = people[0][1]
    status, group, _ = api.call(
        "POST", "/groups/", {"name": group_name, "currency": currency}, token=owner
    )
    assert status == 201, group
    for _, token, _ in people[1:]:
        status, body, _ = api.call(
            "POST", "/groups/join", {"invite_code": group["invite_code"]}, token=token
        )
        assert status == 201, body
    return group, people
