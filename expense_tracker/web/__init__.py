"""The web app: static files at /app/, and `/` sending a browser there.

The app is plain JavaScript modules (expense_tracker/web/static/js/) that talk to the
public REST API like any other client; nothing here knows about users or data. In
production nginx serves the same folder itself (deploy/nginx.conf) with the same headers;
this blueprint serves it for `make run`, `make serve` without nginx, and the tests.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, redirect, send_from_directory
from werkzeug.wrappers import Response as BaseResponse

STATIC_FOLDER = Path(__file__).parent / "static"
APP_PATH = "/app/"
# There is no build step, so file names carry no content hash: a browser must revalidate
# every file (a cheap 304 thanks to ETag / Last-Modified) or it could run a new index.html
# with an old module after a deploy. nginx sends the same header.
APP_CACHE_CONTROL = "no-cache"

blp = Blueprint("web", __name__)


@blp.get("/")
def home() -> BaseResponse:
    """A browser opening the service lands in the app (API clients never ask for `/`)."""
    return redirect(APP_PATH, code=302)


@blp.get("/app")
def app_without_slash() -> BaseResponse:
    # index.html's relative module paths need the trailing slash.
    return redirect(APP_PATH, code=301)


@blp.get("/app/")
def index() -> Response:
    return _send("index.html")


@blp.get("/app/<path:filename>")
def asset(filename: str) -> Response:
    """A file of the app; send_from_directory refuses paths that leave the folder (404)."""
    return _send(filename)


def _send(filename: str) -> Response:
    response = send_from_directory(STATIC_FOLDER, filename, max_age=None, conditional=True)
    response.headers["Cache-Control"] = APP_CACHE_CONTROL
    return response
