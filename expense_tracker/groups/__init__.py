"""Groups, shared expenses, balances and settling up.

Every write is one transaction, committed once at the end of its function; any error
before that leaves nothing behind. Writes lock the group's row first (PostgreSQL), so
that rules read from several rows (balances are zero, an owner remains) still hold when
the change lands, and concurrent writes to one group take turns. The lock is taken by
construction, not by a flag: a write view loads its group through a locking helper of
`access` (`member_group_for_update`, `managed_group`, `joinable_group`, `invited_group`),
a read view through `member_group` or `visible_group`.

Reading order for a newcomer: `routes/` (the views, one module per resource) call
`access` (every load is scoped there), then the rules: `membership` (groups and their
members), `shared_expenses` and `expense_edits` (recording, changing, deleting expenses,
paid shares), `settlements`, and `balances` (what the balance views show). Money moves
through `running_totals` (members' kept totals) and is checked by `balance_audit`;
`split_requests` turns a body's splits into input for the pure `expense_tracker.domain.splits`;
`foreign_currency` converts an expense in another currency than the group's; `guests` adds
members without an account, and `guest_merges` merges one into an account once both the
account and an owner agree (`guest_merge_rows` moves the rows);
`expense_listing` is the fast read of the expense list; `schemas/` and `errors` are the
request, response and problem shapes.
"""
