"""Receipts on personal and group expenses: the type read from the content, photos stored
without their GPS location (a real JPEG with GPS tags), served so that a browser runs
nothing in them, readable by who may read the expense, and nothing left behind by a
failed upload."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from tests.factories import add_expense, group_with

GPS_IFD = 0x8825


@pytest.fixture(autouse=True)
def receipts_dir(app, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "receipts"
    monkeypatch.setitem(app.config, "RECEIPTS_DIR", str(folder))
    return folder


def photo_with_gps(kind: str = "JPEG") -> bytes:
    """A real photo whose EXIF says where it was taken (Berlin) and which camera took it."""
    image = Image.new("RGB", (120, 80), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "Acme Phones"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 18.0)})
    out = io.BytesIO()
    image.save(out, kind, exif=exif)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(client, account, path, data: bytes, name="receipt.jpg", content_type=None):
    file = (
        (io.BytesIO(data), name) if content_type is None else (io.BytesIO(data), name, content_type)
    )
    return client.post(
        path, data={"file": file}, headers=account.headers, content_type="multipart/form-data"
    )


def personal_expense(client, account) -> int:
    body = {"amount": "12.50", "category": "Food", "payment_method": "cash"}
    response = client.post("/expenses/", json=body, headers=account.headers)
    assert response.status_code == 201
    return response.get_json()["id"]


def test_a_photo_loses_its_location_and_keeps_its_pixels(client, user, receipts_dir):
    expense_id = personal_expense(client, user)
    original = photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test's premise
    response = upload(client, user, f"/expenses/{expense_id}/receipts", original)
    assert response.status_code == 201, response.get_json()
    receipt = response.get_json()
    assert receipt["content_type"] == "image/jpeg"
    assert receipt["expense_id"] == expense_id
    assert response.headers["Location"] == f"/expenses/{expense_id}/receipts/{receipt['id']}"

    served = client.get(response.headers["Location"], headers=user.headers)
    assert served.status_code == 200
    stored = served.data
    exif = Image.open(io.BytesIO(stored)).getexif()
    assert dict(exif.get_ifd(GPS_IFD)) == {}
    assert exif[0x010F] == "Acme Phones"  # the rest of the EXIF stays
    assert Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(original)).tobytes()
    assert receipt["size"] == len(stored)
    assert receipt["sha256"] == hashlib.sha256(stored).hexdigest()
    # Nothing on disk holds the location either.
    assert [p.read_bytes() for p in receipts_dir.rglob("*") if p.is_file()] == [stored]


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_photos_lose_their_location_too(client, user, kind):
    expense_id = personal_expense(client, user)
    response = upload(client, user, f"/expenses/{expense_id}/receipts", photo_with_gps(kind))
    assert response.status_code == 201, response.get_json()
    stored = client.get(response.headers["Location"], headers=user.headers).data
    assert dict(Image.open(io.BytesIO(stored)).getexif().get_ifd(GPS_IFD)) == {}


def test_the_bytes_are_served_so_that_nothing_in_them_runs(client, user):
    expense_id = personal_expense(client, user)
    created = upload(
        client,
        user,
        f"/expenses/{expense_id}/receipts",
        PDF,
        name="x.html",
        content_type="text/html",
    )
    assert created.status_code == 201
    assert created.get_json()["content_type"] == "application/pdf"  # read from the content
    served = client.get(created.headers["Location"], headers=user.headers)
    assert served.data == PDF
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"].startswith("sandbox")
    assert served.headers["Content-Disposition"].startswith("inline")
    etag = served.headers["ETag"]
    again = client.get(created.headers["Location"], headers={**user.headers, "If-None-Match": etag})
    assert again.status_code == 304


def test_a_file_that_is_no_photo_or_pdf_is_415_whatever_its_name(client, user, receipts_dir):
    expense_id = personal_expense(client, user)
    html = b"<html><script>alert(1)</script></html>"
    response = upload(
        client, user, f"/expenses/{expense_id}/receipts", html, "photo.jpg", "image/jpeg"
    )
    assert response.status_code == 415
    assert response.get_json()["type"] == "/problems/unsupported-media-type"
    assert not any(p.is_file() for p in receipts_dir.rglob("*"))


def test_a_broken_photo_is_refused_and_leaves_nothing(client, user, receipts_dir):
    expense_id = personal_expense(client, user)
    response = upload(client, user, f"/expenses/{expense_id}/receipts", photo_with_gps()[:200])
    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]
    assert not any(p.is_file() for p in receipts_dir.rglob("*"))


def test_more_than_ten_megabytes_is_413(client, user):
    expense_id = personal_expense(client, user)
    big = PDF + b"0" * (10 * 1024 * 1024)  # just over 10 MiB
    # The body written out by hand: the test client would spool a large one to a temporary
    # file it never closes.
    boundary = "receipt-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/expenses/{expense_id}/receipts",
        data=body,
        headers=user.headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert response.get_json()["type"] == "/problems/payload-too-large"


def test_an_expense_holds_ten_receipts(client, user):
    expense_id = personal_expense(client, user)
    path = f"/expenses/{expense_id}/receipts"
    for _ in range(10):
        assert upload(client, user, path, PDF).status_code == 201
    eleventh = upload(client, user, path, PDF)
    assert eleventh.status_code == 409
    assert eleventh.get_json()["type"] == "/problems/limit-reached"
    assert len(client.get(path, headers=user.headers).get_json()) == 10


def test_a_row_the_database_refuses_leaves_no_file(app, client, user, receipts_dir):
    """The database itself refuses the receipt's row (a trigger stands in for any refusal
    at commit): the stored file is removed again."""
    expense_id = personal_expense(client, user)
    with app.app_context():
        refuse_receipt_rows(True)
    try:
        response = upload(client, user, f"/expenses/{expense_id}/receipts", PDF)
    finally:
        with app.app_context():
            refuse_receipt_rows(False)
    assert response.status_code == 500
    assert not any(p.is_file() for p in receipts_dir.rglob("*"))
    assert client.get(f"/expenses/{expense_id}/receipts", headers=user.headers).get_json() == []


def refuse_receipt_rows(on: bool) -> None:
    """A trigger that makes the database refuse every new receipt row (both databases)."""
    from sqlalchemy import text

    from expense_tracker.extensions import db

    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as connection:
        if postgres and on:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_receipt() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_receipt BEFORE INSERT ON receipts "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_receipt()"
                )
            )
        elif postgres:
            connection.execute(text("DROP TRIGGER refuse_receipt ON receipts"))
            connection.execute(text("DROP FUNCTION refuse_receipt()"))
        elif on:
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_receipt BEFORE INSERT ON receipts "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            connection.execute(text("DROP TRIGGER refuse_receipt"))


def test_other_people_never_reach_my_receipts(client, user, other_user):
    expense_id = personal_expense(client, user)
    created = upload(client, user, f"/expenses/{expense_id}/receipts", PDF)
    location = created.headers["Location"]
    assert client.get(location, headers=other_user.headers).status_code == 404
    assert (
        client.get(f"/expenses/{expense_id}/receipts", headers=other_user.headers).status_code
        == 404
    )
    assert upload(client, other_user, f"/expenses/{expense_id}/receipts", PDF).status_code == 404
    assert client.delete(location, headers=other_user.headers).status_code == 404
    assert client.get(location, headers=user.headers).status_code == 200


def test_group_members_read_receipts_editors_attach_uploader_or_owner_deletes(
    client, user, other_user, make_user
):
    stranger = make_user()
    group_id = group_with(client, user, other_user)
    expense = add_expense(client, group_id, user)
    path = f"/groups/{group_id}/expenses/{expense['id']}/receipts"
    # A member who neither created nor paid it may read, not attach.
    assert upload(client, other_user, path, PDF).status_code == 403
    created = upload(client, user, path, photo_with_gps())
    assert created.status_code == 201
    location = created.headers["Location"]
    assert client.get(location, headers=other_user.headers).status_code == 200
    assert [r["id"] for r in client.get(path, headers=other_user.headers).get_json()] == [
        created.get_json()["id"]
    ]
    assert client.get(location, headers=stranger.headers).status_code == 404
    assert client.get(path, headers=stranger.headers).status_code == 404
    assert client.delete(location, headers=other_user.headers).status_code == 403
    assert client.delete(location, headers=user.headers).status_code == 204
    assert client.get(location, headers=user.headers).status_code == 404


def test_a_deleted_group_expense_keeps_its_receipts_for_its_restore(client, user, other_user):
    group_id = group_with(client, user, other_user)
    expense = add_expense(client, group_id, user)
    path = f"/groups/{group_id}/expenses/{expense['id']}/receipts"
    location = upload(client, user, path, PDF).headers["Location"]
    client.delete(f"/groups/{group_id}/expenses/{expense['id']}", headers=user.headers)
    assert client.get(location, headers=user.headers).status_code == 404
    restored = client.post(
        f"/groups/{group_id}/expenses/{expense['id']}/restore", headers=user.headers
    )
    assert restored.status_code == 200
    assert client.get(location, headers=user.headers).data == PDF


def test_the_sweeper_removes_files_without_a_row_only(app, client, user, runner, receipts_dir):
    import os
    import time

    expense_id = personal_expense(client, user)
    kept = upload(client, user, f"/expenses/{expense_id}/receipts", PDF).get_json()
    stray = receipts_dir / "ab" / "cd" / ("abcd" + "0" * 60)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left by a crash")
    old = time.time() - 7200
    for path in receipts_dir.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))
    result = runner.invoke(args=["receipts", "clean"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 file" in result.output
    assert not stray.exists()
    location = f"/expenses/{expense_id}/receipts/{kept['id']}"
    assert client.get(location, headers=user.headers).data == PDF
