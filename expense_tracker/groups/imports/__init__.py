"""Importing a Splitwise export into a new group: views, schemas, splitwise_file (pure: the
file read into a plan), splitwise_import (writing it)."""
