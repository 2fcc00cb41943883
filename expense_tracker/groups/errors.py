"""The groups' domain errors, each with the message a client sees by default."""

from __future__ import annotations

from expense_tracker.errors import Conflict, Forbidden, NotFound


class GroupNotFound(NotFound):
    detail = "No such group."


class MemberNotFound(NotFound):
    detail = "No such member in this group."


class ExpenseNotFound(NotFound):
    detail = "No such expense in this group."


class SettlementNotFound(NotFound):
    detail = "No such settlement in this group."


class NotOwner(Forbidden):
    detail = "Only an owner of the group may do this."


class FormerMemberInvolved(Conflict):
    detail = "This involves a former member of the group, so it can no longer change."


class UnsettledBalance(Conflict):
    detail = "Balances must be settled first."
