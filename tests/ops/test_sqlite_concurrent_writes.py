"""SQLite under gunicorn with several workers and a moderate concurrent write load.

SQLite has one writer at a time. A transaction that began by reading (a deferred BEGIN)
and then wants to write, while another connection wrote in between, cannot wait its turn:
SQLite answers "database is locked" at once, whatever the busy timeout, and the client got
a 503. Writes now begin with BEGIN IMMEDIATE (database.py): they queue for the write lock
up front, within the busy timeout, and then read what they change. Here 12 clients
write at once, for a few hundred requests, through gunicorn's 4 workers of 4 threads
each, to their own rows and to one shared group: every write must succeed, and the kept
balances must equal a recomputation.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.servers import live_server, run_flask

pytestmark = pytest.mark.slow

CLIENTS = 16
WRITES_PER_CLIENT = 40
CSV_HEADER = "date,category,amount,currency,description,payment_method\r\n"


def test_concurrent_writes_on_sqlite_never_reach_a_client_as_locked(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'concurrent.db'}"
    with live_server(tmp_path, database_url, GUNICORN_WORKERS="4") as server:
        owner_id, owner = server.sign_up("owner@example.com")
        status, _, group = server.call("POST", "/groups/", token=owner, json_body={"name": "All"})
        assert status == 201, group
        people = [server.sign_up(f"client{n}@example.com") for n in range(CLIENTS)]
        for _, token in people:
            joined = server.call(
                "POST", "/groups/join", token=token, json_body={"invite_code": group["invite_code"]}
            )
            assert joined[0] == 201, joined
        expenses = f"/groups/{group['id']}/expenses/"
        seen: Counter[str] = Counter()
        problems: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(CLIENTS)

        def client(user_id: int, token: str) -> None:
            start.wait()
            for number in range(WRITES_PER_CLIENT):
                kind = ("personal", "shared", "edit", "settle")[number % 4]
                if kind == "personal":
                    body = {"amount": "9.99", "category": "Food", "payment_method": "cash"}
                    answer = server.call("POST", "/expenses/", token=token, json_body=body)
                elif kind == "shared":
                    body = {"description": "Lunch", "amount": "13.00", "split_type": "equal"}
                    answer = server.call("POST", expenses, token=token, json_body=body)
                    last_shared = answer[2].get("id") if answer[0] == 201 else None
                elif kind == "edit" and last_shared:
                    body = {"amount": "14.00"}
                    path = f"{expenses}{last_shared}"
                    answer = server.call("PATCH", path, token=token, json_body=body)
                else:
                    body = {"to_user": owner_id, "amount": "1.00"}
                    path = f"/groups/{group['id']}/settlements"
                    answer = server.call("POST", path, token=token, json_body=body)
                with lock:
                    seen[f"{kind} {answer[0]}"] += 1
                    if answer[0] >= 300:
                        problems.append(f"{kind} {user_id}: {answer[0]} {answer[2]!r}")

        with ThreadPoolExecutor(CLIENTS) as pool:
            for future in [pool.submit(client, *person) for person in people]:
                future.result()
        # A read-then-write rule under the same load: two identical imports at once
        # import the rows once (the second sees the first's rows as duplicates).
        rows = "".join(f"2024-02-{day:02d},Import,{day}.25,USD,,cash\r\n" for day in range(1, 21))
        imports = [server.upload_csv(owner, CSV_HEADER + rows) for _ in range(2)]
        with ThreadPoolExecutor(2) as pool:
            results = sorted(str(answer[2]) for answer in pool.map(lambda call: call(), imports))
        assert results == [
            str({"imported": 0, "skipped_duplicates": 20}),
            str({"imported": 20, "skipped_duplicates": 0}),
        ]
    assert not problems, f"{seen}\n" + "\n".join(problems[:20])
    assert sum(seen.values()) == CLIENTS * WRITES_PER_CLIENT
    assert "database is locked" not in server.log.read_text()
    run_flask(server.env, "verify-balances")
