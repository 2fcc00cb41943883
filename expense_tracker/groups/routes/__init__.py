"""The groups blueprint: /groups/... and /users/me/balances, one module of views per resource.

Thin views: parse, load through a scoping helper of `access` (404 for what the caller
may not see; a write view through one that takes the group's row lock), check `If-Match`,
call the rules (`membership`, `shared_expenses`, `expense_edits`, `settlements`,
`deletion`, `comments`, `activity`, `balances`), dump. Importing the view modules
registers them on `blp`, in this order (which is the order of the OpenAPI document's
paths).
"""

# isort: off
from expense_tracker.groups.routes import group_views  # noqa: F401
from expense_tracker.groups.routes import import_views  # noqa: F401
from expense_tracker.groups.routes import member_views  # noqa: F401
from expense_tracker.groups.routes import invite_views  # noqa: F401
from expense_tracker.groups.routes import guest_views  # noqa: F401
from expense_tracker.groups.routes import expense_views  # noqa: F401
from expense_tracker.groups.routes import balance_views  # noqa: F401
from expense_tracker.groups.routes import settlement_views  # noqa: F401
from expense_tracker.groups.routes import comment_views  # noqa: F401
from expense_tracker.groups.routes import activity_views  # noqa: F401

# isort: on
from expense_tracker.groups.routes.blueprint import blp

__all__ = ["blp"]
