"""The migration e18c00000001 scrubs entries stored before it: emails, names and the text
of comments deleted since, on both databases."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from expense_tracker import create_app
from expense_tracker.extensions import db
from expense_tracker.models import Activity, GroupExpenseDocument
from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.factories import add_expense, create_account, new_group

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BEFORE_SCRUBBING = "a10000000001"


def _as_stored_before(entry: Activity, people: dict[int, tuple[str, str]], secret: str) -> None:
    """Give an entry the snapshots the code before the migration wrote."""

    def person(member: dict[str, Any]) -> dict[str, Any]:
        email, name = people[member["user_id"]]
        return {**member, "email": email, "full_name": name}

    def old(snapshot: Any) -> Any:
        if not snapshot:
            return snapshot
        if entry.subject_type == "member":
            return person(snapshot)
        if entry.subject_type == "group":
            return {**snapshot, "members": [person(m) for m in snapshot["members"]]}
        if entry.subject_type == "comment" and snapshot.get("redacted"):
            snapshot = {key: value for key, value in snapshot.items() if key != "redacted"}
            return {**snapshot, "body": secret}
        return snapshot

    entry.before, entry.after = old(entry.before), old(entry.after)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_scrubs_stored_emails_names_and_deleted_comments(
    backend: str, tmp_path: Path, run_worker_id: str
) -> None:
    base_url = "" if backend == "sqlite" else POSTGRES_URL
    secret = "my IBAN is DE89 3704 0044 0532 0130 00"
    try:
        with provision_database(base_url, f"{run_worker_id}_privacy", tmp_path) as url:
            app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
            with app.app_context():
                upgrade(revision=BEFORE_SCRUBBING)
                # Today's code keeps each group expense's document, in a table of a later
                # revision: it has the table while it writes, and the upgrade makes it anew.
                GroupExpenseDocument.__table__.create(db.engine)
            # The schema is the same on both sides of the migration: the app writes the
            # history, which is then put back the way the old code stored it.
            owner, member = create_account(app), create_account(app)
            client = app.test_client()
            group = new_group(client, owner)
            joined = client.post(
                f"/groups/{group['id']}/join",
                json={"invite_code": group["invite_code"]},
                headers=member.headers,
            )
            assert joined.status_code == 201
            client.patch(f"/groups/{group['id']}", json={"name": "Ski"}, headers=owner.headers)
            expense = add_expense(client, group["id"], owner)
            comments = f"/groups/{group['id']}/expenses/{expense['id']}/comments"
            gone = client.post(comments, json={"body": "x"}, headers=member.headers).get_json()
            kept = client.post(comments, json={"body": "kept"}, headers=member.headers)
            deleted = client.delete(f"{comments}/{gone['id']}", headers=member.headers)
            assert deleted.status_code == 204
            people = {
                owner.id: (owner.email, owner.full_name),
                member.id: (member.email, member.full_name),
            }
            with app.app_context():
                for entry in db.session.scalars(select(Activity)):
                    _as_stored_before(entry, people, secret)
                db.session.commit()
                stored = json.dumps(
                    [[e.before, e.after] for e in db.session.scalars(select(Activity))]
                )
                for text in (owner.email, member.full_name, secret):
                    assert text in stored
                db.session.remove()  # the migration runs on a connection of its own
                GroupExpenseDocument.__table__.drop(db.engine)

                upgrade()

                entries = db.session.scalars(select(Activity).order_by(Activity.id)).all()
                stored = json.dumps([[e.before, e.after] for e in entries])
                for text in (owner.email, member.email, owner.full_name, member.full_name, secret):
                    assert text not in stored
                about_gone = [
                    e for e in entries if e.subject_type == "comment" and e.subject_id == gone["id"]
                ]
                assert [e.kind for e in about_gone] == [
                    "comment.created",
                    "comment.deleted",
                ]
                for entry in about_gone:
                    snapshot = entry.after or entry.before
                    assert snapshot["body"] is None
                    assert snapshot["redacted"] is True
                kept_entry = next(
                    e for e in entries if e.subject_type == "comment" and e.after == kept.get_json()
                )
                assert kept_entry.after["body"] == "kept"
                # Everything else in the snapshots survives.
                members = next(e for e in entries if e.kind == "group.updated").after["members"]
                assert [m["user_id"] for m in members] == [owner.id, member.id]
                assert {m["role"] for m in members} == {"owner", "member"}
                db.session.remove()
                db.engine.dispose()
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")
