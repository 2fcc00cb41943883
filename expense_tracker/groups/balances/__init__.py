"""Balances and settle-up: views, schemas, service (the reads), running_totals (the
members' kept totals) and audit (their recomputation, flask verify-balances)."""
