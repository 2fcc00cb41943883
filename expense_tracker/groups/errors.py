"""The groups' domain errors, each with the message a client sees by default."""

from __future__ import annotations

from expense_tracker.errors import Conflict, Forbidden, NotFound

# --------------------------------------------------------------------------- 404


class GroupNotFound(NotFound):
    detail = "No such group."


class UnknownInviteCode(GroupNotFound):
    detail = "No group has this invite code."


class MemberNotFound(NotFound):
    detail = "No such member in this group."


class GroupExpenseNotFound(NotFound):
    detail = "No such expense in this group."


class ShareNotFound(NotFound):
    detail = "This member has no share in this expense."


class SettlementNotFound(NotFound):
    detail = "No such settlement in this group."


class CommentNotFound(NotFound):
    detail = "No such comment on this expense."


class GuestNotFound(NotFound):
    detail = "No such guest in this group."


class MergeRequestNotFound(NotFound):
    detail = "No such merge request in this group."


# --------------------------------------------------------------------------- 403


class NotOwner(Forbidden):
    detail = "Only an owner of the group may do this."


class CannotDemoteOwner(Forbidden):
    detail = "An owner cannot demote another owner; they may step down themselves."


class CannotRemoveOwner(Forbidden):
    detail = "An owner cannot remove another owner."


class NotAllowedToChangeExpense(Forbidden):
    detail = "Only the expense's creator, a payer or an owner may change it."


class NotAllowedToDeleteExpense(NotAllowedToChangeExpense):
    detail = "Only the expense's creator, a payer or an owner may delete it."


class NotAllowedToMarkShare(Forbidden):
    detail = "Only that member or a payer may mark this share."


class NotAllowedToRecordSettlement(Forbidden):
    detail = "Only an owner may record a settlement between two other members."


class NotAllowedToDeleteSettlement(Forbidden):
    detail = "Only the settlement's creator or an owner may delete it."


class NotAllowedToDeleteComment(Forbidden):
    detail = "Only the comment's author or an owner may delete it."


# --------------------------------------------------------------------------- 409


class AlreadyMember(Conflict):
    detail = "You are already a member of this group."


class LastOwner(Conflict):
    detail = "The group would be left without an owner."

    @classmethod
    def leaving(cls) -> LastOwner:
        return cls("The last owner cannot leave others behind; make someone else an owner.")

    @classmethod
    def deleting_account(cls, group_name: str) -> LastOwner:
        return cls(
            f"You are the only owner of the group {group_name!r}; "
            "make another member an owner first."
        )


class CurrencyLocked(Conflict):
    detail = "The currency cannot change once the group has expenses or settlements."


class FormerMemberInvolved(Conflict):
    detail = "This involves a former member of the group, so it can no longer change."


class UnsettledBalance(Conflict):
    detail = "Balances must be settled first."


class PaidShareInvolved(Conflict):
    """An edit that would move a share marked paid; unmarking it comes first."""

    @classmethod
    def would_change(cls, user_id: int) -> PaidShareInvolved:
        return cls(
            f"This would change the share of user {user_id}, which is marked paid; unmark it first."
        )

    @classmethod
    def would_become_only_payer(cls, user_id: int) -> PaidShareInvolved:
        return cls(
            f"User {user_id}'s share is marked paid, so they cannot become the only payer; "
            "unmark it first."
        )
