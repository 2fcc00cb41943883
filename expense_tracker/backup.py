"""`flask backup PATH`: a consistent copy of the SQLite database, taken while it serves.

SQLite's online backup API copies the whole database in one step, inside one read
transaction: under WAL the service's writers go on meanwhile, and the copy holds exactly
the transactions committed when the step began (never half of one). The copy is written
to a temporary file beside PATH, switched to a single-file journal, checked
(`PRAGMA integrity_check`) and only then linked to PATH, which must not exist: a backup
never overwrites anything, and PATH never holds a partial copy.

PostgreSQL has its own tool for this (`pg_dump`, a consistent snapshot too): the command
says so and exits with `USE_PG_DUMP` instead of copying anything. deploy/README.md
("Backups") has both operators' paths, backup and restore.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import click
from flask.cli import with_appcontext
from sqlalchemy.engine import URL

from expense_tracker.extensions import db

# Exit statuses besides 0 (written) and click's 2 (a usage error): scripts tell "nothing
# was written, look at the message" from "wrong tool for this database".
REFUSED = 1
USE_PG_DUMP = 3
# How long the copy waits for a lock (a checkpoint, a writer starting up), like the app.
BUSY_TIMEOUT_SECONDS = 15.0


class BackupRefused(click.ClickException):
    """Nothing was written: the destination exists, its folder is missing, and the like."""

    exit_code = REFUSED


class UsePgDump(click.ClickException):
    """The database is not a SQLite file: its own tools back it up."""

    exit_code = USE_PG_DUMP


@dataclass(frozen=True)
class BackupReport:
    destination: Path
    size_bytes: int
    schema_revision: str | None

    def __str__(self) -> str:
        revision = self.schema_revision or "none"
        return (
            f"Backed up to {self.destination} ({self.size_bytes} bytes, schema revision "
            f"{revision}); integrity check ok."
        )


def sqlite_file(url: URL) -> Path:
    """The file behind a SQLite URL, or why this command cannot copy it."""
    if url.get_backend_name() != "sqlite":
        libpq_url = url.set(drivername=url.get_backend_name())
        shown = libpq_url.render_as_string(hide_password=True)
        raise UsePgDump(
            f"The database is {url.get_backend_name()}, not SQLite: back it up with its own "
            f"tool, a consistent snapshot while it serves, e.g. "
            f"pg_dump --format=custom --file=BACKUP.dump '{shown}' "
            "(restore with pg_restore; deploy/README.md, Backups)."
        )
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory"):
        raise BackupRefused("The database is in memory: there is no file to back up.")
    return Path(url.database)


def back_up_sqlite(source: Path, destination: Path) -> BackupReport:
    """Copy the SQLite database at `source` to `destination` (which must not exist)."""
    if not source.is_file():
        raise BackupRefused(f"There is no SQLite database at {source}.")
    if destination.exists() or destination.is_symlink():
        raise BackupRefused(f"{destination} exists: a backup never overwrites a file.")
    if not destination.parent.is_dir():
        raise BackupRefused(f"The folder {destination.parent} does not exist.")
    handle, partial_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".partial", dir=destination.parent
    )
    os.close(handle)
    partial = Path(partial_name)
    try:
        revision = _copy(source, partial)
        _fsync(partial)
        _publish(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(destination, destination.stat().st_size, revision)


def _publish(partial: Path, destination: Path) -> None:
    """Give the finished copy its name, unless that name exists by now."""
    try:
        # link() fails when the name exists: no window in which a file that appeared
        # meanwhile could be replaced, as a rename would.
        os.link(partial, destination)
    except FileExistsError:
        raise BackupRefused(f"{destination} exists: a backup never overwrites a file.") from None
    except OSError:
        # A filesystem without hard links (some network and FAT mounts): create the name
        # exclusively (never over a file) and copy into it.
        try:
            created = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise BackupRefused(
                f"{destination} exists: a backup never overwrites a file."
            ) from None
        with partial.open("rb") as copy, os.fdopen(created, "wb") as named:
            shutil.copyfileobj(copy, named)
            named.flush()
            os.fsync(named.fileno())
    _fsync(destination.parent)


def _copy(source: Path, target: Path) -> str | None:
    """The online backup into `target`, made self-contained and checked; the copy's
    Alembic revision (what `flask db upgrade` starts from after a restore)."""
    # mode=rw: a mistyped path is an error, never a new empty database.
    reader = sqlite3.connect(
        f"file:{quote(str(source))}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_SECONDS
    )
    writer = sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        # pages=-1: every page in one step, so one read transaction: a consistent
        # snapshot. Copied in several steps, a write in between would restart the copy.
        reader.backup(writer, pages=-1)
        # The source's WAL flag came along; one file with no -wal beside it is what
        # an operator expects to move, archive and restore.
        writer.execute("PRAGMA journal_mode=DELETE")
        checked = [row[0] for row in writer.execute("PRAGMA integrity_check")]
        if checked != ["ok"]:
            raise BackupRefused(f"The copy failed its integrity check: {checked[:5]}")
        return _schema_revision(writer)
    finally:
        writer.close()
        reader.close()


def _schema_revision(connection: sqlite3.Connection) -> str | None:
    with contextlib.suppress(sqlite3.Error):
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    return None


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Copy the SQLite database to DESTINATION (a new file) while the service runs.

    Consistent under concurrent writes (SQLite's online backup API); never overwrites.
    Exit status 1: nothing written (see the message); 3: the database is PostgreSQL,
    back it up with pg_dump.
    """
    report = back_up_sqlite(sqlite_file(db.engine.url), destination)
    click.echo(str(report))
