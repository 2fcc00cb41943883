"""The change logs, written side: every write records what it changed in the write's own
transaction (`window.transaction_id`), and `window` says which logged changes committed
between two reads. Below the features, which write these logs; the change feed that reads
them (expense_tracker.sync) is above them."""
