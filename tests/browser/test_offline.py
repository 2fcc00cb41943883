"""The app installable and offline, in chromium: the manifest as the browser reads it, the
app's files from the service worker without a network (DevTools' network emulation), the
replica of the person's data in IndexedDB, writes queued offline, and sign-out wiping it all."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import ApiClient, App, arrange_group, unique_email

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


REPLICA_META = (
    "const [key, done] = [arguments[0], arguments[1]];"
    "const open = indexedDB.open('expense_tracker');"
    "open.onerror = () => done(null);"
    "open.onsuccess = () => { const db = open.result;"
    "  if (!db.objectStoreNames.contains('meta')) { db.close(); return done(null); }"
    "  const get = db.transaction('meta').objectStore('meta').get(key);"
    "  get.onsuccess = () => { db.close(); done(get.result ?? null); };"
    "  get.onerror = () => { db.close(); done(null); }; };"
)


def replica_meta(app: App, key: str) -> Any:
    return app.driver.execute_async_script(REPLICA_META, key)


def wait_for_sync(app: App, after: str | None = None) -> str:
    """Until the replica has synced (after the time `after`, when given); its time."""
    return str(
        app.wait(
            lambda: (at := replica_meta(app, "synced_at")) and (after is None or at > after) and at,
            "the replica's sync",
            timeout=30,
        )
    )


def rows(app: App, within: str) -> list[str]:
    scope = app.scope(within)
    return [e.text for e in scope.find_elements(By.CSS_SELECTOR, "li.list-item") if e.text]


def spend(api: ApiClient, token: str, description: str, amount: str, day: str) -> None:
    body = {
        "description": description,
        "amount": amount,
        "currency": "EUR",
        "date": day,
        "category": "Food",
        "payment_method": "cash",
    }
    status, answer, _ = api.call("POST", "/expenses/", body, token=token)
    assert status == 201, answer


def arrange_trip(api: ApiClient) -> tuple[dict[str, Any], list[tuple[str, str, int]]]:
    """Alice, Bob and Carol: a dinner Alice paid (equal), groceries Bob paid (exact), Bob's
    share of the dinner marked paid, and a payment from Carol to Alice."""
    group, people = arrange_group(api, "Alice Martin", "Bob Chen", "Carol Diaz")
    (_, alice_token, alice), (_, bob_token, bob), (_, carol_token, carol) = people
    gid = group["id"]
    status, dinner, _ = api.call(
        "POST",
        f"/groups/{gid}/expenses",
        {
            "description": "Dinner at Ramiro",
            "amount": "100",
            "split_type": "equal",
            "participants": [alice, bob, carol],
        },
        token=alice_token,
    )
    assert status == 201, dinner
    status, groceries, _ = api.call(
        "POST",
        f"/groups/{gid}/expenses",
        {
            "description": "Groceries",
            "amount": "60",
            "split_type": "exact",
            "splits": [
                {"user_id": alice, "amount": "10"},
                {"user_id": bob, "amount": "20"},
                {"user_id": carol, "amount": "30"},
            ],
        },
        token=bob_token,
    )
    assert status == 201, groceries
    status, body, _ = api.call(
        "PATCH",
        f"/groups/{gid}/expenses/{dinner['id']}/splits/{bob}",
        {"is_paid": True},
        token=bob_token,
    )
    assert status == 200, body
    status, body, _ = api.call(
        "POST",
        f"/groups/{gid}/settlements",
        {"to_user": alice, "amount": "10.00"},
        token=carol_token,
    )
    assert status == 201, body
    return group, people


def test_offline_the_ledger_and_a_group_with_its_balances_show_from_the_replica(
    open_browser: Callable[..., App], api: ApiClient
) -> None:
    group, people = arrange_trip(api)
    email, token, _ = people[0]
    spend(api, token, "Market, and flowers", "13.20", "2026-11-28")
    spend(api, token, "Ferry tickets", "42.90", "2026-11-20")
    app = open_browser()
    app.sign_in(email)
    app.see("Ferry tickets")
    wait_for_shell(app)
    wait_for_sync(app)
    # What the server says, online, to compare with.
    app.go(f"/groups/{group['id']}/balances")
    app.see("Who pays whom")
    online_balances = rows(app, "Balances")
    online_plan = rows(app, "Who pays whom")
    assert len(online_balances) == 3
    app.go("/groups")
    app.see("Lisbon trip")
    online_groups = rows(app, "Your groups")

    network(app, online=False)
    app.open("/app/")
    app.heading("Your expenses")
    app.see("Ferry tickets")
    app.see("Market, and flowers")
    app.see("Offline — showing your data as of")
    app.screenshot("offline-ledger")
    app.nav("Groups")
    app.see("Lisbon trip")
    assert rows(app, "Your groups") == online_groups
    app.go(f"/groups/{group['id']}/balances")
    app.see("Who pays whom")
    # The same nets and the same plan as the server's, computed on the device.
    assert rows(app, "Balances") == online_balances
    assert rows(app, "Who pays whom") == online_plan
    app.see("Offline — showing your data as of")
    app.go(f"/groups/{group['id']}")
    app.see("Dinner at Ramiro")
    app.see("Groceries")
    app.screenshot("offline-group")


def listed(api: ApiClient, email: str, path: str) -> list[dict[str, Any]]:
    status, body, _ = api.call("GET", path, token=api.token(email))
    assert status == 200, body
    return list(body)


def add_personal_expense(app: App, amount: str, description: str) -> None:
    app.click("Add expense")
    app.dialog("Add an expense")
    app.fill("Amount", amount, within="Add an expense")
    app.fill("Category", "Travel", within="Add an expense")
    app.fill("Description", description, within="Add an expense")
    app.click("Save expense", within="Add an expense")
    app.no_dialog()


def test_offline_writes_reach_the_server_once_each_and_other_members_see_them(
    open_browser: Callable[..., App], api: ApiClient
) -> None:
    group, people = arrange_trip(api)
    (alice_email, _, alice), (bob_email, _, bob), _ = people
    gid = group["id"]
    alice_app = open_browser()
    alice_app.sign_in(alice_email)
    wait_for_shell(alice_app)
    wait_for_sync(alice_app)
    bob_app = open_browser()
    bob_app.sign_in(bob_email)
    synced = wait_for_sync(bob_app)

    network(alice_app, online=False)
    alice_app.open("/app/")
    alice_app.heading("Your expenses")
    add_personal_expense(alice_app, "18.40", "Ferry to Cacilhas")
    alice_app.see("Ferry to Cacilhas")
    # Each toast says the change waits on the device, not that it was added.
    alice_app.see("Kept on this device: the new expense will be sent when the connection returns.")
    alice_app.not_see("Expense added.")
    alice_app.see("1 change waiting to be sent.")
    alice_app.go(f"/groups/{gid}/expenses/new")
    alice_app.heading("Add an expense")
    alice_app.fill("Description", "Hut dinner")
    alice_app.fill("Amount", "45")
    alice_app.click("Save expense")
    alice_app.see("Kept on this device: “Hut dinner” will be sent when the connection returns.")
    alice_app.not_see("Added “Hut dinner”.")
    alice_app.see("2 changes waiting to be sent.")
    alice_app.go(f"/groups/{gid}/balances")
    alice_app.click("Record a payment")
    alice_app.dialog("Record a payment")
    alice_app.choose("From", "You", within="Record a payment")
    alice_app.choose("To", "Bob Chen", within="Record a payment")
    alice_app.fill("Amount (EUR)", "7.50", within="Record a payment")
    alice_app.click("Record payment", within="Record a payment")
    alice_app.see("3 changes waiting to be sent.")
    alice_app.see("Kept on this device: the payment (")
    alice_app.not_see("Payment recorded")
    alice_app.screenshot("offline-waiting")
    # Nothing reached the server yet.
    assert not [
        e for e in listed(api, alice_email, "/expenses/") if e["description"] == "Ferry to Cacilhas"
    ]

    network(alice_app, online=True)
    alice_app.wait(lambda: "waiting to be sent" not in alice_app.text(), "the outbox sent", 30)
    mine = [
        e for e in listed(api, alice_email, "/expenses/") if e["description"] == "Ferry to Cacilhas"
    ]
    assert [(e["amount"], e["category"]) for e in mine] == [("18.40", "Travel")]
    shared = listed(api, alice_email, f"/groups/{gid}/expenses/")
    assert [e["amount"] for e in shared if e["description"] == "Hut dinner"] == ["45.00"]
    payments = listed(api, alice_email, f"/groups/{gid}/settlements")
    assert [
        (p["from_user"], p["to_user"], p["amount"]) for p in payments if p["from_user"] == alice
    ] == [(alice, bob, "7.50")]
    # Bob's browser shows them after its next sync (each start of the app syncs).
    bob_app.open("/app/")
    wait_for_sync(bob_app, after=synced)
    network(bob_app, online=False)
    bob_app.go(f"/groups/{gid}")
    bob_app.see("Hut dinner")


def cents(text: str) -> int:
    """'€3.34' (the browser's en-US) -> 334."""
    found = re.search(r"(\d[\d,]*)\.(\d\d)", text)
    assert found, text
    return int(found[1].replace(",", "")) * 100 + int(found[2])


def shown_nets(app: App) -> list[int]:
    """The Balances card's nets in cents, in its order (by member), owing negative."""
    nets = []
    for item in app.scope("Balances").find_elements(By.CSS_SELECTOR, "li.list-item"):
        balance = item.find_element(By.CSS_SELECTOR, ".balance")
        kind = balance.get_attribute("class") or ""
        nets.append(
            0 if "settled" in kind else cents(balance.text) * (-1 if "owing" in kind else 1)
        )
    return nets


def server_nets(api: ApiClient, email: str, gid: int) -> list[int]:
    return [
        cents(row["net"].lstrip("-")) * (-1 if row["net"].startswith("-") else 1)
        for row in listed(api, email, f"/groups/{gid}/balances")
    ]


def owed(before: list[int], after: list[int], paid_by_first: int) -> list[int]:
    """Each member's share of what the first member paid, from the nets around it."""
    return [
        b - a + (paid_by_first if i == 0 else 0)
        for i, (b, a) in enumerate(zip(before, after, strict=True))
    ]


def test_a_group_expense_added_offline_counts_in_the_balances_at_once_then_as_the_server_says(
    open_browser: Callable[..., App], api: ApiClient
) -> None:
    group, people = arrange_trip(api)
    alice_email = people[0][0]
    gid = group["id"]
    before = server_nets(api, alice_email, gid)  # Alice, Bob, Carol, by user id
    app = open_browser()
    app.sign_in(alice_email)
    wait_for_shell(app)
    wait_for_sync(app)
    network(app, online=False)
    app.open("/app/")
    app.heading("Your expenses")
    app.go(f"/groups/{gid}/expenses/new")
    app.heading("Add an expense")
    app.fill("Description", "Taxi to Belém")
    app.fill("Amount", "10")
    app.click("Save expense")
    app.see("Kept on this device: “Taxi to Belém” will be sent when the connection returns.")
    app.see("Taxi to Belém")
    app.wait(
        lambda: any(
            "Taxi to Belém" in item.text and "Waiting to be sent" in item.text
            for item in app.driver.find_elements(By.CSS_SELECTOR, "main li.list-item")
        ),
        "the new expense marked as waiting",
    )
    app.go(f"/groups/{gid}/balances")
    app.see("Who pays whom")
    app.wait(lambda: shown_nets(app) != before, "the offline balances with the new expense")
    offline = shown_nets(app)
    assert sum(offline) == 0
    # Alice paid 10.00; each of the three owes a third: 3.33, 3.33 and 3.34 in some order.
    assert sorted(owed(before, offline, 1000)) == [333, 333, 334]
    app.screenshot("offline-balances-with-queued-expense")
    # Changed offline before it was ever sent: the balances follow at once.
    app.go(f"/groups/{gid}")
    link = app.wait(
        lambda: app.driver.find_element(By.XPATH, "//main//a[contains(., 'Taxi to Belém')]"),
        "the new expense's row",
    )
    app.go(str(link.get_attribute("href")).split("#", 1)[1] + "/edit")
    app.heading("Edit expense")
    app.fill("Amount", "11")
    app.click("Save changes")
    app.see("Kept on this device: your changes to “Taxi to Belém” will be sent")
    app.go(f"/groups/{gid}/balances")
    app.see("Who pays whom")
    app.wait(lambda: shown_nets(app)[0] - before[0] > 700, "the offline balances after the edit")
    assert sorted(owed(before, shown_nets(app), 1100)) == [366, 367, 367]
    app.see("1 change waiting to be sent.")

    network(app, online=True)
    app.wait(lambda: "waiting to be sent" not in app.text(), "the outbox sent", 30)
    now = server_nets(api, alice_email, gid)
    assert sum(now) == 0
    assert sorted(owed(before, now, 1100)) == [366, 367, 367]
    app.go(f"/groups/{gid}")
    app.see("Taxi to Belém")
    app.not_see("Waiting to be sent")
    app.go(f"/groups/{gid}/balances")
    app.wait(lambda: shown_nets(app) == now, "the balances as the server computes them", 30)
    # And the device's copy is the server's now, the spare cents where the server put them.
    network(app, online=False)
    app.go(f"/groups/{gid}")
    app.see("Taxi to Belém")
    app.go(f"/groups/{gid}/balances")
    app.see("Offline — showing your data as of")
    app.wait(lambda: shown_nets(app) == now, "the same balances from the device's copy")


# The connection dies after the server answered the second write and before the page read
# it: the write landed, its answer was lost, and everything after fails until restored.
CUT_AFTER_SECOND_WRITE = """
const real = window.fetch;
let writes = 0;
window.__cut = false;
window.__restore = () => { window.fetch = real; window.__cut = false; };
window.fetch = async (input, init = {}) => {
  if (window.__cut) throw new TypeError("Failed to fetch");
  const response = await real(input, init);
  if ((init.method || "GET") !== "GET" && String(input).match(/expenses|settlements/)) {
    writes += 1;
    if (writes === 2) { window.__cut = true; throw new TypeError("Failed to fetch"); }
  }
  return response;
};
"""


def test_a_connection_lost_while_sending_the_queue_doubles_and_loses_nothing(
    open_browser: Callable[..., App], api: ApiClient
) -> None:
    email = unique_email("cut")
    api.sign_up("Cora Cut", email)
    app = open_browser()
    app.sign_in(email)
    wait_for_shell(app)
    wait_for_sync(app)
    network(app, online=False)
    app.open("/app/")
    app.heading("Your expenses")
    for number in (1, 2, 3):
        add_personal_expense(app, f"1{number}.00", f"Hut night {number}")
    app.see("3 changes waiting to be sent.")
    app.driver.execute_script(CUT_AFTER_SECOND_WRITE)
    network(app, online=True)
    # The first went, the second landed but its answer was lost: two wait (it and the third).
    app.see("2 changes waiting to be sent.", timeout=30)
    app.driver.execute_script("window.__restore(); window.dispatchEvent(new Event('online'));")
    app.wait(lambda: "waiting to be sent" not in app.text(), "the outbox sent", 30)
    sent = sorted(
        (e["description"], e["amount"])
        for e in listed(api, email, "/expenses/")
        if e["description"].startswith("Hut night")
    )
    assert sent == [("Hut night 1", "11.00"), ("Hut night 2", "12.00"), ("Hut night 3", "13.00")]
    app.go("/expenses")
    app.wait(lambda: app.text().count("Hut night 2") == 1, "one Hut night 2 in the ledger")


def test_an_offline_edit_of_an_expense_changed_online_meanwhile_asks_whose_version_wins(
    open_browser: Callable[..., App], api: ApiClient
) -> None:
    group, people = arrange_trip(api)
    (alice_email, _, _), (bob_email, _, _), _ = people
    gid = group["id"]
    [groceries] = [
        e
        for e in listed(api, bob_email, f"/groups/{gid}/expenses/")
        if e["description"] == "Groceries"
    ]
    app = open_browser()
    app.sign_in(bob_email)
    wait_for_shell(app)
    wait_for_sync(app)
    network(app, online=False)
    app.open("/app/")
    app.heading("Your expenses")
    app.go(f"/groups/{gid}/expenses/{groceries['id']}/edit")
    app.heading("Edit expense")
    app.fill("Description", "Groceries at Pingo Doce")
    app.click("Save changes")
    app.see("1 change waiting to be sent.")
    app.see(
        "Kept on this device: your changes to “Groceries at Pingo Doce” will be sent when the "
        "connection returns."
    )
    # Meanwhile Alice, online, renames it too.
    status, body, headers = api.call(
        "GET", f"/groups/{gid}/expenses/{groceries['id']}", token=api.token(alice_email)
    )
    status, body, _ = api.call(
        "PATCH",
        f"/groups/{gid}/expenses/{groceries['id']}",
        {"description": "Groceries and wine"},
        token=api.token(alice_email),
        headers={"If-Match": headers["ETag"]},
    )
    assert status == 200, body
    network(app, online=True)
    app.see("1 change the server refused.", timeout=30)
    # Nothing was overwritten behind anyone's back.
    [now] = [
        e for e in listed(api, bob_email, f"/groups/{gid}/expenses/") if e["id"] == groceries["id"]
    ]
    assert now["description"] == "Groceries and wine"
    app.click("Review")
    dialog = app.dialog("Changes the server refused")
    assert "Groceries at Pingo Doce" in dialog.text
    assert "Groceries and wine" in dialog.text
    app.screenshot("offline-conflict")
    app.click("Keep mine")
    app.wait(lambda: "refused" not in app.text(), "the conflict settled", 30)
    [now] = [
        e for e in listed(api, bob_email, f"/groups/{gid}/expenses/") if e["id"] == groceries["id"]
    ]
    assert now["description"] == "Groceries at Pingo Doce"
    assert now["amount"] == "60.00"


STORED_ANYWHERE = (
    "const [needle, done] = arguments;"
    "const open = indexedDB.open('expense_tracker');"
    "open.onsuccess = async () => { const db = open.result; const found = [];"
    "  for (const name of db.objectStoreNames) {"
    "    const all = await new Promise((ok) => {"
    "      const r = db.transaction(name).objectStore(name).getAll();"
    "      r.onsuccess = () => ok(r.result); r.onerror = () => ok([]); });"
    "    if (JSON.stringify(all).includes(needle)) found.push(name);"
    "  } db.close(); done(found); };"
    "open.onerror = () => done(['could not open']);"
)


def test_signing_out_offline_wipes_the_device_and_the_next_person_sees_nothing_of_the_first(
    open_browser: Callable[..., App], api: ApiClient
) -> None:
    _, people = arrange_trip(api)
    email, token, _ = people[0]
    spend(api, token, "Ferry tickets", "42.90", "2026-11-20")
    other = unique_email("next")
    api.sign_up("Nina Next", other)
    app = open_browser()
    app.sign_in(email)
    wait_for_shell(app)
    wait_for_sync(app)
    network(app, online=False)
    app.open("/app/")
    app.see("Ferry tickets")
    add_personal_expense(app, "9.99", "Unsent postcard")
    app.see("1 change waiting to be sent.")
    app.click("Sign out")
    # The unsent change is lost with the sign-out: the app asks first.
    app.confirm("Sign out and lose unsent changes?", "Sign out")
    app.heading("Sign in")
    for needle in ("Ferry tickets", "Lisbon trip", "Unsent postcard", email):
        assert app.driver.execute_async_script(STORED_ANYWHERE, needle) == [], needle
    network(app, online=True)
    app.sign_in(other)
    app.see("No expenses yet")
    app.not_see("Ferry tickets")
    app.nav("Groups")
    app.see("You are in no group yet")
    app.not_see("Lisbon trip")
    wait_for_sync(app)
    for needle in ("Ferry tickets", "Lisbon trip", "Unsent postcard"):
        assert app.driver.execute_async_script(STORED_ANYWHERE, needle) == [], needle
    # And the unsent write of the first person never reached the server as anyone.
    assert not [
        e for e in listed(api, email, "/expenses/") if e["description"] == "Unsent postcard"
    ]


def test_on_slow_3g_a_repeat_visit_shows_the_ledger_from_the_replica_within_2_seconds(
    open_browser: Callable[..., App], api: ApiClient
) -> None:
    email = unique_email("slow")
    token = api.sign_up("Sam Slow", email)
    spend(api, token, "Mountain hut", "35.00", "2026-11-21")
    app = open_browser()
    app.sign_in(email)
    app.see("Mountain hut")
    wait_for_shell(app)
    wait_for_sync(app)
    # DevTools' "Slow 3G": 2 s round trips, 400 kbit/s.
    network(app, online=True, latency=2000, kbps=50_000)
    started = time.monotonic()
    app.open("/app/")
    app.wait(
        lambda: app.driver.find_elements(By.XPATH, "//main//li[contains(., 'Mountain hut')]"),
        "the ledger from the replica",
        timeout=2,
    )
    assert time.monotonic() - started < 2
    # Then the network answers: the session resumes and the bar goes.
    app.wait(lambda: "Offline" not in app.text(), "the network's answer", timeout=60)
    app.see("Mountain hut")
