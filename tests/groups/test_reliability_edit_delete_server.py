"""A shared expense's PATCH racing its DELETE, over real HTTP against gunicorn.

Both requests take the group's row lock, so one waits for the other. When the PATCH went
first, the DELETE ran the moment the PATCH committed, while the PATCH was still writing
its answer: the answer read the expense (and then its splits and payers) back from the
database after the commit, and found it gone (500, ObjectDeletedError) or half gone (an
answer with no splits). The edit now answers from the rows it holds. Each round also
tries the other order, a mark-paid racing the DELETE, and ends with the kept balances
compared with a recomputation (`flask verify-balances`).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.servers import LiveServer, live_server, run_flask

pytestmark = pytest.mark.slow

ROUNDS = 40
STAGGERS = (0.0, 0.002, 0.005, 0.01)
Answer = tuple[int, dict[str, str], Any]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, run_worker_id: str) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("edit-delete")
    try:
        with (
            provision_database(
                os.environ.get("TEST_DATABASE_URL", ""), f"{run_worker_id}_editdel", directory
            ) as url,
            live_server(directory, url, GUNICORN_WORKERS="3") as live,
        ):
            yield live
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


def at_once(*calls: Callable[[], Answer], stagger: float) -> list[Answer]:
    barrier = threading.Barrier(len(calls))

    def run(position: int, call: Callable[[], Answer]) -> Answer:
        barrier.wait()
        time.sleep(position * stagger)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, n, c) for n, c in enumerate(calls)]]


def test_an_edit_racing_a_delete_answers_200_or_404_never_500(
    server: LiveServer, tmp_path: Path
) -> None:
    owner_id, owner = server.sign_up("owner@example.com")
    member_id, member = server.sign_up("member@example.com")
    status, _, group = server.call("POST", "/groups/", token=owner, json_body={"name": "Flat"})
    assert status == 201, group
    status, _, joined = server.call(
        "POST", "/groups/join", token=member, json_body={"invite_code": group["invite_code"]}
    )
    assert status == 201, joined
    expenses = f"/groups/{group['id']}/expenses/"
    seen: Counter[str] = Counter()
    for number in range(ROUNDS):
        stagger = STAGGERS[number % len(STAGGERS)]
        for first, edit in (
            ("patch", ("PATCH", {"amount": "45.00", "description": "Edited"})),
            ("delete", ("PATCH", {"amount": "45.00"})),
            ("mark-paid", ("PATCH/split", {"is_paid": True})),
        ):
            status, _, expense = server.call(
                "POST",
                expenses,
                token=owner,
                json_body={"description": "Dinner", "amount": "30.00", "split_type": "equal"},
            )
            assert status == 201, expense
            path = f"{expenses}{expense['id']}"
            method, body = edit
            edit_path = f"{path}/splits/{member_id}" if method == "PATCH/split" else path
            edit_token = member if method == "PATCH/split" else owner

            def patch(p: str = edit_path, b: dict[str, Any] = body, t: str = edit_token) -> Answer:
                return server.call("PATCH", p, token=t, json_body=b)

            def delete(p: str = path) -> Answer:
                return server.call("DELETE", p, token=owner)

            calls = (delete, patch) if first == "delete" else (patch, delete)
            answers = at_once(*calls, stagger=stagger)
            edited, deleted = answers if first != "delete" else answers[::-1]
            seen[f"{first}: edit {edited[0]}, delete {deleted[0]}"] += 1
            assert deleted[0] == 204, deleted
            assert edited[0] in {200, 404}, edited
            if edited[0] == 200:
                # The whole expense as the edit left it, never a half-read one.
                assert len(edited[2]["splits"]) == 2, edited[2]
                assert sum(int(s["amount"].replace(".", "")) for s in edited[2]["splits"]) == (
                    int(edited[2]["amount"].replace(".", ""))
                )
                assert "etag" in edited[1]
            else:
                assert edited[1]["content-type"] == "application/problem+json"
            assert server.call("GET", path, token=owner)[0] == 404
    assert owner_id != member_id
    run_flask(server.env, "verify-balances")
    assert any(key.endswith("edit 200, delete 204") for key in seen), seen
