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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from portal.extensions import db

T = TypeVar("T", bound=DeclarativeBase)

IMMEDIATE = "portal_immediate"
_WRITE_LOCK_KEY = 0x5D0C  # advisory lock id shared by all portal writers


def _on_connect(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in {"memory", "wal"}:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


def _on_begin(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        immediate = connection.get_execution_options().get(IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def init_app(app: object) -> None:
    """Tune every SQLite connection and let writers begin with ``BEGIN IMMEDIATE``
    (listeners on all engines, added once per process)."""
    for name, listener in (("connect", _on_connect), ("begin", _on_begin)):
        if not sa.event.contains(Engine, name, listener):
            sa.event.listen(Engine, name, listener)


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


# -- the unit of work -------------------------------------------------------------------

_DEPTH_KEY = "portal.unit_of_work_depth"
_AFTER_COMMIT_KEY = "portal.after_commit"


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One write, all or nothing: take the write lock, then (inside) re-read, check and
    write, then commit — or roll back everything if anything inside raises.

    Services open one around each action; a unit opened inside another joins it, so a
    caller that strings several actions together (the content loader, the editor's "save
    and submit") wraps them in its own unit and they commit together. State checks belong
    inside, after the lock: a check made before it can be overtaken by another writer.
    """
    session = db.session()
    depth = session.info.get(_DEPTH_KEY, 0)
    if depth == 0:
        begin_write()
    session.info[_DEPTH_KEY] = depth + 1
    try:
        yield
    except BaseException:
        session.info[_DEPTH_KEY] = depth
        if depth == 0:
            rollback()
        raise
    session.info[_DEPTH_KEY] = depth
    if depth == 0:
        commit()


def reread(obj: T) -> T:
    """Load ``obj`` again from the database inside the current unit of work (after the
    lock), so a check sees what other writers committed; returns it. This session's own
    pending changes are written first, never lost; a new object is left as it is."""
    if sa.inspect(obj).persistent:
        db.session.flush()
        db.session.refresh(obj)
    return obj


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current unit of work has committed (never if it rolls back)."""
    db.session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


def commit() -> None:
    """Commit the session, then run what was waiting for the commit (index, feeds)."""
    db.session.commit()
    for callback in db.session.info.pop(_AFTER_COMMIT_KEY, []):
        callback()


def rollback() -> None:
    """Roll the session back and forget what was waiting for its commit."""
    db.session.rollback()
    db.session.info.pop(_AFTER_COMMIT_KEY, None)
    db.session.info.pop(WRITES_KEY, None)
