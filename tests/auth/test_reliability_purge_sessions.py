"""`flask purge-sessions`: ended and expired sign-in sessions do not pile up for ever."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from expense_tracker.database import utcnow
from expense_tracker.extensions import db
from expense_tracker.models import AuthSession
from tests.factories import Account, bearer
from tests.problems import assert_problem

ROOT = Path(__file__).resolve().parents[2]


def session_ids(app: Flask) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(AuthSession.id)))


def sign_in(client: FlaskClient, account: Account) -> dict[str, Any]:
    response = client.post("/token", data={"username": account.email, "password": account.password})
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def session_of(app: Flask, refresh_token: str) -> int:
    from flask_jwt_extended import decode_token

    with app.app_context():
        return int(decode_token(refresh_token)["sid"])


def age(app: Flask, session_id: int, **values: Any) -> None:
    with app.app_context():
        db.session.execute(update(AuthSession).where(AuthSession.id == session_id).values(**values))
        db.session.commit()


def test_purge_deletes_sessions_expired_or_ended_long_ago_and_nothing_else(
    app: Flask, client: FlaskClient, runner: Any, user: Account
) -> None:
    now = utcnow()
    sessions = {
        name: session_of(app, sign_in(client, user)["refresh_token"])
        for name in (
            "active",
            "expired_long_ago",
            "expired_lately",
            "ended_long_ago",
            "ended_lately",
        )
    }
    active_pair_session = sessions["active"]
    age(app, sessions["expired_long_ago"], expires_at=now - timedelta(days=31))
    age(app, sessions["expired_lately"], expires_at=now - timedelta(days=29))
    age(app, sessions["ended_long_ago"], revoked_at=now - timedelta(days=31))
    age(app, sessions["ended_lately"], revoked_at=now - timedelta(days=2))
    before = session_ids(app)

    result = runner.invoke(args=["purge-sessions"])

    assert result.exit_code == 0, result.output
    assert "Deleted 2 sessions" in result.output
    assert session_ids(app) == before - {
        sessions["expired_long_ago"],
        sessions["ended_long_ago"],
    }
    assert active_pair_session in session_ids(app)

    # --days 0: everything expired or ended, however lately; active sessions stay.
    again = runner.invoke(args=["purge-sessions", "--days", "0"])
    assert again.exit_code == 0, again.output
    assert "Deleted 2 sessions" in again.output
    assert sessions["active"] in session_ids(app)
    assert sessions["expired_lately"] not in session_ids(app)
    assert sessions["ended_lately"] not in session_ids(app)


def test_tokens_of_live_sessions_work_after_a_purge_and_of_purged_ones_do_not(
    app: Flask, client: FlaskClient, runner: Any, user: Account
) -> None:
    live = sign_in(client, user)
    ended = sign_in(client, user)
    assert client.post("/token/revoke", headers=bearer(ended["access_token"])).status_code == 204

    assert runner.invoke(args=["purge-sessions", "--days", "0"]).exit_code == 0

    assert client.get("/users/me", headers=bearer(live["access_token"])).status_code == 200
    assert client.post("/token/refresh", headers=bearer(live["refresh_token"])).status_code == 200
    refused = client.post("/token/refresh", headers=bearer(ended["refresh_token"]))
    assert_problem(refused, 401, "unauthorized")


def test_purge_refuses_a_negative_number_of_days(runner: Any) -> None:
    result = runner.invoke(args=["purge-sessions", "--days", "-1"])
    assert result.exit_code == 2
    assert "--days" in result.output


def test_the_operator_guides_schedule_the_purge() -> None:
    deploy = (ROOT / "deploy" / "README.md").read_text()
    assert "flask purge-sessions" in deploy
    assert "flask purge-idempotency-keys" in deploy
    readme = (ROOT / "README.md").read_text()
    assert "| `flask purge-sessions" in readme
