"""Copying the database into a backup and back, for each database the portal runs on.

SQLite: out with SQLite's online backup API (one read transaction, so the copy is
consistent while the portal writes), back by an integrity check and one atomic rename over
the database file. PostgreSQL: out with ``pg_dump`` of the snapshot exported by the
transaction that also counts the rows, back by emptying the schema and ``pg_restore`` in one
transaction. The PostgreSQL client tools get the password in their environment, never on a
command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import cast

import sqlalchemy as sa

from portal.extensions import db
from portal.ops.archive import BackupError, facts


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the PostgreSQL tools, the password passed in the environment
    (never on a command line, where ``ps`` shows it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client tools of the server's version"
        )
    return path


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


# -- out --------------------------------------------------------------------------------


def dump_sqlite(dump: Path) -> tuple[str | None, dict[str, int]]:
    """Copy the live SQLite database with the online backup API (one read transaction)."""
    raw = db.engine.raw_connection()
    try:
        copy = sqlite3.connect(dump)
        try:
            cast(sqlite3.Connection, raw.driver_connection).backup(copy)
        finally:
            copy.close()
    finally:
        raw.close()
    engine = sa.create_engine(f"sqlite:///{dump}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return facts(connection)
    finally:
        engine.dispose()


def dump_postgres(dump: Path) -> tuple[str | None, dict[str, int]]:
    """``pg_dump`` of a snapshot exported by the transaction that also counts the rows."""
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(db.engine.url)
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            counted = facts(connection)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-password",
                    f"--file={dump}",
                    f"--dbname={uri}",
                ],
                env,
            )
    return counted


# -- back -------------------------------------------------------------------------------


def sqlite_path() -> Path:
    """The SQLite database file a restore replaces (its folder created if missing)."""
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("restore needs a SQLite database file")
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def replace_sqlite(staged: Path, target: Path) -> None:
    """Swap the database file in one rename, after an integrity check of the new one."""
    check = sqlite3.connect(staged)
    try:
        result = check.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        raise BackupError(f"the backed-up database fails SQLite's check: {result}")
    db.session.remove()
    db.engine.dispose()
    # The old database's journal files must not be applied to the new one.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    staged.replace(target)


def restore_postgres(staged: Path) -> None:
    """Empty the schema, then ``pg_restore`` the dump in one transaction.

    Dropping first matters when the target was migrated further than the backup (a fresh
    instance after ``db upgrade``): ``--clean`` only drops what the dump has, and a newer
    table's foreign keys would stop it. The target is empty or ``--force`` said to discard it.
    """
    pg_restore = _tool("pg_restore")
    uri, env = _libpq(db.engine.url)
    _run([pg_restore, "--list", str(staged)], env)  # readable, before anything is dropped
    db.session.remove()
    with db.engine.begin() as connection:
        schema = connection.scalar(sa.text("SELECT current_schema()"))
        for table in sa.inspect(connection).get_table_names(schema=schema):
            connection.execute(sa.text(f'DROP TABLE IF EXISTS "{schema}"."{table}" CASCADE'))
    db.engine.dispose()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={uri}",
            str(staged),
        ],
        env,
    )
