"""All models, imported here so that Alembic and the application see every table."""

from expense_tracker.models.expense import Expense
from expense_tracker.models.user import AuthSession, User

__all__ = ["AuthSession", "Expense", "User"]
