"""Backup and restore: the database and the uploaded files in one ``.tar.gz`` with a manifest.

The operator's two commands (``flask --app app backup|restore``); the archive's format is in
``archive``, copying each kind of database out and back in ``dumps``.

A backup is consistent while the portal runs: SQLite's backup API copies one read
transaction, and on PostgreSQL the counts in the manifest and ``pg_dump`` read the same
exported snapshot. Uploads are copied after the database, so every file the database
refers to is there (files are only ever added).

A restore checks what it can before it touches anything (manifest, database kind, a
revision known to this code, the archive's entries, an empty target unless ``force``), then
writes the uploads (each only if its sha256 matches; extra files are harmless if it stops
there), replaces the database once its sha256 matched (SQLite: one atomic rename;
PostgreSQL: ``pg_restore`` in one transaction), upgrades the schema if the archive is older
than the code, checks the counts and rebuilds the search index.
"""

from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from flask import current_app
from flask_migrate import upgrade

from portal import audit
from portal import search as portal_search
from portal.extensions import db
from portal.ops import dumps
from portal.ops.archive import (
    DATABASE_FILES,
    FORMAT,
    UPLOADS,
    BackupError,
    archive_members,
    extract,
    facts,
    read_manifest,
    safe_parts,
    sha256,
    write_archive,
)
from portal.ops.schema import script_directory, script_heads
from portal.timeutil import utcnow


def database_kind() -> str:
    kind = db.engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {kind}")
    return kind


def database_is_empty() -> bool:
    """Whether the configured database holds nothing but what a new one has: no rows but
    the first organisation and the search's synonym groups, which the migrations make
    (missing tables count as empty; a staff edit of synonyms also writes an audit row)."""
    with db.engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            if table in {"alembic_version", "search_synonym_group"}:
                continue
            allowed = 1 if table == "organisation" else 0
            query = sa.select(sa.literal(1)).select_from(sa.table(table)).limit(allowed + 1)
            if len(connection.execute(query).all()) > allowed:
                return False
    return True


def _migrations() -> str:
    return current_app.extensions["migrate"].directory


# -- backup -----------------------------------------------------------------------------


def create_backup(path: Path) -> tuple[Path, dict[str, Any]]:
    """Write a backup archive to ``path`` (or a dated file in it, if it is a folder)."""
    kind = database_kind()
    now = utcnow()
    target = path
    if path.is_dir():
        target = path / f"portal-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    if target.exists():
        raise BackupError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    database_file = DATABASE_FILES[kind]
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".portal-backup-") as staging:
        dump = Path(staging) / database_file
        dump_database = dumps.dump_sqlite if kind == "sqlite" else dumps.dump_postgres
        revision, counts = dump_database(dump)
        members = [(database_file, dump)]
        members += [(f"{UPLOADS}/{name}", file) for name, file in _upload_files()]
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(timespec="seconds"),
            "portal_version": _portal_version(),
            "database": {"kind": kind, "file": database_file, "revision": revision},
            "counts": counts,
            "files": {
                name: {"sha256": sha256(file), "size": file.stat().st_size}
                for name, file in members
            },
        }
        write_archive(target, manifest, members)
    return target, manifest


def _portal_version() -> str | None:
    try:
        return version("dongxiao-portal")
    except PackageNotFoundError:
        return None


def _upload_files() -> list[tuple[str, Path]]:
    """The stored attachment files, by name relative to the upload folder."""
    root = Path(current_app.config["UPLOAD_DIR"])
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_symlink() or not path.is_file() or not safe_parts(relative.parts):
            continue  # .incoming/ (uploads in progress), *.part files being written
        if path.name.endswith(".part"):
            continue
        files.append((relative.as_posix(), path))
    return files


# -- restore ----------------------------------------------------------------------------


def restore_backup(
    archive: Path, *, force: bool = False, echo: Callable[[str], object] = print
) -> dict[str, Any]:
    """Restore a backup into this instance's database, upload folder and search index."""
    kind = database_kind()
    sqlite_file = dumps.sqlite_path() if kind == "sqlite" else None
    with tarfile.open(archive, "r:gz") as tar:
        manifest = read_manifest(tar)
        _check_database(manifest, kind)
        members = archive_members(tar, manifest)
        if not force and not database_is_empty():
            raise BackupError(
                "the database already holds data; restore into a fresh instance "
                "or pass --force to replace it"
            )
        uploads = Path(current_app.config["UPLOAD_DIR"])
        for name, member in members.items():
            if name.startswith(f"{UPLOADS}/"):
                relative = name[len(UPLOADS) + 1 :]
                extract(tar, member, uploads / relative, manifest["files"][name]["sha256"])
        echo(f"Restored {len(members) - 1} uploaded files into {uploads}.")
        name = manifest["database"]["file"]
        # SQLite: staged beside the database file, so the final rename is atomic.
        folder = sqlite_file.parent if sqlite_file else None
        with tempfile.TemporaryDirectory(dir=folder, prefix=".portal-restore-") as staging:
            staged = Path(staging) / name
            extract(tar, members[name], staged, manifest["files"][name]["sha256"])
            if sqlite_file:
                dumps.replace_sqlite(staged, sqlite_file)
            else:
                dumps.restore_postgres(staged)
    echo(f"Restored the {kind} database (revision {manifest['database']['revision']}).")
    heads = ",".join(script_heads(_migrations()))
    if manifest["database"]["revision"] != heads:
        upgrade(directory=_migrations())
        echo(f"Upgraded the schema to {heads}.")
    _check_counts(manifest["counts"])
    db.session.remove()
    indexed = portal_search.rebuild()
    echo(f"Rebuilt the search index: {indexed} published documents.")
    audit.record("system", "restore", "system", 0, backup_created_at=manifest["created_at"])
    db.session.commit()
    return manifest


def _check_database(manifest: dict[str, Any], kind: str) -> None:
    """The backup holds a database of this portal's kind, at a revision this code knows."""
    database = manifest["database"]
    if database["kind"] != kind:
        raise BackupError(
            f"the backup holds a {database['kind']} database; this portal uses {kind}"
        )
    revision = database["revision"]
    scripts = script_directory(_migrations())
    try:
        for rev in filter(None, (revision or "").split(",")):
            scripts.get_revision(rev)  # raises for a revision this code does not have
    except (CommandError, RevisionError) as exc:
        raise BackupError(
            f"the backup's schema revision {revision} is unknown to this version of the portal"
        ) from exc


def _check_counts(expected: dict[str, int]) -> None:
    with db.engine.connect() as connection:
        _, counts = facts(connection)
    if counts != expected:
        raise BackupError(f"restored counts {counts} differ from the backup's {expected}")
