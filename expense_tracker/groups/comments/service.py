"""Comments on group expenses: any current member may write one (at most 1,000 per
expense); its author or an owner may delete it, and its text then leaves the history too.
The people of the expense hear of new ones (notifications)."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from expense_tracker.errors import LimitReached
from expense_tracker.extensions import db
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.errors import NotAllowedToDeleteComment
from expense_tracker.models import Comment, Group, GroupExpense, GroupMember


def expense_comments(expense: GroupExpense) -> Select[Comment]:
    """The expense's comments, oldest first."""
    return (
        select(Comment)
        .where(Comment.expense_id == expense.id)
        .order_by(Comment.created_at, Comment.id)
    )


MAX_COMMENTS_PER_EXPENSE = 1000


def add_comment(group: Group, actor: GroupMember, expense: GroupExpense, body: str) -> Comment:
    """A new comment on the expense; 409 once it has `MAX_COMMENTS_PER_EXPENSE`.

    The caller holds the group's lock (`access.member_group_for_update`; on SQLite the one
    write lock), so two comments racing for the last place are counted one after the other.
    """
    count = db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.expense_id == expense.id)
    )
    if (count or 0) >= MAX_COMMENTS_PER_EXPENSE:
        raise LimitReached(f"An expense holds at most {MAX_COMMENTS_PER_EXPENSE:,} comments.")
    comment = Comment(expense_id=expense.id, group_id=group.id, author_id=actor.user_id, body=body)
    db.session.add(comment)
    db.session.flush()
    activity.record(
        group.id,
        actor.user_id,
        "comment.created",
        ("comment", comment.id),
        None,
        activity.of_comment(comment),
        concerned=expense.user_ids,
    )
    db.session.commit()
    return comment


def delete_comment(group: Group, actor: GroupMember, comment: Comment) -> None:
    """Delete a comment: its author or an owner (403 for others).

    Its text goes from every activity entry that held it; the entry of the deletion keeps
    the rest of it (`body` null, `redacted` true).
    """
    if comment.author_id != actor.user_id and not actor.is_owner:
        raise NotAllowedToDeleteComment()
    before = activity.redacted(activity.of_comment(comment))
    activity.redact_comment(comment)
    db.session.delete(comment)
    activity.record(group.id, actor.user_id, "comment.deleted", ("comment", comment.id), before)
    db.session.commit()
