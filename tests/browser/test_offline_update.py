"""A new version of the app, in chromium: the service worker installs the whole new set
beside the old one, the page says "Updated" and switches only when the person reloads.

The files are a copy of the app's folder, served by the app itself in a thread of this test
(the shared gunicorn of the other browser tests must not see a new version)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.browser.app_driver import App
from tests.browser.test_offline import CACHED_URLS, wait_for_shell

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MARK = "/* a later version */"


@pytest.fixture
def own_copy(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path]]:
    """(base URL, folder): the app serving its web files from a copy that the test may change."""
    import expense_tracker.web as web

    folder = tmp_path / "static"
    shutil.copytree(web.STATIC_FOLDER, folder)
    monkeypatch.setattr(web, "STATIC_FOLDER", folder)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", folder
    finally:
        server.shutdown()
        thread.join(timeout=10)


CACHED_CSS = (
    "const done = arguments[0];"
    "caches.keys().then(async (names) => { const out = [];"
    "  for (const name of names) {"
    "    const hit = await (await caches.open(name)).match('/app/app.css');"
    "    out.push(hit ? await hit.text() : ''); } done(out); });"
)


def test_a_new_version_is_installed_whole_and_taken_on_reload_after_an_updated_note(
    open_browser: Callable[..., App], own_copy: tuple[str, Path]
) -> None:
    base, folder = own_copy
    app = open_browser()
    app.open("/app/")  # the shared server once too: its teardown checks that it served the app
    app.driver.get(base + "/app/")
    app.heading("Sign in")
    wait_for_shell(app)
    first = app.driver.execute_async_script(CACHED_URLS)
    # A deploy changes one file: the worker's script changes with it.
    css = folder / "app.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n" + MARK + "\n", encoding="utf-8")
    app.driver.get(base + "/app/")
    app.heading("Sign in")
    app.see("Updated — a new version of the app is ready.", timeout=30)
    # Until then the page runs the old set whole: the old cache is still the one in use.
    served = app.driver.execute_async_script(
        "const done = arguments[0]; fetch('/app/app.css').then((r) => r.text()).then(done);"
    )
    assert MARK not in served
    app.screenshot("offline-updated-note")
    app.click("Reload")
    app.wait(lambda: "Updated —" not in app.text(), "the page reloaded on the new version", 30)
    app.heading("Sign in")
    served = app.driver.execute_async_script(
        "const done = arguments[0]; fetch('/app/app.css').then((r) => r.text()).then(done);"
    )
    assert MARK in served
    # One cache left, the new one, holding the same list of files.
    cached = app.driver.execute_async_script(CACHED_CSS)
    assert len(cached) == 1
    assert MARK in cached[0]
    assert sorted(app.driver.execute_async_script(CACHED_URLS)) == sorted(first)
