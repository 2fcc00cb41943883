"""The browser session (issue 19, item 8): signed in across tabs and browser restarts, the
refresh token in an HttpOnly cookie no script sees, tabs that never end each other's
session, and signing out in one tab reaching the others."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import PASSWORD, ApiClient, App, unique_email
from tests.browser.conftest import ACCESS_TOKEN_SECONDS, CHROMEDRIVER, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# The page header's "Sign out": there only while someone is signed in.
SIGN_OUT_BUTTON = "//header//button[normalize-space()='Sign out']"

COOKIE = "refresh_token"


@pytest.fixture
def browser_with_profile(
    base_url: str, screenshot_dir: Path, tmp_path: Path
) -> Iterator[Callable[..., App]]:
    """browser_with_profile(name) -> App: chromium on the app with the user-data-dir
    `name`; launched again with the same name after `quit()`, it is the same browser
    profile (cookies and storage), as a person reopening their browser has."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("chromium / chromedriver are not installed (Debian packages)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opened: list[App] = []

    def launch(name: str, width: int = 1200, height: int = 900) -> App:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--lang=en-US",
            # Cookies on disk in the clear: the same on every launch, whatever the keyring.
            "--password-store=basic",
            f"--window-size={width},{height}",
            f"--user-data-dir={tmp_path / name}",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        driver.set_window_size(width, height)
        app = App(driver, base_url, screenshot_dir)
        opened.append(app)
        return app

    yield launch
    for app in opened:
        with contextlib.suppress(Exception):
            app.driver.quit()


def signed_in(app: App) -> None:
    app.heading("Your expenses")
    app.wait(
        lambda: app.driver.find_elements(By.XPATH, SIGN_OUT_BUTTON),
        "the navigation of a signed-in person",
    )


def signed_out(app: App) -> None:
    app.heading("Sign in")
    assert not app.driver.find_elements(By.XPATH, SIGN_OUT_BUTTON)


def refresh_cookie(app: App) -> dict[str, Any] | None:
    """The session cookie as the browser keeps it (DevTools sees HttpOnly cookies)."""
    cookies = app.driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
    return next((cookie for cookie in cookies if cookie["name"] == COOKIE), None)


def no_token_in_reach_of_scripts(app: App) -> None:
    """document.cookie, both storages and the address: no JWT (they start with eyJ)."""
    seen = app.driver.execute_script(
        "return [document.cookie, JSON.stringify(localStorage),"
        " JSON.stringify(sessionStorage), location.href]"
    )
    assert COOKIE not in seen[0], seen
    for place in seen:
        assert "eyJ" not in place, seen


def open_tab(app: App, path: str = "/app/") -> str:
    """A new tab on `path`, switched to; its window handle."""
    app.driver.switch_to.new_window("tab")
    app.open(path)
    return str(app.driver.current_window_handle)


def test_a_new_tab_and_a_relaunched_browser_are_still_signed_in(
    browser_with_profile, api: ApiClient
):
    email = unique_email("nora")
    token = api.sign_up("Nora Newtab", email)
    status, body, _ = api.call(
        "POST",
        "/expenses/",
        {"amount": "7.25", "category": "Books", "payment_method": "cash"},
        token=token,
    )
    assert status == 201, body
    app = browser_with_profile("nora")
    app.sign_in(email)
    app.see("€7.25")
    first = app.driver.current_window_handle

    cookie = refresh_cookie(app)
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/token"
    assert cookie["secure"] is False  # plain HTTP here; the API tests cover HTTPS
    # Persistent, for the refresh token's lifetime (30 days), not for the browser's session.
    assert cookie["session"] is False
    assert cookie["expires"] > time.time() + 29 * 86400
    no_token_in_reach_of_scripts(app)

    # A new tab, as a person opens one: signed in, on its own access token.
    second = open_tab(app)
    signed_in(app)
    app.see("€7.25")
    no_token_in_reach_of_scripts(app)
    # And one opened by the page itself (window.open), e.g. a link opened in a new tab.
    app.driver.switch_to.window(first)
    app.driver.execute_script("window.open(arguments[0] + '/app/#/summary')", app.base_url)
    third = next(handle for handle in app.driver.window_handles if handle not in (first, second))
    app.driver.switch_to.window(third)
    app.heading("Summary")
    app.see("€7.25")

    # Quit the browser and open it again on the same profile: still signed in.
    app.driver.quit()
    reopened = browser_with_profile("nora")
    reopened.open("/app/")
    signed_in(reopened)
    reopened.see("€7.25")
    reopened.screenshot("session-reopened-browser")
    no_token_in_reach_of_scripts(reopened)
    assert reopened.console_errors() == []


