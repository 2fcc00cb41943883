"""The personal ledger's domain errors, each with the message a client sees by default."""

from __future__ import annotations

from expense_tracker.errors import NotFound, ValidationFailed


class ExpenseNotFound(NotFound):
    """No expense with this id among the user's own (others' ids look the same)."""

    detail = "No such expense."


class ImportFileRefused(ValidationFailed):
    """The uploaded file as a whole cannot be read as an import (422 at `file`)."""

    detail = "The file cannot be imported."

    def __init__(self, reason: str) -> None:
        super().__init__(errors={"file": [reason]})


class ImportLinesInvalid(ValidationFailed):
    """Some lines of the file are invalid: nothing was imported (422 per line)."""

    detail = "Some lines are invalid; nothing was imported."

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors=errors)
