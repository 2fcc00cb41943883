"""A group's activity: log (the change log every write appends to), snapshots (what an
entry keeps), views and schemas (reading it)."""
