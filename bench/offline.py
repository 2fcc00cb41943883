"""The web app offline, measured in headless chromium (issue 20): for a person with 10,000
personal expenses and 5 groups of 1,000 shared expenses, the replica's first sync (time and
pages), its size in IndexedDB, and the time to show the ledger from the replica, offline
and on DevTools' "Slow 3G" profile (a repeat visit).

    .venv/bin/python -m bench.offline [--database-url postgresql+psycopg://...] [--expenses N]

Without --database-url it uses a SQLite file in a temporary folder. Needs Debian's chromium
and chromedriver (as the browser tests do). Prints one table; nothing is written.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.servers import free_port, gunicorn_serving, production_env, run_flask

PASSWORD = "bench-password"
# DevTools' "Slow 3G" preset (chromium's network throttling presets): 2 s round trips,
# 400 kbit/s each way (in bytes per second here).
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
ONLINE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}

META = (
    "const [key, done] = arguments; const open = indexedDB.open('expense_tracker');"
    "open.onsuccess = () => { const db = open.result;"
    "  const get = db.transaction('meta').objectStore('meta').get(key);"
    "  get.onsuccess = () => { db.close(); done(get.result ?? null); }; };"
    "open.onerror = () => done(null);"
)
SIZES = (
    "const done = arguments[0]; const open = indexedDB.open('expense_tracker');"
    "open.onsuccess = async () => { const db = open.result; const out = {};"
    "  for (const name of db.objectStoreNames) {"
    "    const rows = await new Promise((ok) => {"
    "      const r = db.transaction(name).objectStore(name).getAll();"
    "      r.onsuccess = () => ok(r.result); });"
    "    out[name] = [rows.length, new Blob([JSON.stringify(rows)]).size];"
    "  } db.close();"
    "  const estimate = await navigator.storage.estimate();"
    "  out.usage = estimate.usageDetails || {usage: estimate.usage}; done(out); };"
)
FIRST_LEDGER_ROW = "//main//li[contains(@class, 'list-item')]"


def until(condition: Callable[[], Any], timeout: float, step: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError("timed out")


def browser(profile: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1200,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_script_timeout(120)
    driver.execute_cdp_cmd("Network.enable", {})
    return driver


def ledger_time(driver: webdriver.Chrome, url: str) -> float:
    """Seconds from asking for the app to its first ledger row on screen."""
    driver.get("about:blank")  # a real page load, not a fragment change on the same page
    started = time.monotonic()
    driver.get(url)
    until(lambda: driver.find_elements(By.XPATH, FIRST_LEDGER_ROW), 60)
    return time.monotonic() - started


def sign_in(driver: webdriver.Chrome, base: str, email: str) -> None:
    driver.get(f"{base}/app/#/signin")
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "input[type=email]"), 30)
    driver.find_element(By.CSS_SELECTOR, "input[type=email]").send_keys(email)
    driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def measure(base: str, email: str, profile: Path) -> list[tuple[str, str]]:
    driver = browser(profile)
    try:
        sign_in(driver, base, email)
        started = time.monotonic()
        until(lambda: driver.find_elements(By.XPATH, FIRST_LEDGER_ROW), 60)
        synced = until(lambda: driver.execute_async_script(META, "synced_at"), 600, 0.1)
        first_sync = time.monotonic() - started
        sizes = driver.execute_async_script(SIZES)
        data = {k: v for k, v in sizes.items() if k != "usage"}
        rows = sum(count for count, _ in data.values())
        json_bytes = sum(size for _, size in data.values())
        usage = sizes["usage"]
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", OFFLINE)
        offline = [ledger_time(driver, f"{base}/app/#/expenses") for _ in range(3)]
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", SLOW_3G)
        slow = ledger_time(driver, f"{base}/app/#/expenses")
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE)
        online = ledger_time(driver, f"{base}/app/#/expenses")
    finally:
        driver.quit()
    return [
        ("first sync, sign-in to replica complete", f"{first_sync:.1f} s (synced at {synced})"),
        (
            "objects in the replica",
            f"{rows:,} ({', '.join(f'{k} {v[0]:,}' for k, v in data.items())})",
        ),
        ("replica as JSON", f"{json_bytes / 1e6:.1f} MB"),
        (
            "chromium's storage estimate",
            ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in usage.items()),
        ),
        ("ledger shown offline (3 reloads)", ", ".join(f"{t:.2f} s" for t in offline)),
        ("ledger shown on Slow 3G (repeat visit)", f"{slow:.2f} s"),
        ("ledger shown online, no throttling", f"{online:.2f} s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--expenses", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--group-expenses", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        url = args.database_url or f"sqlite:///{directory / 'offline.db'}"
        port = free_port()
        env = production_env(url, port)
        env["ACCESS_TOKEN_LIFETIME"] = "3600"
        run_flask(env, "db", "upgrade")
        seeded = time.monotonic()
        # 8 users in groups of 8: the first user is in every group and owns every personal expense.
        run_flask(
            env,
            "seed-bench",
            "--users",
            "8",
            "--members",
            "8",
            "--groups",
            "0",
            "--expenses",
            str(args.expenses),
            "--top-user-expenses",
            str(args.expenses),
            "--sized-groups",
            ",".join([str(args.group_expenses)] * args.groups),
            "--password",
            PASSWORD,
        )
        print(f"seeded in {time.monotonic() - seeded:.0f} s")
        # A fresh database: seed-bench's users are 1..8, and the first owns every expense.
        email = "bench-user-1@example.com"
        with gunicorn_serving(env, port, directory / "gunicorn.log"):
            rows = measure(f"http://127.0.0.1:{port}", email, directory / "profile")
    sizes = f"{args.expenses:,} personal expenses, {args.groups} groups of {args.group_expenses:,}"
    print(f"| what ({sizes}) | figure |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
