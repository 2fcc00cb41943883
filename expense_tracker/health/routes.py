"""/healthz answers while the process runs; /readyz only while the database answers too."""

from __future__ import annotations

import logging

import marshmallow as ma
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from expense_tracker.errors import ServiceUnavailable
from expense_tracker.extensions import db
from expense_tracker.http.api import Blueprint
from expense_tracker.http.limits import not_rate_limited
from expense_tracker.schemas import OutputSchema

blp = Blueprint("health", __name__, description="Service health")
log = logging.getLogger(__name__)


class HealthSchema(OutputSchema):
    status = ma.fields.String(metadata={"example": "ok"})


@blp.get("/healthz")
@not_rate_limited
@blp.response(200, HealthSchema)
def liveness() -> dict[str, str]:
    """The process is up"""
    return {"status": "ok"}


@blp.get("/readyz")
@not_rate_limited
@blp.response(200, HealthSchema)
@blp.errors(503)
def readiness() -> dict[str, str]:
    """The process is up and the database answers"""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("readiness check failed: %s", type(exc).__name__)
        raise ServiceUnavailable("The database is not answering.") from None
    return {"status": "ok"}
