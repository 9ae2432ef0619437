"""Database behaviour both engines share: SQLite tuning and write transactions.

SQLite runs in WAL mode (readers never wait for the writer) with a busy timeout, and the
driver's own transaction handling is replaced by ours so a writing service can start with
``BEGIN IMMEDIATE``: a transaction that reads and then writes under a plain ``BEGIN`` fails
at once with "database is locked" when another process writes (FINDINGS), while an
immediate one queues. On PostgreSQL the same call takes a transaction-scoped advisory lock,
so two writers never compute the same 索引号 or tracking-number serial.
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .extensions import db

IMMEDIATE = "portal_immediate"
_WRITE_LOCK_KEY = 0x5D0C  # advisory lock id shared by all portal writers


@sa.event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in {"memory", "wal"}:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


@sa.event.listens_for(Engine, "begin")
def _on_begin(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        immediate = connection.get_execution_options().get(IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITES_KEY = "portal.pending_document_events"


def begin_write() -> None:
    """Make the session's transaction a writer's before the first read of a write.

    A transaction that has only read so far is ended first (its objects reload on next
    use); one that already wrote is kept as it is.
    """
    session = db.session()
    if session.in_transaction():
        wrote = session.new or session.dirty or session.deleted or session.info.get(WRITES_KEY)
        if wrote:
            return
        session.rollback()
    connection = session.connection(execution_options={IMMEDIATE: True})
    if connection.dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_WRITE_LOCK_KEY)))
