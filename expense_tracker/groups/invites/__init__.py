"""Invitations by code: views, schemas, service."""
