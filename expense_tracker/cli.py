"""Flask CLI commands for operators: accounts, demo data and benchmark data.

- `flask create-user`: one account, validated like a sign-up.
- `flask seed-demo`: a small, realistic data set, created through the HTTP API itself (so
  it passes the real validation and split rules); running it again changes nothing.
- `flask seed-bench`: a large synthetic data set, bulk-inserted with SQLAlchemy Core in
  batches (one password hash for every user), valid against every database constraint.
- `flask verify-balances [--group ID ...] [--repair]`: compare every member's running
  totals, the kept expense counts and the users' expense summaries with a recomputation
  from the rows; exit status 1 names the groups and users that drifted, `--repair` sets
  them to the recomputation.
- `flask keep-expense-documents [--verify]`: keep the document of every group expense that
  has none for its current version (after a change of their shape, expense_listing.SHAPE);
  `--verify` compares every kept document with a fresh build, exit status 1 naming those
  that differ.
- `flask purge-idempotency-keys`: delete remembered Idempotency-Key answers older than
  24 h (run it daily, from cron or a systemd timer).
- `flask purge-sessions [--days N]`: delete sign-in sessions that expired or were ended
  more than N days ago (30 by default; daily too).
- `flask run-recurring [--today YYYY-MM-DD]`: create every recurring occurrence due up to
  today, each exactly once (schedule it daily or hourly); a series it cannot run is paused
  as failed and the others still run, and then it exits 1.
- `flask rates import FILE`: load the ECB's historical reference rates into the rate table.
- `flask purge-deleted-groups`: delete for good the groups deleted more than 30 days ago
  (no longer restorable), with all their history (daily too).

The commands parse, prompt and report; the data sets live in `expense_tracker.seeding`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TextIO

import click
import marshmallow as ma
from flask import Flask, current_app
from flask.cli import with_appcontext

from expense_tracker.auth import service
from expense_tracker.auth.schemas import RegistrationSchema
from expense_tracker.backup import backup_command
from expense_tracker.currencies.ecb_csv import RatesFileError, parse_rates
from expense_tracker.currencies.rates import import_rates
from expense_tracker.database import utc_today
from expense_tracker.errors import Conflict, flatten_messages
from expense_tracker.expenses import service as expense_service
from expense_tracker.expenses import summary_audit
from expense_tracker.extensions import db
from expense_tracker.groups import deletion
from expense_tracker.groups.balances import audit as balance_audit
from expense_tracker.groups.expenses import documents as expense_documents
from expense_tracker.http.idempotency import purge_expired
from expense_tracker.receipts.cli import receipts_group
from expense_tracker.recurring.runner import run_recurring
from expense_tracker.seeding.bench import load_bench_data
from expense_tracker.seeding.demo import seed_demo_data


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_bench)
    app.cli.add_command(purge_idempotency_keys)
    app.cli.add_command(purge_sessions)
    app.cli.add_command(purge_deleted_groups)
    app.cli.add_command(verify_balances)
    app.cli.add_command(keep_expense_documents)
    app.cli.add_command(run_recurring_command)
    app.cli.add_command(rates_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(receipts_group)


@click.command("run-recurring")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Create what is due up to this day (default: today in UTC).",
)
@with_appcontext
def run_recurring_command(today: datetime | None) -> None:
    """Create every recurring occurrence due up to today, each exactly once.

    A series it cannot run is paused (`paused_reason: failed`, the log says why) and the
    others still run; the exit status is then 1, for the scheduler to report.
    """
    report = run_recurring(today.date() if today else utc_today())
    click.echo(str(report))
    if report.failed:
        raise click.ClickException(f"{report.failed} series failed; see the log.")


@click.group("rates")
def rates_group() -> None:
    """The exchange rate table."""


@rates_group.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def import_rates_command(file: TextIO) -> None:
    """Load the ECB's historical reference rates (eurofxref-hist.csv) into the rate table.

    Days already in the table are replaced by the file's; running it twice changes nothing.
    """
    try:
        parsed = parse_rates(file)
    except RatesFileError as exc:
        raise click.ClickException(str(exc)) from None
    written, days = import_rates(parsed.days)
    first, last = min(d.day for d in parsed.days), max(d.day for d in parsed.days)
    click.echo(f"Imported {written} rates for {days} days ({first} to {last}).")
    if parsed.skipped_currencies:
        click.echo(f"Skipped currencies not accepted: {', '.join(parsed.skipped_currencies)}.")


@click.command("purge-idempotency-keys")
@with_appcontext
def purge_idempotency_keys() -> None:
    """Delete Idempotency-Key records past their 24 hours."""
    click.echo(f"Deleted {purge_expired()} expired idempotency records.")


@click.command("purge-sessions")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Keep sessions this many days after they expired or were ended.",
)
@with_appcontext
def purge_sessions(days: int) -> None:
    """Delete sign-in sessions that expired or were ended more than --days ago.

    Ended (revoked) sessions are kept a while for reuse detection: the row records a
    session ended because a copied refresh token was presented (auth/service.py). The
    default is the default refresh token lifetime (30 days): by then no token of the
    session can be presented any more. Active sessions are never deleted.
    """
    deleted = service.purge_sessions(timedelta(days=days))
    click.echo(f"Deleted {deleted} sessions expired or ended more than {days} days ago.")


@click.command("purge-deleted-groups")
@with_appcontext
def purge_deleted_groups() -> None:
    """Delete for good the groups deleted more than 30 days ago, with all their rows.

    Their owners could restore them for 30 days; after that they are hidden for ever, so
    their expenses, settlements, activity and notifications go too.
    """
    click.echo(f"Deleted {deletion.purge_expired_groups()} groups past their restore window.")


@click.command("keep-expense-documents")
@click.option("--verify", is_flag=True, help="Compare kept documents with a fresh build.")
@with_appcontext
def keep_expense_documents(verify: bool) -> None:
    """Keep each group expense's document of its current version (groups/expense_documents)."""
    if verify:
        wrong = expense_documents.differing()
        if wrong:
            raise click.ClickException(
                f"{len(wrong)} kept document(s) differ from the expenses: "
                + ", ".join(map(str, wrong[:50]))
            )
        click.echo("Every kept expense document matches its expense.")
        return
    kept = expense_documents.rebuild(expense_documents.stale_ids(db.session))
    db.session.commit()
    click.echo(f"Kept the documents of {kept} group expense(s).")


