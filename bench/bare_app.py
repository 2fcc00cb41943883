"""The bare Flask app: the floor the service is compared with.

It answers each benchmarked request with the exact bytes the service answered for it
(status, content type and body, recorded by the bench just before), from memory: no
database, no authentication, no schemas. Served by gunicorn with the project's own
gunicorn.conf.py, like the service, so the two differ only by what the service does.

    BENCH_BARE_RESPONSES=responses.json gunicorn -c gunicorn.conf.py bench.bare_app:app
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Flask, Response, request

RESPONSES_VARIABLE = "BENCH_BARE_RESPONSES"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True)
class Recorded:
    """One response of the service, as it was sent."""

    status: int
    content_type: str
    body: bytes


def request_key(method: str, path: str) -> str:
    """How a recorded response is found: the method and the path with its query string."""
    return f"{method.upper()} {path}"


def save_responses(responses: dict[str, Recorded], path: Path) -> None:
    """Write the recorded responses for the bare app to load (bodies in base64)."""
    encoded = {
        key: {**asdict(response), "body": base64.b64encode(response.body).decode()}
        for key, response in responses.items()
    }
    path.write_text(json.dumps(encoded))


def load_responses(path: Path) -> dict[str, Recorded]:
    return {
        key: Recorded(item["status"], item["content_type"], base64.b64decode(item["body"]))
        for key, item in json.loads(path.read_text()).items()
    }


def create_bare_app(responses: dict[str, Recorded]) -> Flask:
    """A Flask app that replays `responses`; anything else is a 404 (and /healthz a 200)."""
    app = Flask(__name__)

    @app.route("/", defaults={"path": ""}, methods=METHODS)
    @app.route("/<path:path>", methods=METHODS)
    def replay(path: str) -> Response:
        request.get_data()  # read the body, as the service does
        query = request.query_string.decode()
        key = request_key(request.method, request.path + (f"?{query}" if query else ""))
        recorded = responses.get(key)
        if recorded is None:
            if request.path == "/healthz":
                return Response(b'{"status":"ok"}', 200, content_type="application/json")
            return Response(b"not recorded\n", 404, content_type="text/plain")
        return Response(recorded.body, recorded.status, content_type=recorded.content_type)

    return app


_source = os.environ.get(RESPONSES_VARIABLE)
# gunicorn imports `app`; importing the module for its helpers needs no recording.
app = create_bare_app(load_responses(Path(_source))) if _source else create_bare_app({})
