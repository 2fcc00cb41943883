"""SQL statements per request, counted in process.

The app is built as the workers build it (the same environment, so the same database
and secrets: the tokens signed by the running service are valid here), and a SQLAlchemy
`before_cursor_execute` listener counts what each request sends to the database. One
request per endpoint, after one request that opens the connection (whose first-connect
queries would otherwise be counted against the first endpoint).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bench.endpoints import Endpoint


@dataclass(frozen=True)
class Counted:
    status: int
    statements: int


def count_statements(
    env: dict[str, str], endpoints: Iterable[Endpoint], tokens: dict[int, str]
) -> list[Counted]:
    """Run each endpoint once in process; its status and statements, in the same order."""
    from sqlalchemy import event

    from expense_tracker import create_app
    from expense_tracker.extensions import db

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        app = create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    counter = {"n": 0}

    def count(*_args: Any) -> None:
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client = app.test_client()
        results: list[Counted] = []
        first = True
        for endpoint in endpoints:
            headers = {"Authorization": f"Bearer {tokens[endpoint.user_id]}"}
            if first:
                client.get("/users/me", headers=headers)
                first = False
            counter["n"] = 0
            response = client.open(
                endpoint.path, method=endpoint.method, json=endpoint.body, headers=headers
            )
            results.append(Counted(response.status_code, counter["n"]))
        return results
    finally:
        event.remove(engine, "before_cursor_execute", count)
        engine.dispose()
