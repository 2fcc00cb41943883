"""The data sets behind the operator commands in `expense_tracker.cli`.

- `demo`: the small, realistic data set of `flask seed-demo`, created through the HTTP API.
- `bench`: the large synthetic data set of `flask seed-bench`.
- `bulk`: batched Core inserts with explicit ids, which `bench` loads its rows with.
"""
