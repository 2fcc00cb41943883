"""The app installable and offline, in chromium: the manifest as the browser reads it, the
app's files from the service worker without a network (DevTools' network emulation), the
replica of the person's data in IndexedDB, writes queued offline, and sign-out wiping it all."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.app_driver import ApiClient, App, unique_email

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def network(app: App, *, online: bool, latency: float = 0, kbps: float = -1) -> None:
    """DevTools' network emulation: offline, or a throttled connection (kbps = bytes/s)."""
    app.driver.execute_cdp_cmd("Network.enable", {})
    app.driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {
            "offline": not online,
            "latency": latency,
            "downloadThroughput": kbps,
            "uploadThroughput": kbps,
        },
    )


def wait_for_shell(app: App) -> None:
    """Until the service worker controls the page and holds the app's files."""
    app.driver.set_script_timeout(30)
    ready = app.driver.execute_async_script(
        "const done = arguments[0];"
        "navigator.serviceWorker.ready.then(() => {"
        "  if (navigator.serviceWorker.controller) return done(true);"
        "  navigator.serviceWorker.addEventListener('controllerchange', () => done(true));"
        "}).catch((e) => done(String(e)));"
    )
    assert ready is True, ready


def test_the_browser_reads_the_manifest_and_can_install_the_app(
    open_browser: Callable[..., App],
) -> None:
    app = open_browser()
    app.open("/app/")
    app.heading("Sign in")
    manifest: dict[str, Any] = app.wait(
        lambda: app.driver.execute_cdp_cmd("Page.getAppManifest", {}).get("manifest"),
        "the manifest as chromium parsed it",
    )
    assert manifest["name"] == "Expense tracker"
    assert manifest["display"] == "kStandalone"
    assert manifest["startUrl"] == app.base_url + "/app/"
    assert manifest["scope"] == app.base_url + "/app/"
    assert manifest["themeColor"] == "rgba(16,42,67,1)"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    # Chromium's own verdict: nothing stands in the way of installing the app.
    wait_for_shell(app)
    verdict = app.driver.execute_cdp_cmd("Page.getInstallabilityErrors", {})
    assert verdict["installabilityErrors"] == []
    assert app.console_errors() == []


CACHED_URLS = (
    "const done = arguments[0];"
    "(async () => { const urls = [];"
    "  for (const name of await caches.keys()) {"
    "    const cache = await caches.open(name);"
    "    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);"
    "  } return urls; })().then(done, (e) => done(String(e)));"
)


def test_after_one_visit_the_app_opens_without_a_network(
    open_browser: Callable[..., App],
) -> None:
    app = open_browser()
    app.open("/app/")
    app.heading("Sign in")
    wait_for_shell(app)
    network(app, online=False)
    app.driver.refresh()
    # The app itself, from the service worker's cache, not chromium's "No internet" page.
    app.heading("Sign in")
    assert app.driver.execute_script("return document.title").endswith("Expense tracker")
    app.click_link("Create an account")
    app.heading("Create your account")  # a lazily loaded view module, also from the cache
    # The caches hold the app's own files only: no API answer, nothing of a person.
    urls = app.driver.execute_async_script(CACHED_URLS)
    assert "/app/js/main.js" in urls
    assert all(url.startswith("/app/") for url in urls), urls
    # And the network really is gone: the API cannot be reached.
    reached = app.driver.execute_async_script(
        "const done = arguments[0]; fetch('/healthz').then(() => done(true), () => done(false));"
    )
    assert reached is False
    app.screenshot("offline-shell")
