"""The accounts' domain errors, each with the message a client sees by default."""

from __future__ import annotations

from expense_tracker.errors import Conflict, Forbidden, Unauthorized


class EmailTaken(Conflict):
    detail = "An account with this email already exists."


class WrongCredentials(Unauthorized):
    """Any failed sign-in: unknown email and wrong password look alike."""

    detail = "Incorrect email or password."


class WrongCurrentPassword(Forbidden):
    detail = "The current password is wrong."