@click.command("verify-balances")
@click.option(
    "--group",
    "group_ids",
    type=click.IntRange(min=1),
    multiple=True,
    help="Check this group only (repeatable); every group by default.",
)
@click.option("--repair", is_flag=True, help="Set drifted totals to the recomputation.")
@with_appcontext
def verify_balances(group_ids: tuple[int, ...], repair: bool) -> None:
    """Check kept totals and counts (members' balances, groups' and users' expense counts,
    users' expense summaries) against the rows themselves."""
    drifts = list(balance_audit.find_drift(group_ids or None))
    for drift in drifts:
        click.echo(
            f"group {drift.group_id}, user {drift.user_id}: "
            f"stored {_totals_text(drift.stored)}, rows say {_totals_text(drift.recomputed)}"
        )
    counts = list(balance_audit.find_count_drift(group_ids or None))
    for count in counts:
        click.echo(
            f"group {count.group_id}: expense_count {count.stored}, rows say {count.counted}"
        )
    drifted = sorted({drift.group_id for drift in drifts} | {c.group_id for c in counts})
    # Personal expense counts belong to no group: checked when every group is.
    users = [] if group_ids else expense_service.expense_count_drift()
    for user_id, kept, rows in users:
        click.echo(f"user {user_id}: expense_count {kept}, rows say {rows}")
    summarised = [] if group_ids else summary_audit.drifted_users()
    for user_id in summarised:
        click.echo(f"user {user_id}: expense summaries differ from the rows")
    drifted_users = sorted({user_id for user_id, _, _ in users} | set(summarised))
    if not drifted and not drifted_users:
        click.echo(
            "Every member's running totals, expense count and expense summary match the rows."
        )
        return
    if not repair:
        raise click.ClickException(
            f"{len(drifted)} group(s) and {len(drifted_users)} user(s) drifted"
            + (f" (groups {', '.join(map(str, drifted))})" if drifted else "")
            + ". Run again with --repair to set them to the recomputation."
        )
    fixed = balance_audit.repair(drifted)
    recounted = expense_service.recount_expenses([user_id for user_id, _, _ in users])
    if summarised:
        summary_audit.rebuild(summarised)
    db.session.commit()
    click.echo(
        f"Repaired {fixed} member row(s) in group(s) {', '.join(map(str, drifted)) or '-'},"
        f" {recounted} user expense count(s) and {len(summarised)} user expense summaries."
    )


