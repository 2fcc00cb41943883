"""All models, imported here so that Alembic and the application see every table."""

from expense_tracker.models.expense import Expense, ExpenseSummaryCell, UsedCategory
from expense_tracker.models.expense_document import GroupExpenseDocument
from expense_tracker.models.group import Group, GroupMember
from expense_tracker.models.group_expense import ExpensePayer, ExpenseSplit, GroupExpense
from expense_tracker.models.guest import GroupGuest
from expense_tracker.models.history import (
    Activity,
    Comment,
    ExpenseChange,
    Notification,
    ProfileChange,
)
from expense_tracker.models.idempotency import IdempotencyRecord
from expense_tracker.models.rates import ExchangeRate
from expense_tracker.models.receipt import Receipt
from expense_tracker.models.recurring import RecurringSeries
from expense_tracker.models.settlement import Settlement
from expense_tracker.models.user import AuthSession, User

__all__ = [
    "Activity",
    "AuthSession",
    "Comment",
    "ExchangeRate",
    "Expense",
    "ExpenseChange",
    "ExpensePayer",
    "ExpenseSplit",
    "ExpenseSummaryCell",
    "Group",
    "GroupExpense",
    "GroupExpenseDocument",
    "GroupGuest",
    "GroupMember",
    "IdempotencyRecord",
    "Notification",
    "ProfileChange",
    "Receipt",
    "RecurringSeries",
    "Settlement",
    "UsedCategory",
    "User",
]
