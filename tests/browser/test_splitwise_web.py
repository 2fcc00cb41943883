"""Moving in from Splitwise in the browser: from the Groups page, choose the export, say
which column is you (read from the file's first line in the browser), name the group,
import; a file that is not an export is refused under its field, a file with bad lines
lists every line to fix and creates nothing, and success opens the new group with the
others as guests; at 1280 and 375 px, in English and German."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from tests.browser.app_driver import ApiClient, App, unique_email, xpath_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HEADER = "Date,Description,Category,Cost,Currency,Alice Martin,Bob Ferreira,Carol Nguyen"
GOOD = (
    f"{HEADER}\n"
    "\n"
    "2024-03-02,Groceries,Groceries,60.00,EUR,40.00,-20.00,-20.00\n"
    "2024-03-05,Bob Ferreira paid Alice Martin,Payment,20.00,EUR,-20.00,20.00,0.00\n"
    "\n"
    "2024-03-10,Total balance, , ,EUR,20.00,0.00,-20.00\n"
)
# Line 3's people do not add up to zero; line 4's date is no date.
BROKEN = (
    f"{HEADER}\n"
    "\n"
    "2024-03-02,Groceries,Groceries,60.00,EUR,40.00,-20.00,-10.00\n"
    "2024-02-30,Bob Ferreira paid Alice Martin,Payment,20.00,EUR,-20.00,20.00,0.00\n"
    "\n"
    "2024-03-10,Total balance, , ,EUR,20.00,0.00,-20.00\n"
)
DIALOG = "Import from Splitwise"


def people_offered(app: App) -> list[str]:
    """The choices of "Which column is you?" and which one is picked: ["Alice Martin*", ...]."""
    fieldset = app.wait(
        lambda: app.driver.find_element(
            By.XPATH, "//dialog[@open]//fieldset[legend[normalize-space()='Which column is you?']]"
        ),
        "the column choice",
    )
    offered = []
    for radio in fieldset.find_elements(By.CSS_SELECTOR, "input[type=radio]"):
        label = app.driver.find_element(
            By.CSS_SELECTOR, f"label[for='{radio.get_attribute('id')}']"
        )
        offered.append(label.text + ("*" if radio.is_selected() else ""))
    return offered


def pick_person(app: App, name: str) -> None:
    app.driver.find_element(
        By.XPATH, f"//dialog[@open]//fieldset//label[normalize-space()={xpath_text(name)}]"
    ).click()


def serious(app: App) -> list[dict[str, object]]:
    return [v for v in app.axe() if v["impact"] in ("serious", "critical")]


def sideways(app: App) -> int:
    return int(
        app.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def open_import(app: App) -> None:
    app.go("/groups")
    app.heading("Groups")
    app.click(DIALOG)
    app.dialog(DIALOG)


def test_import_lists_bad_lines_then_opens_the_new_group(
    open_browser, api: ApiClient, tmp_path: Path
):
    email = unique_email("alice")
    token = api.sign_up("Alice Martin", email)
    app = open_browser(width=1280)
    app.sign_in(email)
    open_import(app)

    # Not a Splitwise export: said under the file's field, before anything is sent.
    other = tmp_path / "expenses.csv"
    other.write_text("date,category,amount,currency\n2025-01-01,Food,3,EUR\n")
    app.field("Splitwise export (CSV)", within=DIALOG).send_keys(str(other))
    assert "not a Splitwise group export" in app.field_error(
        "Splitwise export (CSV)", within=DIALOG
    )

    # The columns are read in the browser; mine is picked because it bears my name.
    broken = tmp_path / "lisbon.csv"
    broken.write_text(BROKEN)
    app.field("Splitwise export (CSV)", within=DIALOG).send_keys(str(broken))
    app.wait(
        lambda: people_offered(app) == ["Alice Martin*", "Bob Ferreira", "Carol Nguyen"],
        "the file's people offered",
    )
    app.fill("Group name", "Lisbon trip", within=DIALOG)
    app.screenshot("splitwise-1280")
    assert not serious(app)
    app.click("Import group", within=DIALOG)
    app.see("Nothing was imported.")
    app.see("lines of the file to fix")
    app.see("Line 3:")
    app.see("Line 4:")
    app.screenshot("splitwise-errors-1280")
    assert not serious(app)
    _, groups, _ = api.call("GET", "/groups/", token=token)
    assert groups == []

    # The good file: a new group, the others as guests, balances as in Splitwise.
    good = tmp_path / "lisbon-fixed.csv"
    good.write_text(GOOD)
    app.field("Splitwise export (CSV)", within=DIALOG).send_keys(str(good))
    app.wait(lambda: "Alice Martin*" in people_offered(app), "my column picked")
    app.click("Import group", within=DIALOG)
    app.see('"Lisbon trip" imported: 1 expense, 1 payment, 2 guests.')
    app.landed("#/groups/")
    app.see("Lisbon trip")
    _, groups, _ = api.call("GET", "/groups/", token=token)
    assert [g["name"] for g in groups] == ["Lisbon trip"]
    _, members, _ = api.call("GET", f"/groups/{groups[0]['id']}/members", token=token)
    guests = sorted(m["full_name"] for m in members if m.get("guest"))
    assert guests == ["Bob Ferreira", "Carol Nguyen"]
    assert app.console_errors() == []


def test_phone_in_german_asks_which_column_is_me(open_browser, api: ApiClient, tmp_path: Path):
    email = unique_email("bea")
    token = api.sign_up("Bea Beispiel", email)  # her name is in no column
    app = open_browser(width=375, locale="de-DE")
    app.sign_in(email)
    open_import(app)
    # Excel's byte-order mark, CRLF line ends and quoted headers are read as Splitwise writes them.
    export = tmp_path / "wg-kosten.csv"
    header = '"Date","Description","Category","Cost","Currency","Bea B.","Tom, the flatmate"'
    export.write_bytes(
        (
            f"\ufeff{header}\r\n\r\n"
            '2024-05-01,Miete,Rent,"1000.00",EUR,500.00,-500.00\r\n'
            "\r\n2024-05-31,Total balance, , ,EUR,500.00,-500.00\r\n"
        ).encode()
    )
    app.field("Splitwise export (CSV)", within=DIALOG).send_keys(str(export))
    app.wait(lambda: people_offered(app) == ["Bea B.", "Tom, the flatmate"], "nothing guessed")
    # Nothing picked: the app asks, under the question.
    app.click("Import group", within=DIALOG)
    app.see("Pick the column that is you.")
    assert sideways(app) <= 0
    app.screenshot("splitwise-de-375")
    assert not serious(app)
    pick_person(app, "Bea B.")
    app.click("Import group", within=DIALOG)
    # No name typed: the file's name.
    app.see('"wg-kosten" imported: 1 expense, 0 payments, 1 guest.')
    app.landed("#/groups/")
    app.see("wg-kosten")
    _, groups, _ = api.call("GET", "/groups/", token=token)
    assert [g["name"] for g in groups] == ["wg-kosten"]


def test_phone_in_english(open_browser, api: ApiClient, tmp_path: Path):
    email = unique_email("carol")
    api.sign_up("Carol Nguyen", email)
    app = open_browser(width=375)
    app.sign_in(email)
    app.go("/groups")
    app.heading("Groups")
    assert sideways(app) <= 0
    app.screenshot("splitwise-groups-375")
    open_import(app)
    export = tmp_path / "trip.csv"
    export.write_text(GOOD)
    app.field("Splitwise export (CSV)", within=DIALOG).send_keys(str(export))
    app.wait(lambda: "Carol Nguyen*" in people_offered(app), "my column picked")
    assert sideways(app) <= 0
    app.screenshot("splitwise-375")
    assert not serious(app)