def without_web_locks(app: App) -> None:
    """This tab's pages load without `navigator.locks`, as over plain HTTP from another
    host (no secure context): then only the API's grace for a just-replaced token helps."""
    app.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": "Object.defineProperty(Navigator.prototype, 'locks', {get: () => undefined});"},
    )


@pytest.mark.parametrize("web_locks", [True, False], ids=["web-locks", "no-web-locks"])
def test_two_tabs_whose_access_tokens_expire_together_both_keep_working(
    open_browser, api: ApiClient, web_locks: bool
):
    email = unique_email("tess")
    token = api.sign_up("Tess Twotabs", email)
    status, body, _ = api.call(
        "POST",
        "/expenses/",
        {"amount": "12.5", "category": "Lunch", "payment_method": "cash"},
        token=token,
    )
    assert status == 201, body
    app = open_browser()
    if not web_locks:
        without_web_locks(app)
    app.sign_in(email)
    first = app.driver.current_window_handle
    # A duplicated tab: the same page, the same cookie, its own access token.
    app.driver.switch_to.new_window("tab")
    if not web_locks:
        without_web_locks(app)
    app.open("/app/#/expenses")
    second = app.driver.current_window_handle
    signed_in(app)
    assert app.driver.execute_script("return Boolean(navigator.locks)") is web_locks

    time.sleep(ACCESS_TOKEN_SECONDS + 1)  # both access tokens have expired now
    # Both tabs move at the same instant, when a message reaches them both: each finds its
    # access token expired and refreshes with the one cookie they share.
    for handle in (first, second):
        app.driver.switch_to.window(handle)
        app.driver.execute_script(
            "new BroadcastChannel('test-go').onmessage = () => { location.hash = '#/summary'; };"
        )
    app.driver.switch_to.new_window("tab")
    app.open("/healthz")  # any page of the origin can post the message
    app.driver.execute_script("new BroadcastChannel('test-go').postMessage('go')")
    app.driver.close()

    for handle in (first, second):
        app.driver.switch_to.window(handle)
        app.heading("Summary")
        app.see("€12.50")
    # Nobody's refresh looked like a stolen token: the session goes on, in both tabs.
    for handle in (first, second):
        app.driver.switch_to.window(handle)
        app.nav("Expenses")
        signed_in(app)
        app.see("€12.50")
    app.driver.refresh()
    signed_in(app)
    assert app.console_errors() == []


def test_signing_out_in_one_tab_signs_the_other_out_on_its_next_request(
    open_browser, api: ApiClient
):
    email = unique_email("otto")
    api.sign_up("Otto Outboth", email)
    app = open_browser()
    app.sign_in(email)
    first = app.driver.current_window_handle
    cookie = refresh_cookie(app)
    assert cookie is not None
    open_tab(app)
    signed_in(app)

    app.click("Sign out")
    signed_out(app)
    # The page moves on at once; the revocation's answer clears the cookie a moment later.
    app.wait(lambda: refresh_cookie(app) is None, "the API to clear the cookie")
    # The session ended on the server, not only in this browser.
    status, _, _ = api.call("POST", "/token/refresh", token=cookie["value"])
    assert status == 401

    app.driver.switch_to.window(first)
    app.nav("Summary")
    signed_out(app)
    app.driver.refresh()
    signed_out(app)
    # Signing in again in one tab: a new session for the browser, and the cookie with it.
    app.fill("Email", email)
    app.fill("Password", PASSWORD)
    app.click("Sign in")
    signed_in(app)
    assert refresh_cookie(app) is not None
    assert app.console_errors() == []


