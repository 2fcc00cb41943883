"""The web app in a real browser: Debian's chromium (headless, through chromedriver and
Selenium) against a live gunicorn serving the production settings on a fresh database
(TEST_DATABASE_URL, else a SQLite file), migrated with `flask db upgrade`.

One server per test worker; a fresh browser per test (two for the two-person tests).
Screenshots of the main pages go to build/screenshots/<database>/ (.ci/run prints it).
The access token lives 20 seconds here, so the app's refresh path runs all the time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.app_driver import ApiClient, App
from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.servers import free_port, gunicorn_serving, production_env, run_flask

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = ROOT / "build" / "screenshots"
ACCESS_TOKEN_SECONDS = 20


@pytest.fixture(scope="session")
def served_env() -> dict[str, str]:
    """The environment of the gunicorn that base_url serves (filled in by base_url): a
    `flask` command run with it works on the served database."""
    return {}


@pytest.fixture(scope="session")
def base_url(
    tmp_path_factory: pytest.TempPathFactory, run_worker_id: str, served_env: dict[str, str]
) -> Iterator[str]:
    """http://127.0.0.1:<port>: gunicorn with gunicorn.conf.py on a fresh database."""
    directory = tmp_path_factory.mktemp("browser")
    try:
        with provision_database(
            os.environ.get("TEST_DATABASE_URL", ""), f"{run_worker_id}_web", directory
        ) as url:
            port = free_port()
            env = production_env(url, port)
            env["ACCESS_TOKEN_LIFETIME"] = str(ACCESS_TOKEN_SECONDS)
            env["BCRYPT_LOG_ROUNDS"] = "4"
            # Every request logged, so that the check below sees every URL the app used.
            env["LOG_LEVEL"] = "INFO"
            run_flask(env, "db", "upgrade")
            served_env.update(env)
            log = directory / "gunicorn.log"
            with gunicorn_serving(env, port, log):
                yield f"http://127.0.0.1:{port}"
            # No token ever travels in a URL, so none is in the server's log (JWTs start
            # with the base64 of '{"': eyJ).
            leaked = [line for line in log.read_text().splitlines() if "eyJ" in line]
            assert not leaked, leaked[:3]
            assert '"path": "/app/' in log.read_text() or "/app/" in log.read_text()
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    database = os.environ.get("TEST_DATABASE_URL", "") or "sqlite"
    folder = SCREENSHOTS / ("postgresql" if database.startswith("postgres") else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def open_browser(
    base_url: str, screenshot_dir: Path, tmp_path: Path
) -> Iterator[Callable[..., App]]:
    """open_browser(width=1200, locale="en-US") -> App: a fresh headless chromium on the app
    (locale="de-DE": a German browser, comma decimals)."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        message = (
            "chromium / chromedriver are not installed (Debian packages; .ci/run installs them)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opened: list[App] = []

    def launch(width: int = 1200, height: int = 900, locale: str = "en-US") -> App:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",  # root in CI containers
            "--disable-dev-shm-usage",
            "--disable-gpu",
            f"--lang={locale}",
            f"--window-size={width},{height}",
            f"--user-data-dir={tmp_path / f'profile-{len(opened)}'}",
        ):
            options.add_argument(argument)
        # The language people's browsers ask for: numbers, dates and Accept-Language follow it.
        options.add_experimental_option("prefs", {"intl.accept_languages": locale})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        driver.set_window_size(width, height)
        # Headless chromium takes --lang for navigator.languages but keeps its own default
        # for Intl (numbers, dates): make the page's default the person's locale, as a
        # German browser's is.
        driver.execute_cdp_cmd("Emulation.setLocaleOverride", {"locale": locale})
        app = App(driver, base_url, screenshot_dir)
        opened.append(app)
        return app

    yield launch
    for app in opened:
        with contextlib.suppress(Exception):
            app.driver.quit()


@pytest.fixture
def flask_cli(base_url: str, served_env: dict[str, str]) -> Callable[..., str]:
    """flask_cli("rates", "import", path): a `flask` command on the served database, its
    output (both streams). ok=False: it may fail (run-recurring exits 1 when a series did)."""

    def run(*args: str, ok: bool = True) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "flask", *args],
            cwd=ROOT,
            env=served_env,
            capture_output=True,
            timeout=300,
            check=False,
        )
        output = done.stdout.decode() + done.stderr.decode()
        assert done.returncode == 0 or not ok, output
        return output

    return run


@pytest.fixture
def api(base_url: str) -> ApiClient:
    return ApiClient(base_url)


def pytest_report_header() -> str:
    return f"browser screenshots: {SCREENSHOTS}"
