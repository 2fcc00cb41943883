"""gunicorn writes its own access lines only when GUNICORN_ACCESS_LOG asks for them
(gunicorn.conf.py's AccessLinesOnDemand): otherwise it does not even gather their
fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.servers import http_call, live_server

pytestmark = pytest.mark.slow


def _loggers(log: Path) -> list[str]:
    names = []
    for line in log.read_text().splitlines():
        try:
            names.append(json.loads(line).get("logger", ""))
        except ValueError:
            continue
    return names


@pytest.mark.parametrize(("access_log", "expected_lines"), [("", 0), ("-", 2)])
def test_gunicorn_writes_access_lines_only_when_asked(
    tmp_path: Path, access_log: str, expected_lines: int
) -> None:
    database_url = f"sqlite:///{tmp_path / 'access.db'}"
    settings = {"GUNICORN_WORKERS": "1", "GUNICORN_ACCESS_LOG": access_log}
    with live_server(tmp_path, database_url, **settings) as server:
        before = _loggers(server.log).count("gunicorn.access")
        for _ in range(2):
            status, _headers, _body = http_call(server.port, "GET", "/healthz")
            assert status == 200
        lines = _loggers(server.log)
    assert lines.count("gunicorn.access") - before == expected_lines
