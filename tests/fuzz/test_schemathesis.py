"""Schemathesis against a live gunicorn: every operation of the OpenAPI document, fuzzed.

The production stack (gunicorn.conf.py) serves a database of its own (TEST_DATABASE_URL's
server, else a SQLite file), seeded over HTTP with real data: a signed-in owner with
personal expenses and a group shared with a member, with expenses and a settlement, an
open group and an invite-only one of a third user to join, recurring series (group and
personal), a notification of the member's expense; and the rate table, from the ECB
sample (`flask rates import`). Schemathesis runs every phase (the document's examples,
its coverage of each constraint's edges, random fuzzing, and stateful sequences following
the links it infers between operations) with the checks
`not_a_server_error`, `response_schema_conformance` and `status_code_conformance`, and
fails on any failure and on the warning that generated data, built from the document,
was mostly refused: the document must say exactly what the API accepts.

Each operation gets at most MAX_EXAMPLES examples per phase (about two minutes in all).
The path ids point at the seeded rows; operations that delete get rows of their own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.servers import ROOT, LiveServer, live_server, run_flask

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 30
RATES_SAMPLE = ROOT / "tests" / "currencies" / "eurofxref-hist-sample.csv"
CHECKS = ("not_a_server_error", "response_schema_conformance", "status_code_conformance")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, run_worker_id: str) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("schemathesis")
    try:
        with (
            provision_database(
                os.environ.get("TEST_DATABASE_URL", ""), f"{run_worker_id}_fuzz", directory
            ) as url,
            live_server(directory, url) as live,
        ):
            yield live
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


def created(server: LiveServer, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    status, _, answer = server.call("POST", path, token=token, json_body=body)
    assert status == 201, (path, answer)
    return dict(answer)


def seed(server: LiveServer) -> dict[str, Any]:
    """Real rows for every id in a path; returns the values the run's config names."""
    owner_id, owner = server.sign_up("owner@example.com")
    member_id, member = server.sign_up("member@example.com")
    stranger_id, stranger = server.sign_up("stranger@example.com")
    trip = created(server, "/groups/", owner, {"name": "Trip", "join_policy": "open"})
    created(server, "/groups/join", member, {"invite_code": trip["invite_code"]})
    expenses = [
        created(
            server,
            f"/groups/{trip['id']}/expenses/",
            owner,
            {"description": f"Dinner {n}", "amount": "30.00", "split_type": "equal"},
        )
        for n in range(4)
    ]
    settlements = [
        created(
            server,
            f"/groups/{trip['id']}/settlements",
            owner,
            {"from_user": member_id, "to_user": owner_id, "amount": "5.00"},
        )
        for _ in range(2)
    ]
    personal = [
        created(
            server,
            "/expenses/",
            owner,
            {"amount": "12.50", "category": "Food", "payment_method": "cash"},
        )
        for _ in range(2)
    ]
    open_group = created(server, "/groups/", stranger, {"name": "Open", "join_policy": "open"})
    private = created(server, "/groups/", stranger, {"name": "Private"})
    # Recurring series starting later (so no edit finds occurrences already created).
    start = datetime.now(UTC).date() + timedelta(days=200)
    rule = {"frequency": "monthly", "start_date": start.isoformat()}
    group_series = [
        created(
            server,
            f"/groups/{trip['id']}/recurring-expenses/",
            owner,
            {
                "template": {"description": "Rent", "amount": "900.00", "split_type": "equal"},
                "rule": rule,
            },
        )
        for _ in range(2)
    ]
    personal_series = [
        created(
            server,
            "/recurring-expenses/",
            owner,
            {
                "template": {"amount": "9.99", "category": "Music", "payment_method": "cash"},
                "rule": rule,
            },
        )
        for _ in range(2)
    ]
    # The owner's notifications: of an expense the member added, which the owner shares.
    created(
        server,
        f"/groups/{trip['id']}/expenses/",
        member,
        {"description": "Taxi", "amount": "18.00", "split_type": "equal"},
    )
    status, _, notifications = server.call("GET", "/users/me/notifications", token=owner)
    assert status == 200, notifications
    assert notifications, "the owner was not notified of the member's expense"
    # The rate table: GET /exchange-rates answers from it (the ECB sample: January 2024).
    run_flask(server.env, "rates", "import", str(RATES_SAMPLE))
    return {
        "owner": owner,
        "owner_id": owner_id,
        "member_id": member_id,
        "stranger_id": stranger_id,
        "group_id": trip["id"],
        "open_group_id": open_group["id"],
        "invite_code": private["invite_code"],
        "expense_ids": [expense["id"] for expense in expenses],
        "settlement_ids": [settlement["id"] for settlement in settlements],
        "personal_ids": [expense["id"] for expense in personal],
        "group_series_ids": [series["id"] for series in group_series],
        "personal_series_ids": [series["id"] for series in personal_series],
        "notification_ids": [notification["id"] for notification in notifications],
        # Sessions of their own: refreshing or revoking ends what the rest of the run uses.
        "refresh_token": server.sign_in("owner@example.com")["refresh_token"],
        "revocable_token": server.sign_in("owner@example.com")["access_token"],
    }


def toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def operation(selector: dict[str, Any], **settings: Any) -> str:
    lines = ["[[operations]]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in selector.items()]
    for key, value in settings.items():
        inline = ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items())
        lines.append(f"{key} = {{ {inline} }}")
    return "\n".join(lines)


def config(server: LiveServer, data: dict[str, Any]) -> str:
    """The run's schemathesis.toml: checks, bounds, and the seeded ids per operation."""
    group, expense, settlement, personal = (
        data["group_id"],
        data["expense_ids"][0],
        data["settlement_ids"][0],
        data["personal_ids"][0],
    )
    checks = "\n".join(f"{check}.enabled = true" for check in CHECKS)
    member = data["member_id"]
    group_expense = "^/groups/\\{group_id\\}/expenses/\\{expense_id\\}"
    group_settlement = "^/groups/\\{group_id\\}/settlements/\\{settlement_id\\}$"
    personal_expense = "^/expenses/\\{expense_id\\}$"
    group_series = "^/groups/\\{group_id\\}/recurring-expenses/\\{series_id\\}$"
    personal_series = "^/recurring-expenses/\\{series_id\\}$"
    # Ids of rows that exist; what is deleted is a row of its own. The first entry that
    # matches an operation is the one that applies: the specific ones come first (an
    # entry's filters match any of them: one exact name where the method matters).
    operations = [
        # Marking shares paid gets an expense that no other operation edits (an edit may
        # leave the member without a share) while the run's two workers go on.
        operation(
            {"include-name": "PATCH /groups/{group_id}/expenses/{expense_id}/splits/{user_id}"},
            parameters={"group_id": group, "expense_id": data["expense_ids"][3], "user_id": member},
        ),
        operation(
            {"include-name": "DELETE /groups/{group_id}/expenses/{expense_id}"},
            parameters={"group_id": group, "expense_id": data["expense_ids"][2]},
        ),
        operation(
            {"include-path-regex": group_expense},
            parameters={"group_id": group, "expense_id": expense, "user_id": member},
        ),
        operation(
            {"include-name": "DELETE /groups/{group_id}/settlements/{settlement_id}"},
            parameters={"group_id": group, "settlement_id": data["settlement_ids"][1]},
        ),
        operation(
            {"include-path-regex": group_settlement},
            parameters={"group_id": group, "settlement_id": settlement},
        ),
        operation(
            {"include-name": "DELETE /groups/{group_id}/recurring-expenses/{series_id}"},
            parameters={"group_id": group, "series_id": data["group_series_ids"][1]},
        ),
        operation(
            {"include-path-regex": group_series},
            parameters={"group_id": group, "series_id": data["group_series_ids"][0]},
        ),
        operation(
            {"include-path": "/groups/{group_id}/members/{user_id}"},
            parameters={"group_id": group, "user_id": member},
        ),
        operation(
            {"include-path": "/groups/{group_id}/join"},
            parameters={"group_id": data["open_group_id"]},
        ),
        operation(
            {"include-path": "/groups/invites/{invite_code}"},
            parameters={"invite_code": data["invite_code"]},
        ),
        operation(
            {"include-path-regex": "^/groups/\\{group_id\\}"}, parameters={"group_id": group}
        ),
        operation(
            {"include-name": "DELETE /expenses/{expense_id}"},
            parameters={"expense_id": data["personal_ids"][1]},
        ),
        operation({"include-path-regex": personal_expense}, parameters={"expense_id": personal}),
        operation(
            {"include-name": "DELETE /recurring-expenses/{series_id}"},
            parameters={"series_id": data["personal_series_ids"][1]},
        ),
        operation(
            {"include-path-regex": personal_series},
            parameters={"series_id": data["personal_series_ids"][0]},
        ),
        operation(
            {"include-path": "/token/refresh"},
            headers={"Authorization": f"Bearer {data['refresh_token']}"},
        ),
        operation(
            {"include-path": "/token/revoke"},
            headers={"Authorization": f"Bearer {data['revocable_token']}"},
        ),
    ]
    # Random bytes are not a CSV file (nor a Splitwise export): each upload's success is
    # tried with the document's example; generated files only as what must be refused
    # (never with a 500).
    for path in ("/expenses/import", "/groups/import/splitwise"):
        operations.append(
            "[[operations]]\n"
            f'include-path = "{path}"\n'
            + "".join(
                f'phases.{phase}.generation.mode = "negative"\n'
                for phase in ("coverage", "fuzzing", "stateful")
            )
        )
    return f"""
base-url = "{server.url}"
hooks = "tests.fuzz.schemathesis_hooks"
workers = 2
seed = 20261201
request-timeout = 30
headers = {{ Authorization = "Bearer {data["owner"]}" }}

# A body with nested rules (a recurring series' template is a whole expense body, with its
# either-or fields) makes Hypothesis discard many drafts; that is the generator's cost,
# not a finding, so it must not end the run.
suppress-health-check = ["filter_too_much"]

[generation]
max-examples = {MAX_EXAMPLES}

[phases.stateful]
enabled = true
max-steps = 6

# Error feedback reads the fields a 422 names and sends them back as properties; the
# API names nested fields with dotted paths (`payers.0.amount`, as the contract says),
# which it would send as one literal key, to be refused as unknown.
[phases.fuzzing.error-feedback]
enabled = false

[checks]
enabled = false
{checks}

[warnings]
fail-on = ["validation_mismatch"]

[parameters]
"body.invite_code" = {{ dictionary = "invite_codes", probability = 0.5 }}
"body.to_user" = {{ dictionary = "members", probability = 0.8 }}
"body.ids[*]" = {{ dictionary = "notifications", probability = 0.9 }}

[dictionaries.invite_codes]
values = [{toml_value(data["invite_code"])}]

[dictionaries.members]
values = [{data["member_id"]}]

[dictionaries.notifications]
values = {toml_value(data["notification_ids"])}

""" + "\n\n".join(operations)


def test_schemathesis_finds_nothing(server: LiveServer, tmp_path: Path) -> None:
    data = seed(server)
    config_file = tmp_path / "schemathesis.toml"
    config_file.write_text(config(server, data))
    call_log = tmp_path / "calls.log"
    context = {"base_url": server.url, "token": data["owner"], "call_log": str(call_log)}
    (tmp_path / "fuzz-context.json").write_text(json.dumps(context))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config_file),
            "run",
            f"{server.url}/openapi.json",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    report = done.stdout + done.stderr
    calls = call_log.read_text().splitlines() if call_log.exists() else []
    server_errors = [line for line in calls if re.match(r"(\S+ ){4}5(?!03)[0-9][0-9] ", line)]
    crashes = [line for line in server.log.read_text().splitlines() if "Traceback" in line]
    assert done.returncode == 0, "\n".join([report, *server_errors[:10], *crashes[:3]])
    assert "Schema validation mismatch" not in report, report
    assert "Server error" not in report, report