class _PlainPage(http.server.BaseHTTPRequestHandler):
    """A page of another origin, without the API's Content-Security-Policy."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>Another site</title><p>Another site</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def other_origin() -> Iterator[str]:
    """http://127.0.0.1:<another port>: another origin of the same site, whose pages the
    browser sends SameSite=Strict cookies from (cookies ignore ports): only the Origin
    check and the CORS preflight stand between such a page and the session."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PlainPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_of_another_origin_cannot_use_the_session_cookie(
    open_browser, api: ApiClient, base_url: str, other_origin: str
):
    email = unique_email("cora")
    api.sign_up("Cora Csrf", email)
    app = open_browser()
    app.sign_in(email)
    before = refresh_cookie(app)
    assert before is not None

    app.driver.get(other_origin)
    app.see("Another site")
    outcomes = app.driver.execute_async_script(
        "const [target, done] = arguments;"
        "const attempt = (path, options) => fetch(target + path,"
        "  {method: 'POST', credentials: 'include', ...options})"
        "  .then(r => r.type === 'opaque' ? 'opaque' : String(r.status))"
        "  .catch(() => 'blocked');"
        "Promise.all(["
        # With the mode header: a CORS preflight the API does not grant: never sent.
        "  attempt('/token/refresh', {headers: {'X-Refresh-Cookie': '1'}}),"
        "  attempt('/token/revoke', {headers: {'X-Refresh-Cookie': '1'}}),"
        # As a form posts: sent, with the cookie (same site), but without the header the
        # cookie is not read, and the answer is not the page's to see.
        "  attempt('/token/refresh', {mode: 'no-cors'}),"
        "  attempt('/token/revoke', {mode: 'no-cors'}),"
        "]).then(done);",
        base_url,
    )
    assert outcomes == ["blocked", "blocked", "opaque", "opaque"], outcomes
    app.driver.get_log("browser")  # the other page's CORS refusals, as expected: drained

    # Nothing rotated, nothing ended: the same cookie still resumes the session.
    assert refresh_cookie(app) == before
    app.open("/app/")
    signed_in(app)
    assert app.console_errors() == []


def test_a_tab_left_open_after_another_person_signs_in_does_not_mix_accounts(
    open_browser, api: ApiClient
):
    """One browser, one session (the cookie is the browser's): Ada signs out in one tab and
    Ben signs in there; Ada's other tab must not show her pages with Ben's tokens."""
    ada, ben = unique_email("ada"), unique_email("ben")
    for name, email, amount in (("Ada First", ada, "1.11"), ("Ben Second", ben, "2.22")):
        token = api.sign_up(name, email)
        status, body, _ = api.call(
            "POST",
            "/expenses/",
            {"amount": amount, "category": "Tea", "payment_method": "cash"},
            token=token,
        )
        assert status == 201, body
    app = open_browser()
    app.sign_in(ada)
    app.see("€1.11")
    first = app.driver.current_window_handle
    open_tab(app)
    signed_in(app)
    app.click("Sign out")
    signed_out(app)
    app.sign_in(ben)
    app.see("€2.22")

    app.driver.switch_to.window(first)
    app.nav("Summary")  # Ada's session has ended: the tab starts afresh, as Ben
    app.heading("Summary")
    app.see("€2.22")
    app.not_see("€1.11")
    assert app.console_errors() == []


def test_a_tab_signed_in_before_the_cookie_moves_its_token_into_it(open_browser, api: ApiClient):
    """A tab open across the upgrade kept its refresh token in sessionStorage: its next
    page load trades it for the cookie, and sessionStorage holds no token any more."""
    email = unique_email("lea")
    api.sign_up("Lea Legacy", email)
    status, pair, _ = api.call("POST", "/token", {"email": email, "password": PASSWORD})
    assert status == 200, pair
    app = open_browser()
    app.open("/app/")
    signed_out(app)
    app.driver.execute_script(
        "sessionStorage.setItem('expense_tracker.refresh_token', arguments[0])",
        pair["refresh_token"],
    )
    app.driver.refresh()
    signed_in(app)
    assert refresh_cookie(app) is not None
    no_token_in_reach_of_scripts(app)
    # The old token was rotated away: presented again, it is refused.
    status, _, _ = api.call("POST", "/token/refresh", token=pair["refresh_token"])
    assert status == 401


def test_a_refresh_whose_answer_never_arrived_does_not_sign_the_browser_out(
    open_browser, api: ApiClient
):
    """The server rotated the cookie's token but the browser never got the answer (the tab
    was closed or reloaded while it travelled): the next page load still resumes."""
    email = unique_email("rita")
    api.sign_up("Rita Reload", email)
    app = open_browser()
    app.sign_in(email)
    cookie = refresh_cookie(app)
    assert cookie is not None
    # The rotation the browser never heard of: the same token, sent from elsewhere.
    status, body, _ = api.call("POST", "/token/refresh", token=cookie["value"])
    assert status == 200, body
    app.driver.refresh()
    signed_in(app)
    # The answer set the session's current token in the cookie: later refreshes work too.
    app.driver.refresh()
    signed_in(app)
    assert app.console_errors() == []
