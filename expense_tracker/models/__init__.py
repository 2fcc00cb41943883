"""All models, imported here so that Alembic and the application see every table."""

from expense_tracker.models.expense import Expense
from expense_tracker.models.group import (
    ExpensePayer,
    ExpenseSplit,
    Group,
    GroupExpense,
    GroupMember,
    Settlement,
)
from expense_tracker.models.history import (
    Activity,
    Comment,
    ExpenseChange,
    Notification,
    ProfileChange,
)
from expense_tracker.models.idempotency import IdempotencyRecord
from expense_tracker.models.user import AuthSession, User

__all__ = [
    "Activity",
    "AuthSession",
    "Comment",
    "Expense",
    "ExpenseChange",
    "ExpensePayer",
    "ExpenseSplit",
    "Group",
    "GroupExpense",
    "GroupMember",
    "IdempotencyRecord",
    "Notification",
    "ProfileChange",
    "Settlement",
    "User",
]
