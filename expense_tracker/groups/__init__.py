"""Groups, shared expenses, balances and settling up.

Every write is one transaction, committed once at the end of its function; any error
before that leaves nothing behind. Writes lock the group's row first (PostgreSQL), so
that rules read from several rows (balances are zero, an owner remains) still hold when
the change lands, and concurrent writes to one group take turns. The lock is taken by
construction, not by a flag: a write view loads its group through a locking helper of
`access` (`member_group_for_update`, `managed_group`, `joinable_group`, `invited_group`),
a read view through `member_group` or `visible_group`.

Modules, lowest first: `errors`; `access` (the scoping helpers every load goes through);
`split_requests` (a body's money as split-engine input); `balances`; `membership`,
`shared_expenses` and `settlements` (the rules); `routes` (thin views).
"""
