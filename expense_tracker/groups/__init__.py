"""Groups, shared expenses, balances and settling up.

Every write is one transaction, committed once at the end of its function; any error
before that leaves nothing behind. Writes lock the group's row first (PostgreSQL), so
that rules read from several rows (balances are zero, an owner remains) still hold when
the change lands, and concurrent writes to one group take turns. The lock is taken by
construction, not by a flag: a write view loads its group through a locking helper of
`access` (`member_group_for_update`, `managed_group`, `joinable_group`, `invited_group`),
a read view through `member_group` or `visible_group`.

Reading order for a newcomer: one sub-package per resource, each pairing its `views`
(thin: parse, load, call, dump), `schemas` and `service` (the rules):
`expenses/` (`service` records one, `edits` changes one, `split_requests` reads a body's
splits for the pure `expense_tracker.domain.splits`, `foreign_currency` converts one in
another currency, `listing` is the fast read of the list), `settlements/`, `balances/`
(`service` the reads; `running_totals` the members' kept totals, `audit` their
recomputation), `comments/`, `guests/` (members without an account; `merges` the two
yeses, `merge_rows` the merge), `invites/`, `imports/` (a Splitwise export:
`splitwise_file` reads it, pure, `splitwise_import` writes it), `activity/` (`log` the
change log every write appends to). The group itself is at the top: `views`,
`member_views`, `schemas`, `membership` (groups and their members), `deletion` (soft
deletion and restore of groups, expenses and settlements). Every load goes through
`access`; `errors` are the problems; `blueprint` and `routes` register the views.
"""
