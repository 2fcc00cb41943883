"""Settlements: payments between two members outside any expense (views, schemas, service)."""
