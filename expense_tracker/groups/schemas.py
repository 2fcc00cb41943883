"""Request and response shapes of groups and their members."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from expense_tracker.fields import Text, Timestamp
from expense_tracker.groups import privacy
from expense_tracker.models.group import (
    GROUP_DESCRIPTION_MAX_LENGTH,
    GROUP_NAME_MAX_LENGTH,
    INVITE_CODE_MAX_LENGTH,
    JOIN_POLICIES,
    ROLES,
)
from expense_tracker.money_fields import Currency
from expense_tracker.schemas import (
    InputSchema,
    OutputSchema,
    PaginationQuerySchema,
    QuerySchema,
)


class VisibleEmail(ma.fields.String):
    """A member's email where the caller may see it, else null (groups/privacy.py)."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return privacy.visible_email(obj)


class MemberSchema(OutputSchema):
    user_id = ma.fields.Integer()
    full_name = ma.fields.String()
    email = VisibleEmail(
        allow_none=True,
        metadata={
            "description": "Shown only to current members of an invite-only group, and to "
            "the member themselves; null in open groups, for former members, deleted "
            "accounts and guests."
        },
    )
    role = ma.fields.String(metadata={"enum": list(ROLES)})
    guest = ma.fields.Boolean(metadata={"description": "A member without an account."})
    joined_at = Timestamp()


class MemberHistorySchema(MemberSchema):
    left_at = Timestamp(allow_none=True)  # null for current members


class GroupPublicSchema(OutputSchema):
    """What any signed-in user sees of an open group."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String()
    currency = ma.fields.String()
    join_policy = ma.fields.String(metadata={"enum": list(JOIN_POLICIES)})
    created_by = ma.fields.Integer()
    created_at = Timestamp()
    member_count = ma.fields.Integer()


class GroupSchema(GroupPublicSchema):
    """What members see."""

    members = ma.fields.List(ma.fields.Nested(MemberSchema), attribute="current_members")
    invite_code = ma.fields.String()


class DeletedGroupSchema(GroupSchema):
    """A deleted group of mine (`GET /groups/?deleted=only`), restorable for a while."""

    deleted_at = Timestamp()
    deleted_by = ma.fields.Integer()
    restorable_until = Timestamp()


class GroupListQuerySchema(PaginationQuerySchema):
    deleted = ma.fields.String(
        validate=ma.validate.OneOf(["only"]),
        metadata={"description": "`only`: the deleted groups I own and can still restore."},
    )


class GroupCreateSchema(InputSchema):
    name = Text(required=True, min_length=1, max_length=GROUP_NAME_MAX_LENGTH)
    description = Text(max_length=GROUP_DESCRIPTION_MAX_LENGTH, load_default="")
    currency = Currency()
    join_policy = ma.fields.String(load_default="invite", validate=ma.validate.OneOf(JOIN_POLICIES))


class GroupUpdateSchema(InputSchema):
    name = Text(min_length=1, max_length=GROUP_NAME_MAX_LENGTH)
    description = Text(max_length=GROUP_DESCRIPTION_MAX_LENGTH)
    currency = Currency()
    join_policy = ma.fields.String(validate=ma.validate.OneOf(JOIN_POLICIES))


class GroupSearchQuerySchema(PaginationQuerySchema):
    q = Text(
        max_length=GROUP_NAME_MAX_LENGTH,
        metadata={"description": "Text the name contains, case-insensitive."},
    )
    name = Text(max_length=GROUP_NAME_MAX_LENGTH, metadata={"description": "Same as `q`."})

    @ma.post_load
    def one_search_text(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # The service takes one search text: `q`, else its alias `name` (None: no filter).
        q, name = data.pop("q", None), data.pop("name", None)
        data["text"] = q or name
        return data


class MembersQuerySchema(QuerySchema):
    include_former = ma.fields.Boolean(load_default=False)


class JoinByIdSchema(InputSchema):
    invite_code = Text(max_length=INVITE_CODE_MAX_LENGTH)


class JoinByCodeSchema(InputSchema):
    invite_code = Text(required=True, min_length=1, max_length=INVITE_CODE_MAX_LENGTH)


class MembershipSchema(OutputSchema):
    group_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    role = ma.fields.String(metadata={"enum": list(ROLES)})
    joined_at = Timestamp()


class InviteCodeSchema(OutputSchema):
    invite_code = ma.fields.String()


class RoleUpdateSchema(InputSchema):
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
