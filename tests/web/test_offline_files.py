"""The files that make the web app installable and usable offline, as the service serves
them: the manifest and the service worker (the browser suite, tests/browser/test_offline.py,
runs them in chromium)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from expense_tracker.http.headers import APP_CONTENT_SECURITY_POLICY
from expense_tracker.web import STATIC_FOLDER
from expense_tracker.web.offline import service_worker_script, shell_version

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_the_manifest_makes_the_app_installable(client):
    with client.get("/app/") as page:
        html = page.get_data(as_text=True)
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in html
    with client.get("/app/manifest.webmanifest") as response:
        manifest = json.loads(response.data)
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    assert response.headers["Cache-Control"] == "no-cache"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/app/"
    assert manifest["scope"] == "/app/"
    assert manifest["name"] == "Expense tracker"
    assert manifest["theme_color"] == "#102a43"  # the top bar's colour in app.css
    sizes = {}
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as image:
            width, height = png_size(image.data)
        assert image.status_code == 200
        assert image.mimetype == "image/png"
        assert icon["sizes"] == f"{width}x{height}"
        sizes.setdefault(icon["purpose"], set()).add(width)
    assert sizes == {"any": {192, 512}, "maskable": {512}}


def test_the_service_worker_is_revalidated_on_every_visit_and_lists_the_app_files(client):
    response = client.get("/app/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Security-Policy"] == APP_CONTENT_SECURITY_POLICY
    assert (
        client.get("/app/sw.js", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )
    script = response.get_data(as_text=True)
    files = json.loads(re.search(r"const FILES = (\[.*?\]);", script).group(1))
    assert "/app/" in files
    assert "/app/js/main.js" in files
    assert "/app/js/views/expenses.js" in files
    assert "/app/manifest.webmanifest" in files
    # Every listed file is served, and nothing outside the app's folder is listed.
    for url in files:
        assert url.startswith("/app/")
        with client.get(url) as served:
            assert served.status_code == 200, url
    assert len(files) == sum(1 for path in STATIC_FOLDER.rglob("*") if path.is_file())


def test_changing_any_file_of_the_app_changes_the_service_worker(tmp_path: Path):
    folder = tmp_path / "static"
    shutil.copytree(STATIC_FOLDER, folder)
    before = service_worker_script(folder)
    version = shell_version(folder)
    module = folder / "js" / "views" / "groups.js"
    module.write_text(module.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8")
    assert shell_version(folder) != version
    assert service_worker_script(folder) != before
    # The same files give the same version: a restart or a second server agrees.
    assert shell_version(folder) == shell_version(folder)
