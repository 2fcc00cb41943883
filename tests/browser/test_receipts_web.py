"""Receipts in the browser: a photo from the phone's camera (a real JPEG through the file
input) attached to a personal expense, its thumbnail and the photo large in a dialog, a PDF
offered as a download, a file of another kind refused with what to do, delete after a
confirmation, the limit of ten; fetched with the bearer token and shown without breaking
the CSP; at 1280 and 375 px, in English and German."""

from __future__ import annotations

import datetime
import http.client
import uuid
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from tests.browser.app_driver import ApiClient, App, unique_email
from tests.browser.test_ledger import row, tap

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# -- arranging -----------------------------------------------------------------------------


def jpeg(path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """A real photo-like JPEG (a receipt drawn with Pillow)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 30, size[0] - 40, size[1] - 30), outline=(30, 30, 30), width=4)
    for n in range(6):
        y = 70 + n * 50
        draw.line((70, y, size[0] - 70, y), fill=(60, 60, 60), width=3)
    draw.text((80, 40), "RECEIPT  Dinner  42.00", fill=(0, 0, 0))
    image.save(path, "JPEG", quality=85)
    return path


def upload(api: ApiClient, token: str, path: str, content: bytes, name: str) -> dict[str, Any]:
    """POST a receipt through the API (multipart), for arranging."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    connection = http.client.HTTPConnection(api.host, api.port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Accept": "application/json",
            },
        )
        response = connection.getresponse()
        raw = response.read()
        assert response.status == 201, raw
        import json

        return dict(json.loads(raw))
    finally:
        connection.close()


def personal_expense(api: ApiClient, name: str, currency: str = "EUR") -> tuple[str, str, int]:
    """(email, token, expense id) of a new person with one expense today, "Dinner"."""
    email = unique_email(name.split()[0].lower())
    token = api.sign_up(name, email, currency)
    status, expense, _ = api.call(
        "POST",
        "/expenses/",
        {
            "amount": "42.00",
            "currency": currency,
            "category": "Eating out",
            "description": "Dinner",
            "payment_method": "cash",
            "date": datetime.date.today().isoformat(),
        },
        token=token,
    )
    assert status == 201, expense
    return email, token, int(expense["id"])


# -- reading the page ----------------------------------------------------------------------


def open_edit(app: App) -> str:
    """Open the expense "Dinner" from the ledger; the dialog's title."""
    app.landed()
    tap(app, row(app, "Dinner"))
    dialog = app.wait(
        lambda: app.driver.find_element(By.XPATH, "//dialog[@open]//h2"), "the expense dialog"
    )
    title = str(dialog.text)
    assert title.startswith("Edit expense of"), title
    return title


def receipt_rows(app: App) -> list[str]:
    """The receipts listed (each row's title)."""
    section = app.scope("Receipts")
    return [
        element.text
        for element in section.find_elements(By.CSS_SELECTOR, "li .title")
        if element.is_displayed()
    ]


def thumbnails(app: App) -> list[WebElement]:
    """The receipts' thumbnails that have loaded (a decoded image)."""
    return [
        image
        for image in app.scope("Receipts").find_elements(By.CSS_SELECTOR, "li img")
        if app.driver.execute_script("return arguments[0].naturalWidth", image)
    ]


def confirm_over_dialog(app: App, title: str, label: str) -> None:
    """Answer a confirmation asked over the expense's dialog (which stays open)."""
    app.dialog(title)
    app.click(label, within=title)
    app.wait(
        lambda: (
            not app.driver.find_elements(
                By.XPATH, f"//dialog[@open]//h2[normalize-space()='{title}']"
            )
        ),
        f"{title!r} to close",
    )


def show_receipts(app: App) -> None:
    """Scroll the dialog to its receipts, as a person would, before a screenshot."""
    app.driver.execute_script("arguments[0].scrollIntoView({block: 'end'})", app.scope("Receipts"))


def serious(app: App) -> list[dict[str, object]]:
    return [v for v in app.axe() if v["impact"] in ("serious", "critical")]


