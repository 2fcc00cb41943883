"""The web app: static files at /app/, and `/` sending a browser there.

The app is plain JavaScript modules (expense_tracker/web/static/js/) that talk to the
public REST API like any other client; nothing here knows about users or data. In
production nginx serves the same folder itself (deploy/nginx.conf) with the same headers;
this blueprint serves it for `make run`, `make serve` without nginx, and the tests.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, redirect, request, send_from_directory
from werkzeug.wrappers import Response as BaseResponse

from expense_tracker.web.offline import (
    MANIFEST_SUFFIX,
    MANIFEST_TYPE,
    SERVICE_WORKER_PATH,
    service_worker_script,
)

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


@blp.get(f"/app/{SERVICE_WORKER_PATH}")
def service_worker() -> Response:
    """The offline shell's worker, built from the files it caches (offline.py). no-cache: the
    browser asks again on every visit, which is how a new version is found."""
    response = Response(service_worker_script(STATIC_FOLDER), mimetype="text/javascript")
    response.headers["Cache-Control"] = APP_CACHE_CONTROL
    response.add_etag()
    response.make_conditional(request)
    return response


@blp.get("/app/<path:filename>")
def asset(filename: str) -> Response:
    """A file of the app; send_from_directory refuses paths that leave the folder (404)."""
    return _send(filename)


def _send(filename: str) -> Response:
    mimetype = MANIFEST_TYPE if filename.endswith(MANIFEST_SUFFIX) else None
    response = send_from_directory(
        STATIC_FOLDER, filename, max_age=None, conditional=True, mimetype=mimetype
    )
    response.headers["Cache-Control"] = APP_CACHE_CONTROL
    return response