def _totals_text(totals: balance_audit.Totals | None) -> str:
    if totals is None:
        return "no membership row"
    return " ".join(f"{name}={value}" for name, value in vars(totals).items())


@click.command("create-user")
@click.option("--email", prompt=True, help="Sign-in email (unique, any letter case).")
@click.option("--full-name", prompt=True, help="Name shown to group members.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="8 to 128 characters; prompted (hidden) when not given.",
)
@click.option("--currency", default="USD", show_default=True, help="Default currency.")
@with_appcontext
def create_user(email: str, full_name: str, password: str, currency: str) -> None:
    """Create an account."""
    try:
        data = RegistrationSchema().load(
            {
                "email": email,
                "full_name": full_name,
                "password": password,
                "default_currency": currency,
            }
        )
    except ma.ValidationError as exc:
        problems = "; ".join(
            f"{field}: {' '.join(messages)}"
            for field, messages in flatten_messages(exc.messages).items()
        )
        raise click.ClickException(f"invalid account: {problems}") from None
    try:
        user = service.register(**data)
    except Conflict:
        raise click.ClickException(f"an account with the email {email!r} exists") from None
    click.echo(f"Created user {user.id} <{user.email}> ({user.default_currency}).")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create a small demo data set through the API (safe to run again)."""
    click.echo(seed_demo_data(current_app._get_current_object()))  # type: ignore[attr-defined]


def _expense_counts(context: click.Context, parameter: click.Parameter, value: str) -> list[int]:
    """seed-bench --sized-groups: comma-separated numbers of shared expenses, each 1 or more."""
    try:
        counts = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter("give whole numbers separated by commas") from None
    if any(count < 1 for count in counts):
        raise click.BadParameter("every group needs at least one expense")
    return counts


@click.command("seed-bench")
@click.option("--users", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option(
    "--expenses",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    help="Personal expenses in all, spread over the users.",
)
@click.option("--groups", type=click.IntRange(min=0), default=100, show_default=True)
@click.option(
    "--group-expenses",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Shared expenses per group, each with its payers and splits.",
)
@click.option(
    "--members",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Members per group (no more than --users).",
)
@click.option(
    "--sized-groups",
    callback=_expense_counts,
    default="",
    metavar="N,N,...",
    help="Extra groups (of --members) with exactly these numbers of shared expenses, created "
    "first in this order: 100000,10000,1000 gives the lowest new group id 100,000.",
)
@click.option(
    "--top-user-expenses",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Personal expenses (of --expenses) that belong to the first user created (the "
    "lowest new id); the rest are spread at random over the other users. 0: over everyone.",
)
@click.option("--password", default="bench-password", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--batch-size", type=click.IntRange(min=100), default=10_000, show_default=True)
@with_appcontext
def seed_bench(**options: Any) -> None:
    """Bulk-load a large synthetic data set for benchmarks (a million rows in minutes)."""
    click.echo(load_bench_data(progress=click.echo, **options))
