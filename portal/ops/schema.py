"""Which migration the database is at, and which one this code expects."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

VERSION_TABLE = "alembic_version"


def script_directory(directory: str) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(config)


@cache
def script_heads(directory: str) -> tuple[str, ...]:
    """The head revision(s) of the migrations shipped with this code."""
    return tuple(sorted(script_directory(directory).get_heads()))


def current_heads(connection: sa.Connection) -> tuple[str, ...]:
    """The revision(s) recorded in the database; empty if it was never migrated.

    Read directly rather than through Alembic's ``MigrationContext``, which logs a line at
    INFO on every call (``/healthz`` runs this every minute).
    """
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return ()
    table = sa.table(VERSION_TABLE, sa.column("version_num"))
    return tuple(sorted(connection.scalars(sa.select(table.c.version_num))))
