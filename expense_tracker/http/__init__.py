"""HTTP plumbing: the request pipeline (pipeline.py lists its steps in order) and the
pieces it is made of. Domain rules live in expense_tracker.domain, features beside this."""
