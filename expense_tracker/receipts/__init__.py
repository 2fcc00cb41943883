"""Receipts: photos and PDFs attached to expenses (routes.py), their bytes in a store
(storage.py), read by content (sniff.py), photos without their location (scrub.py)."""
