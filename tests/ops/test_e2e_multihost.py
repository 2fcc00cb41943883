"""Several app servers on one database: two gunicorns (two "hosts") behind one nginx
`upstream`, sharing a PostgreSQL database and Redis, and one of them killed mid-load.

What a second host must not break, each shown over real HTTP:
- a retried write (same `Idempotency-Key`) replays on the other server, never doubles;
- under a bounded write load, `kill -9` of one server's master and workers loses no
  acknowledged write and doubles none: every 201 exists exactly once, and a write the
  client could not see answered (502, a cut connection, a timeout) is retried with its key
  until it is answered, landing on the server left;
- rate limits are counted across servers (Redis): a budget spent on one is spent on both;
- the change feed is correct across servers: a client syncing through both in turn sees
  every write exactly once;
- `flask run-recurring` started on both hosts at once creates each occurrence once.

The whole stack lives on loopback ports and in temporary folders; every request has a
timeout and the load is bounded in count and time. Multi-host needs PostgreSQL: on SQLite
(one file, one host) the test skips; with CI=true a missing PostgreSQL, Redis or nginx
fails it.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, create_engine, text

from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.problems import assert_problem
from tests.servers import (
    NGINX,
    ROOT,
    HttpTarget,
    LiveServer,
    expenses_not_whole,
    live_servers,
    nginx_serving,
    run_flask,
)

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/0"
WRITERS = 4
WRITES_PER_WRITER = 25
KILL_AFTER_ACKNOWLEDGED = 30
ATTEMPTS = 8  # per write: the first try and its retries
REQUEST_TIMEOUT = 20.0
LOAD_DEADLINE = 90.0  # seconds for the whole load, whatever happens
SERIES = 3
DAYS_AHEAD = 20
FAILED_SIGN_INS_ALLOWED = 3


@dataclass
class Hosts:
    a: LiveServer
    b: LiveServer
    nginx: HttpTarget
    database_url: str


@pytest.fixture
def postgres_url(tmp_path: Path, run_worker_id: str) -> Iterator[str]:
    base_url = os.environ.get("TEST_DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        pytest.skip(
            "SKIPPED MULTI-HOST: several app servers need one database server they all "
            "reach (PostgreSQL); TEST_DATABASE_URL is SQLite, a file on one host"
        )
    try:
        with provision_database(base_url, f"{run_worker_id}_multihost", tmp_path) as url:
            yield url
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this run's own on the real Redis; its keys are removed after."""
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.RedisError as exc:
        connection.close()
        service_unavailable(f"SKIPPED REDIS: no Redis at {REDIS_URL} ({exc})")
    prefix = f"expense-tracker-multihost-{uuid.uuid4().hex}"
    try:
        yield prefix
    finally:
        keys = list(connection.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            connection.delete(*keys)
        connection.close()


@pytest.fixture
def hosts(postgres_url: str, redis_prefix: str, tmp_path: Path) -> Iterator[Hosts]:
    if not Path(NGINX).exists():
        service_unavailable("SKIPPED NGINX: nginx is not installed (Debian package nginx)")
    settings = {
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        # Counted in Redis or the test fails: no quiet fallback to per-process memory.
        "RATELIMIT_SWALLOW_ERRORS": "false",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": "false",
        "RATELIMIT_LOGIN_PER_ACCOUNT": f"{FAILED_SIGN_INS_ALLOWED} per minute",
        "TRUSTED_PROXY_HOPS": "1",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
    }
    with (
        live_servers(tmp_path, postgres_url, 2, **settings) as (a, b),
        nginx_serving(tmp_path, [a.port, b.port]) as nginx,
    ):
        yield Hosts(a, b, nginx, postgres_url)


@dataclass
class Write:
    """One expense a client means to create exactly once, under one key."""

    key: str
    attempts: list[int | str] = field(default_factory=list)
    expense_id: int | None = None

    @property
    def retried(self) -> bool:
        return len(self.attempts) > 1


def send(target: HttpTarget, method: str, path: str, token: str, **options: Any) -> Any:
    """A request whose failure to connect or to answer is an outcome, not an exception."""
    try:
        return target.call(method, path, token=token, timeout=REQUEST_TIMEOUT, **options)
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, {}, None


def test_two_servers_behind_nginx_share_one_database_and_redis(hosts: Hosts) -> None:
    started = time.monotonic()
    _, owner = hosts.nginx.sign_up(f"owner-{uuid.uuid4().hex[:8]}@example.com")
    status, _, group = hosts.nginx.call(
        "POST", "/groups/", token=owner, json_body={"name": "Two hosts", "currency": "EUR"}
    )
    assert status == 201, group
    writers = []
    for number in range(WRITERS):
        _, token = hosts.nginx.sign_up(f"writer-{number}-{uuid.uuid4().hex[:8]}@example.com")
        joined = hosts.nginx.call(
            "POST", "/groups/join", token=token, json_body={"invite_code": group["invite_code"]}
        )
        assert joined[0] == 201, joined
        writers.append(token)

    a_retry_replays_on_the_other_server(hosts, writers[0], group["id"])
    rate_limits_are_counted_across_servers(hosts)
    load_with_a_server_killed_midway(hosts, owner, writers, group["id"])
    run_recurring_on_both_hosts_creates_each_occurrence_once(hosts, owner, group["id"])

    # Nothing half-written anywhere, and the kept figures agree with the rows.
    assert expenses_not_whole(hosts.database_url) == []
    assert "match the rows" in run_flask(hosts.a.env, "verify-balances")
    assert time.monotonic() - started < 150


def a_retry_replays_on_the_other_server(hosts: Hosts, token: str, group_id: int) -> None:
    """A client that lost the answer from one host and retries on the other gets the first
    answer back, and one expense."""
    body = {"description": "retried on the other host", "amount": "12.34", "split_type": "equal"}
    key = {"Idempotency-Key": f"cross-host-{uuid.uuid4().hex}"}
    path = f"/groups/{group_id}/expenses"
    first = hosts.b.call("POST", path, token=token, json_body=body, headers=key)
    assert first[0] == 201, first
    again = hosts.a.call("POST", path, token=token, json_body=body, headers=key)
    assert again[0] == 201, again
    assert again[1].get("idempotent-replayed") == "true"
    assert again[2] == first[2]
    status, _, listed = hosts.a.call("GET", f"{path}?limit=200", token=token)
    assert status == 200
    assert [e["id"] for e in listed if e["description"] == body["description"]] == [first[2]["id"]]


def rate_limits_are_counted_across_servers(hosts: Hosts) -> None:
    """Failed sign-ins to one account: the budget spent on server A is spent on B too."""
    email = f"target-{uuid.uuid4().hex[:8]}@example.com"
    hosts.nginx.sign_up(email)
    wrong = {"email": email, "password": "not the password at all"}
    for _ in range(FAILED_SIGN_INS_ALLOWED):
        assert_problem(hosts.a.call("POST", "/token", json_body=wrong), 401, "unauthorized")
    refused = hosts.b.call("POST", "/token", json_body=wrong)
    assert_problem(refused, 429, "rate-limited")
    headers = refused[1]
    assert int(headers["retry-after"]) > 0


def load_with_a_server_killed_midway(
    hosts: Hosts, owner: str, writers: list[str], group_id: int
) -> None:
    path = f"/groups/{group_id}/expenses"
    run = uuid.uuid4().hex[:8]
    writes = [
        [Write(f"{run}-w{number}-{n}") for n in range(WRITES_PER_WRITER)]
        for number in range(WRITERS)
    ]
    acknowledged = threading.Semaphore(0)
    deadline = time.monotonic() + LOAD_DEADLINE
    writing = threading.Event()
    writing.set()
    failures: list[BaseException] = []

    def write(number: int) -> None:
        token = writers[number]
        try:
            for item in writes[number]:
                body = {"description": item.key, "amount": "10.01", "split_type": "equal"}
                for _attempt in range(ATTEMPTS):
                    if time.monotonic() > deadline:
                        return
                    status, _, answer = send(
                        hosts.nginx,
                        "POST",
                        path,
                        token,
                        json_body=body,
                        headers={"Idempotency-Key": item.key},
                    )
                    item.attempts.append(status)
                    if status == 201:
                        item.expense_id = int(answer["id"])
                        acknowledged.release()
                        break
                    # Not answered: nginx's 502/504 (the host died holding it), a cut
                    # connection or a timeout, or 409 (the key still held by a request
                    # the dead host never finished). Same key, same body, again.
                    assert status in (409, 502, 503, 504) or isinstance(status, str), (
                        item.key,
                        status,
                        answer,
                    )
                    time.sleep(0.5)
        except BaseException as exc:
            failures.append(exc)

    feed = FeedReader(owner, [hosts.a, hosts.b])
    # The first sync (every object sent whole) ends before the load begins: an object
    # committed while it is being sent whole may come again in the next window, in the
    # same state (sync/feed.py); from then on each write comes exactly once.
    feed.catch_up()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    syncer = threading.Thread(target=feed.follow, args=(writing,))
    for thread in [*threads, syncer]:
        thread.start()
    killed_workers: set[int] = set()
    try:
        for _ in range(KILL_AFTER_ACKNOWLEDGED):
            assert acknowledged.acquire(timeout=60), "the load stalled before the kill"
        killed_workers = hosts.b.workers()
        hosts.b.kill()
    finally:
        for thread in threads:
            thread.join(timeout=LOAD_DEADLINE + REQUEST_TIMEOUT)
        writing.clear()
        syncer.join(timeout=60)
    assert not failures, failures
    assert not any(thread.is_alive() for thread in [*threads, syncer])
    assert killed_workers
    assert all(_gone(pid) for pid in killed_workers)
    assert feed.errors == [], feed.errors

    flat = [item for per_writer in writes for item in per_writer]
    answered = [item for item in flat if item.expense_id is not None]
    unanswered = [item for item in flat if item.expense_id is None]
    print(
        f"\nmulti-host load: {len(answered)} of {len(flat)} writes answered, "
        f"{sum(item.retried for item in flat)} retried "
        f"({Counter(str(s) for item in flat for s in item.attempts[:-1])}), "
        f"{len(unanswered)} unanswered ({[item.attempts for item in unanswered]})"
    )
    # Only a request the dead host held can stay unanswered (its key is still reserved
    # for a few minutes: 409); every other write was answered, on the host left.
    assert len(unanswered) <= WRITERS
    assert all(item.attempts[-1] == 409 for item in unanswered)

    engine = create_engine(hosts.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, description FROM group_expenses WHERE description LIKE :run"),
            {"run": f"{run}-%"},
        ).all()
    engine.dispose()
    by_key = Counter(description for _, description in rows)
    ids_by_key = {description: expense_id for expense_id, description in rows}
    # Never doubled, retries included; every answered write there exactly once.
    assert [key for key, count in by_key.items() if count > 1] == []
    for item in answered:
        assert ids_by_key.get(item.key) == item.expense_id, item
    for item in unanswered:
        assert by_key[item.key] <= 1
    print(f"unanswered writes that exist: {sum(by_key[item.key] for item in unanswered)}")

    # The feed, read through both hosts in turn (then the one left), holds every shared
    # expense of the group exactly once: none lost between hosts, none repeated.
    feed.drain(hosts.a)
    seen = Counter(change["id"] for change in feed.changes if change["type"] == "group_expense")
    repeated = {expense_id: count for expense_id, count in seen.items() if count > 1}
    missing = {expense_id for expense_id, _ in rows} - set(seen)
    assert (repeated, missing) == ({}, set()), feed.log
    assert feed.hosts_used >= {hosts.a.port, hosts.b.port}


class FeedReader:
    """A client syncing `/users/me/changes`, each call on the next host in turn; a host
    that does not answer is dropped and the same cursor asked of the next."""

    def __init__(self, token: str, servers: list[LiveServer]) -> None:
        self.token = token
        self.servers: list[HttpTarget] = list(servers)
        self.cursor: str | None = None
        self.changes: list[dict[str, Any]] = []
        self.errors: list[Any] = []
        self.hosts_used: set[int] = set()
        self.turn = 0
        self.log: list[str] = []  # what each call did, for a failure's message

    def step(self) -> bool:
        """One call; whether more is waiting (has_more)."""
        server = self.servers[self.turn % len(self.servers)]
        self.turn += 1
        query = "?limit=50" + (f"&cursor={self.cursor}" if self.cursor else "")
        status, _, page = send(server, "GET", f"/users/me/changes{query}", self.token)
        if isinstance(status, str) or status in (502, 503):
            if len(self.servers) > 1:
                self.servers.remove(server)  # that host is gone: sync through the others
            return True
        if status != 200:
            self.errors.append((status, page))
            return False
        self.hosts_used.add(server.port)
        self.changes.extend(page["changes"])
        self.log.append(
            f"{server.port} {time.monotonic():.3f} cursor={(self.cursor or '')[-12:]} "
            f"-> {[(c['type'], c['id']) for c in page['changes']]} has_more={page['has_more']}"
        )
        self.cursor = page["cursor"]
        return bool(page["has_more"])

    def follow(self, writing: threading.Event) -> None:
        """Sync while the load runs (bounded by it), a little pause between calls."""
        calls = 0
        while writing.is_set() and calls < 2000 and not self.errors:
            calls += 1
            if not self.step():
                time.sleep(0.1)

    def catch_up(self) -> None:
        """Calls until nothing is waiting."""
        for _ in range(200):
            if not self.step():
                break
        assert self.errors == [], self.errors

    def drain(self, server: LiveServer) -> None:
        """Calls until nothing is waiting, on `server` only (the load is over)."""
        self.servers = [server]
        self.catch_up()


def run_recurring_on_both_hosts_creates_each_occurrence_once(
    hosts: Hosts, owner: str, group_id: int
) -> None:
    today = datetime.now(UTC).date()
    series_ids = []
    for number in range(SERIES):
        status, _, series = hosts.nginx.call(
            "POST",
            f"/groups/{group_id}/recurring-expenses",
            token=owner,
            json_body={
                "template": {
                    "description": f"Daily {number}",
                    "amount": "3.01",
                    "split_type": "equal",
                },
                "rule": {"frequency": "daily", "start_date": today.isoformat()},
            },
        )
        assert status == 201, series
        series_ids.append(series["id"])
    # Both hosts' cron fire at the same minute: the two commands start together.
    until = (today + timedelta(days=DAYS_AHEAD)).isoformat()
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "run-recurring", f"--today={until}"],
            cwd=ROOT,
            env=host.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for host in (hosts.a, hosts.b)
    ]
    created = 0
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
        found = re.search(r"Created (\d+) occurrence", out.decode())
        assert found, out.decode()
        created += int(found.group(1))
    # Each series made today's on creation; the two runs made the other days between them.
    assert created == SERIES * DAYS_AHEAD
    engine = create_engine(hosts.database_url)
    with engine.connect() as connection:
        occurrences = connection.execute(
            text(
                "SELECT series_id, occurrence, count(*) FROM group_expenses "
                "WHERE series_id IN :ids GROUP BY series_id, occurrence"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": series_ids},
        ).all()
    engine.dispose()
    assert all(count == 1 for _, _, count in occurrences)
    for series_id in series_ids:
        numbers = sorted(number for sid, number, _ in occurrences if sid == series_id)
        assert numbers == list(range(1, DAYS_AHEAD + 2))


def _gone(pid: int) -> bool:
    """The process no longer runs (gone, or a zombie nobody has reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"
