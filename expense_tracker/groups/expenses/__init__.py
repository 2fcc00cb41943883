"""Shared expenses of a group: views, schemas, service (recording one), edits (changing
one), plan (plan_expense: the one reading of an expense's money), split_requests,
foreign_currency, listing (the fast list)."""
