"""Guests, members without an account: views, schemas, service; merges (the two yeses) and
merge_rows (the merge itself)."""
