"""Kept for one migration (migrations/versions/b7c1d2e3f4a5_members_running_totals.py),
which must go on importing what it imported: the split rules are expense_tracker.domain.splits."""

from expense_tracker.domain.splits import allocate_proportionally as allocate_proportionally
