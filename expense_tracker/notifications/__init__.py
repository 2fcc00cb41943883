"""Notifications: the activity entries that concern a user and that someone else made."""
