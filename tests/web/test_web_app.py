"""The web app's files as the service serves them (the browser suite, tests/browser/, runs
the app itself): where they are, their headers, and what the code may never do."""

from __future__ import annotations

import re

from expense_tracker.http.headers import API_CONTENT_SECURITY_POLICY, APP_CONTENT_SECURITY_POLICY
from expense_tracker.web import STATIC_FOLDER
from tests.problems import assert_problem


def test_the_root_sends_a_browser_to_the_app(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/app/"
    assert client.get("/app").headers["Location"] == "/app/"


def test_the_app_pages_have_their_own_strict_policy(client):
    with client.get("/app/") as page:
        assert page.data.startswith(b"<!doctype html>")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == APP_CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in APP_CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in APP_CONTENT_SECURITY_POLICY
    assert page.headers["Cache-Control"] == "no-cache"
    assert page.headers["ETag"]
    with client.get("/app/", headers={"If-None-Match": page.headers["ETag"]}) as again:
        assert again.status_code == 304
    with client.get("/app/js/main.js") as module:
        assert module.data
    assert module.mimetype in {"text/javascript", "application/javascript"}
    assert module.headers["Content-Security-Policy"] == APP_CONTENT_SECURITY_POLICY
    # The API keeps its own, stricter one.
    assert client.get("/healthz").headers["Content-Security-Policy"] == API_CONTENT_SECURITY_POLICY


def test_nothing_outside_the_app_folder_is_served(client):
    for path in ("/app/../config.py", "/app/..%2F..%2Fconfig.py", "/app/nothing.js"):
        response = client.get(path)
        assert response.data
        assert_problem(response, 404, "not-found")


def test_the_pages_hold_no_inline_script_or_style():
    html = (STATIC_FOLDER / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\bon[a-z]+=|\bstyle=|<style", html)


def test_the_code_never_turns_text_into_html_or_code():
    forbidden = re.compile(
        r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\("
        # Storage that outlives the tab holds one non-secret flag ("this browser has signed
        # in", session.js); a token there would outlive sign-out and be readable by any script.
        r"|localStorage(?!\.(getItem|setItem|removeItem)\(SIGNED_IN_KEY)"
    )
    for path in sorted((STATIC_FOLDER / "js").rglob("*.js")):
        text = path.read_text(encoding="utf-8")
        found = [line for line in text.splitlines() if forbidden.search(line) and "//" not in line]
        assert not found, f"{path.name}: {found}"
