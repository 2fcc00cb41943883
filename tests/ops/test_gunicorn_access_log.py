"""gunicorn writes its own access lines only when GUNICORN_ACCESS_LOG asks for them
(gunicorn.conf.py's AccessLinesOnDemand): otherwise it does not even gather their
fields."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.servers import http_call, live_server

pytestmark = pytest.mark.slow


def _access_lines_naming(log: Path, marker: str) -> int:
    """gunicorn's access lines in `log` whose request carried `marker`.

    Counting by marker leaves out the readiness probes, whose lines gunicorn may write
    just before or after the test's own requests: it writes a line after the response."""
    count = 0
    for line in log.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "gunicorn.access" and marker in entry.get("message", ""):
            count += 1
    return count


@pytest.mark.parametrize(("access_log", "expected_lines"), [("", 0), ("-", 2)])
def test_gunicorn_writes_access_lines_only_when_asked(
    tmp_path: Path, access_log: str, expected_lines: int
) -> None:
    database_url = f"sqlite:///{tmp_path / 'access.db'}"
    settings = {"GUNICORN_WORKERS": "1", "GUNICORN_ACCESS_LOG": access_log}
    marker = uuid.uuid4().hex
    with live_server(tmp_path, database_url, **settings) as server:
        for _ in range(2):
            status, _headers, _body = http_call(server.port, "GET", f"/healthz?probe={marker}")
            assert status == 200
    # Read once the server has stopped: by then every line it had to write is written.
    assert _access_lines_naming(server.log, marker) == expected_lines
