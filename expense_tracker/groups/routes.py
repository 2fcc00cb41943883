"""The groups blueprint: /groups/... and /users/me/balances, one module of views per resource.

Thin views: parse, load through a scoping helper of `access` (404 for what the caller
may not see; a write view through one that takes the group's row lock), check `If-Match`,
call the resource's service, dump. Importing the view modules registers them on `blp`, in
this order (which is the order of the OpenAPI document's paths).
"""

# isort: off
from expense_tracker.groups import views as group_views  # noqa: F401
from expense_tracker.groups.imports import views as import_views  # noqa: F401
from expense_tracker.groups import member_views  # noqa: F401
from expense_tracker.groups.invites import views as invite_views  # noqa: F401
from expense_tracker.groups.guests import views as guest_views  # noqa: F401
from expense_tracker.groups.expenses import views as expense_views  # noqa: F401
from expense_tracker.groups.balances import views as balance_views  # noqa: F401
from expense_tracker.groups.settlements import views as settlement_views  # noqa: F401
from expense_tracker.groups.comments import views as comment_views  # noqa: F401
from expense_tracker.groups.activity import views as activity_views  # noqa: F401

# isort: on
from expense_tracker.groups.blueprint import blp

__all__ = ["blp"]