def sideways(app: App) -> int:
    return int(
        app.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


# -- tests ---------------------------------------------------------------------------------


def test_photo_and_pdf_added_viewed_and_deleted(open_browser, api: ApiClient, tmp_path: Path):
    email, token, expense_id = personal_expense(api, "Rita Receipt")
    app = open_browser(width=1280)
    app.sign_in(email)
    title = open_edit(app)
    app.see("No receipt yet")
    # The control is the camera on a phone: a file input for photos and PDFs.
    control = app.field("Add a receipt", within="Receipts")
    assert control.get_attribute("type") == "file"
    assert control.get_attribute("accept") == "image/*,application/pdf"
    assert control.get_attribute("capture") == "environment"

    # A real JPEG, chosen as a person would (the file input), is uploaded at once.
    photo = jpeg(tmp_path / "dinner.jpg")
    control.send_keys(str(photo))
    app.see("Receipt added.")
    app.wait(lambda: receipt_rows(app) == ["Receipt 1"], "the photo listed")
    app.wait(lambda: len(thumbnails(app)) == 1, "its thumbnail")
    assert "Photo (JPEG)" in app.scope("Receipts").text
    # Shown from memory (data: URL: the CSP allows no blob: images), never a URL to the API.
    assert thumbnails(app)[0].get_attribute("src").startswith("data:image/jpeg")

    # A PDF too; a text file is refused with what to do.
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(PDF)
    app.field("Add a receipt", within="Receipts").send_keys(str(pdf))
    app.wait(lambda: receipt_rows(app) == ["Receipt 1", "Receipt 2"], "the PDF listed")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a receipt")
    app.field("Add a receipt", within="Receipts").send_keys(str(notes))
    app.see('"notes.txt" is not a photo (JPEG, PNG or WebP) or a PDF')
    app.see("Choose a photo or a PDF.")
    assert receipt_rows(app) == ["Receipt 1", "Receipt 2"]
    show_receipts(app)
    app.screenshot("receipts-1280")
    assert not serious(app)

    # View: the photo large in a dialog over the expense.
    app.click("View receipt 1", within="Receipts")
    app.dialog("Receipt 1")
    big = app.wait(
        lambda: app.dialog("Receipt 1").find_element(By.CSS_SELECTOR, "figure img"), "the photo"
    )
    app.wait(
        lambda: app.driver.execute_script("return arguments[0].naturalWidth", big) == 640,
        "the photo decoded at its size",
    )
    assert big.get_attribute("alt").startswith("Receipt 1, added")
    app.screenshot("receipts-view-1280")
    assert not serious(app)
    app.click("Close", within="Receipt 1")
    app.dialog(title)  # the expense stays open under it

    # The PDF: a download link to the bytes fetched with the token.
    app.click("View receipt 2", within="Receipts")
    app.dialog("Receipt 2")
    link = app.button("Download the PDF", within="Receipt 2")
    assert link.get_attribute("href").startswith("blob:")
    assert link.get_attribute("download").endswith(".pdf")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    app.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    link.click()
    saved = downloads / link.get_attribute("download")
    app.wait(lambda: saved.exists() and saved.read_bytes() == PDF, "the PDF downloaded")
    app.click("Close", within="Receipt 2")

    # Delete asks first; Cancel keeps it.
    app.click("Delete receipt 1", within="Receipts")
    app.dialog("Delete this receipt?")
    app.see("This cannot be undone.")
    app.click("Cancel", within="Delete this receipt?")
    assert receipt_rows(app) == ["Receipt 1", "Receipt 2"]
    app.click("Delete receipt 1", within="Receipts")
    confirm_over_dialog(app, "Delete this receipt?", "Delete receipt")
    app.see("Receipt deleted.")
    app.wait(lambda: receipt_rows(app) == ["Receipt 1"], "one receipt left")
    assert "PDF" in app.scope("Receipts").text
    _, left, _ = api.call("GET", f"/expenses/{expense_id}/receipts", token=token)
    assert [r["content_type"] for r in left] == ["application/pdf"]
    # No script error, no CSP refusal on the way.
    assert app.console_errors() == []


def test_on_a_phone_in_german_up_to_ten(open_browser, api: ApiClient, tmp_path: Path):
    email, token, expense_id = personal_expense(api, "Greta Beleg")
    for n in range(9):
        upload(api, token, f"/expenses/{expense_id}/receipts", PDF + str(n).encode(), f"{n}.pdf")
    app = open_browser(width=375, locale="de-DE")
    app.sign_in(email)
    title = open_edit(app)
    app.wait(lambda: len(receipt_rows(app)) == 9, "nine receipts")
    # The tenth, a photo from the camera, is the last one: then the control goes.
    app.field("Add a receipt", within="Receipts").send_keys(str(jpeg(tmp_path / "bon.jpg")))
    app.wait(lambda: len(receipt_rows(app)) == 10, "ten receipts")
    app.see("10 receipts: the most an expense can have. Delete one to add another.")
    assert not app.driver.find_element(
        By.XPATH, "//label[normalize-space()='Add a receipt']"
    ).is_displayed()
    app.wait(lambda: len(thumbnails(app)) == 1, "the photo's thumbnail")
    assert sideways(app) <= 0, "the dialog scrolls sideways"
    show_receipts(app)
    app.screenshot("receipts-de-375")
    assert not serious(app)
    # A German browser shows the dates its own way.
    text = app.scope("Receipts").text
    assert datetime.date.today().strftime("%d.%m.%Y") in text, text
    app.click("Delete receipt 10", within="Receipts")
    confirm_over_dialog(app, "Delete this receipt?", "Delete receipt")
    app.wait(lambda: len(receipt_rows(app)) == 9, "nine again")
    app.wait(
        lambda: app.driver.find_element(
            By.XPATH, "//label[normalize-space()='Add a receipt']"
        ).is_displayed(),
        "the add control back",
    )
    app.dialog(title)
    assert app.console_errors() == []


def test_phone_in_english(open_browser, api: ApiClient, tmp_path: Path):
    email, token, expense_id = personal_expense(api, "Phil Photo", currency="USD")
    upload(
        api,
        token,
        f"/expenses/{expense_id}/receipts",
        jpeg(tmp_path / "a.jpg").read_bytes(),
        "a.jpg",
    )
    upload(api, token, f"/expenses/{expense_id}/receipts", PDF, "b.pdf")
    app = open_browser(width=375)
    app.sign_in(email)
    open_edit(app)
    app.wait(lambda: receipt_rows(app) == ["Receipt 1", "Receipt 2"], "two receipts")
    app.wait(lambda: len(thumbnails(app)) == 1, "the thumbnail")
    assert sideways(app) <= 0
    show_receipts(app)
    app.screenshot("receipts-375")
    assert not serious(app)
    app.click("View receipt 1", within="Receipts")
    app.dialog("Receipt 1")
    app.wait(
        lambda: app.driver.execute_script(
            "const i = document.querySelector('dialog[open] figure img');return i && i.naturalWidth"
        ),
        "the photo",
    )
    # The photo fits the phone's width.
    width = app.driver.execute_script(
        "return document.querySelector('dialog[open] figure img').getBoundingClientRect().width"
    )
    assert width <= 375
    app.screenshot("receipts-view-375")
    assert not serious(app)


# The expense detail page (S2a's) is not on this branch: its call is made here as it will be
# made there, so that the group rules are proven before the page exists.
MOUNT = """
const [path, canAttach, me, isOwner, done] = arguments;
import("/app/js/views/receipts.js").then((m) => {
  const section = m.receiptsSection({
    path,
    canAttach,
    canDelete: (receipt) => isOwner || receipt.uploaded_by === me,
    nameOf: (id) => (id === me ? "You" : `member ${id}`),
  });
  document.querySelector("main .view").append(section);
  done(true);
}).catch((e) => done(String(e)));
"""


def mount_group_receipts(app: App, path: str, can_attach: bool, me: int, owner: bool) -> None:
    app.landed()
    assert app.driver.execute_async_script(MOUNT, path, can_attach, me, owner) is True


def test_group_receipts_follow_who_may_attach_and_delete(
    open_browser, api: ApiClient, tmp_path: Path
):
    from tests.browser.test_group_expense_form import arrange_group

    group, people = arrange_group(api, "Olive Owner", "Pablo Payer", "Nina Neither")
    (_, owner, _), (payer_email, payer, payer_id), (other_email, _, other_id) = people
    status, expense, _ = api.call(
        "POST",
        f"/groups/{group['id']}/expenses",
        {"description": "Groceries", "amount": "30", "split_type": "equal"},
        token=payer,
    )
    assert status == 201, expense
    path = f"/groups/{group['id']}/expenses/{expense['id']}/receipts"
    upload(api, owner, path, jpeg(tmp_path / "owner.jpg").read_bytes(), "owner.jpg")

    # A member who neither created nor paid it sees the receipt, may not add or delete.
    app = open_browser(width=1280)
    app.sign_in(other_email)
    mount_group_receipts(app, path, can_attach=False, me=other_id, owner=False)
    app.wait(lambda: receipt_rows(app) == ["Receipt 1"], "the owner's receipt")
    app.wait(lambda: len(thumbnails(app)) == 1, "its thumbnail")
    assert "Add a receipt" not in app.scope("Receipts").text
    assert not app.scope("Receipts").find_elements(By.XPATH, ".//button[.='Delete']")
    app.click("View receipt 1", within="Receipts")
    app.dialog("Receipt 1")
    app.click("Close", within="Receipt 1")
    app.no_dialog()

    # The payer adds one from the camera, and may delete only their own.
    payer_app = open_browser(width=1280)
    payer_app.sign_in(payer_email)
    mount_group_receipts(payer_app, path, can_attach=True, me=payer_id, owner=False)
    payer_app.wait(lambda: receipt_rows(payer_app) == ["Receipt 1"], "one receipt")
    payer_app.field("Add a receipt", within="Receipts").send_keys(
        str(jpeg(tmp_path / "payer.jpg", (480, 640)))
    )
    payer_app.wait(lambda: receipt_rows(payer_app) == ["Receipt 1", "Receipt 2"], "two")
    assert "by you" in payer_app.scope("Receipts").text
    assert f"by member {people[0][2]}" in payer_app.scope("Receipts").text
    deletes = payer_app.scope("Receipts").find_elements(By.XPATH, ".//button[.='Delete']")
    assert [d.get_attribute("aria-label") for d in deletes] == ["Delete receipt 2"]
    payer_app.screenshot("receipts-group-1280")
    assert not serious(payer_app)
    assert payer_app.console_errors() == []

    # Shown the control by mistake, the API's 403 is said in words: the member may not add.
    app.driver.refresh()
    mount_group_receipts(app, path, can_attach=True, me=other_id, owner=False)
    app.wait(lambda: len(receipt_rows(app)) == 2, "both receipts")
    app.field("Add a receipt", within="Receipts").send_keys(str(tmp_path / "owner.jpg"))
    app.see("Only the expense's creator, a payer or an owner of the group can add receipts")
    _, listed, _ = api.call("GET", path, token=owner)
    assert len(listed) == 2
