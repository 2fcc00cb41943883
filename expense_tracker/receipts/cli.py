"""`flask receipts clean`: remove stored files that no receipt row names.

Such a file is left only when a process died between storing an upload and committing its
row, or when a personal expense (and with it its receipts' rows) was deleted. Files younger
than an hour are left alone: they may belong to an upload still on its way to its commit.
Run it from cron or a timer (the deploy guide schedules it daily).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from expense_tracker.receipts import service


@click.group("receipts")
def receipts_group() -> None:
    """Receipt files."""


@receipts_group.command("clean")
@with_appcontext
def clean_command() -> None:
    """Remove stored receipt files that no receipt names (older than an hour)."""
    removed = service.clean_orphans()
    click.echo(f"Removed {removed} file{'s' if removed != 1 else ''} without a receipt.")
