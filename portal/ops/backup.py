"""Backup and restore: the database and the uploaded files in one ``.tar.gz`` with a manifest.

Archive layout::

    manifest.json       format, time, database kind and revision, counts, sha256 of every file
    database.sqlite3    SQLite: a consistent copy taken with SQLite's online backup API
    database.pgdump     PostgreSQL: ``pg_dump --format=custom`` of one snapshot
    uploads/<name>      the attachment files (content-addressed, never changed once written)

A backup is consistent while the portal runs: SQLite's backup API copies one read
transaction, and on PostgreSQL the counts in the manifest and ``pg_dump`` read the same
exported snapshot. Uploads are copied after the database, so every file the database
refers to is there (files are only ever added). The archive holds personal data, password
hashes and TOTP secrets: it is created readable by its owner only.

A restore checks what it can before it touches anything (manifest, database kind, a
revision known to this code, the archive's entries, an empty target unless ``force``), then
writes the uploads (each only if its sha256 matches; extra files are harmless if it stops
there), replaces the database once its sha256 matched (SQLite: one atomic rename;
PostgreSQL: ``pg_restore`` in one transaction), upgrades the schema if the archive is older
than the code, checks the counts and rebuilds the search index.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable
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
from portal.documents.models import Attachment, Document
from portal.extensions import db
from portal.interaction.models import InfoRequest, Message
from portal.ops.schema import current_heads, script_directory, script_heads
from portal.timeutil import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"
COUNTED = {
    "documents": Document,
    "attachments": Attachment,
    "messages": Message,
    "requests": InfoRequest,
}
CHUNK = 1024 * 1024
_PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for the operator."""


# -- shared -----------------------------------------------------------------------------


def database_kind() -> str:
    kind = db.engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {kind}")
    return kind


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _facts(connection: sa.Connection) -> tuple[str | None, dict[str, int]]:
    """The schema revision and the row counts the manifest records, read on ``connection``."""
    heads = current_heads(connection)
    counts = {
        name: connection.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for name, model in COUNTED.items()
    }
    return ",".join(heads) or None, counts


def _migrations() -> str:
    return current_app.extensions["migrate"].directory


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
        revision, counts = _dump_sqlite(dump) if kind == "sqlite" else _dump_postgres(dump)
        members = [(database_file, dump)]
        members += [(f"{UPLOADS}/{name}", file) for name, file in _upload_files()]
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(timespec="seconds"),
            "portal_version": _portal_version(),
            "database": {"kind": kind, "file": database_file, "revision": revision},
            "counts": counts,
            "files": {
                name: {"sha256": _sha256(file), "size": file.stat().st_size}
                for name, file in members
            },
        }
        _write_archive(target, manifest, members)
    return target, manifest


def _portal_version() -> str | None:
    try:
        return version("dongxiao-portal")
    except PackageNotFoundError:
        return None


def _dump_sqlite(dump: Path) -> tuple[str | None, dict[str, int]]:
    """Copy the live SQLite database with the online backup API (one read transaction)."""
    raw = db.engine.raw_connection()
    try:
        copy = sqlite3.connect(dump)
        try:
            raw.driver_connection.backup(copy)
        finally:
            copy.close()
    finally:
        raw.close()
    engine = sa.create_engine(f"sqlite:///{dump}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return _facts(connection)
    finally:
        engine.dispose()


def _dump_postgres(dump: Path) -> tuple[str | None, dict[str, int]]:
    """``pg_dump`` of a snapshot exported by the transaction that also counts the rows."""
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(db.engine.url)
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            facts = _facts(connection)
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
    return facts


def _upload_files() -> list[tuple[str, Path]]:
    """The stored attachment files, by name relative to the upload folder."""
    root = Path(current_app.config["UPLOAD_DIR"])
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_symlink() or not path.is_file() or not _safe_parts(relative.parts):
            continue  # .incoming/ (uploads in progress), *.part files being written
        if path.name.endswith(".part"):
            continue
        files.append((relative.as_posix(), path))
    return files


def _safe_parts(parts: Iterable[str]) -> bool:
    return all(_PART.fullmatch(part) and part not in {".", ".."} for part in parts)


def _write_archive(target: Path, manifest: dict[str, Any], members: list[tuple[str, Path]]) -> None:
    """Write the archive next to ``target`` (owner-only permissions), then rename it there."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(utcnow().timestamp()), 0o600
                tar.addfile(info, _BytesReader(data))
                for name, path in members:
                    info = tar.gettarinfo(str(path), arcname=name)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    info.mode = 0o600
                    with path.open("rb") as handle:
                        tar.addfile(info, handle)
            raw.flush()
            os.fsync(raw.fileno())
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class _BytesReader:
    def __init__(self, data: bytes):
        self._data, self._position = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._position + size
        chunk = self._data[self._position : end]
        self._position += len(chunk)
        return chunk


# -- restore ----------------------------------------------------------------------------


def database_is_empty() -> bool:
    """Whether no table of the configured database holds a row (missing tables count as empty)."""
    with db.engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            if table == "alembic_version":
                continue
            query = sa.select(sa.literal(1)).select_from(sa.table(table)).limit(1)
            if connection.execute(query).first() is not None:
                return False
    return True


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
        handle = tar.extractfile(member)
        manifest = json.loads(handle.read().decode("utf-8")) if handle else None
    except (KeyError, ValueError) as exc:
        raise BackupError(f"not a portal backup: no readable {MANIFEST}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a portal backup of a format this version can read")
    return manifest


def _check_archive(
    tar: tarfile.TarFile, manifest: dict[str, Any], kind: str
) -> dict[str, tarfile.TarInfo]:
    """The members to restore by name, after checking the archive against the manifest."""
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
    members = {}
    for member in tar.getmembers():
        if member.name == MANIFEST:
            continue
        parts = member.name.split("/")
        expected = member.name in manifest["files"] and (
            member.name == database["file"] or (parts[0] == UPLOADS and _safe_parts(parts[1:]))
        )
        if not expected or not member.isfile():
            raise BackupError(f"unexpected entry in the backup: {member.name!r}")
        members[member.name] = member
    missing = sorted(set(manifest["files"]) - set(members))
    if missing:
        raise BackupError(f"the backup is incomplete: {', '.join(missing[:5])} missing")
    return members


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, sha256: str) -> None:
    """Write ``member`` to ``target`` through a temporary file, only if its sha256 matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    source = tar.extractfile(member)
    assert source is not None
    try:
        with source, tmp.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            raise BackupError(f"{member.name} is damaged (sha256 differs from the manifest)")
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def restore_backup(
    archive: Path, *, force: bool = False, echo: Callable[[str], object] = print
) -> dict[str, Any]:
    """Restore a backup into this instance's database, upload folder and search index."""
    kind = database_kind()
    sqlite_file = _sqlite_path() if kind == "sqlite" else None
    with tarfile.open(archive, "r:gz") as tar:
        manifest = read_manifest(tar)
        members = _check_archive(tar, manifest, kind)
        if not force and not database_is_empty():
            raise BackupError(
                "the database already holds data; restore into a fresh instance "
                "or pass --force to replace it"
            )
        uploads = Path(current_app.config["UPLOAD_DIR"])
        for name, member in members.items():
            if name.startswith(f"{UPLOADS}/"):
                relative = name[len(UPLOADS) + 1 :]
                _extract(tar, member, uploads / relative, manifest["files"][name]["sha256"])
        echo(f"Restored {len(members) - 1} uploaded files into {uploads}.")
        name = manifest["database"]["file"]
        # SQLite: staged beside the database file, so the final rename is atomic.
        folder = sqlite_file.parent if sqlite_file else None
        with tempfile.TemporaryDirectory(dir=folder, prefix=".portal-restore-") as staging:
            staged = Path(staging) / name
            _extract(tar, members[name], staged, manifest["files"][name]["sha256"])
            if sqlite_file:
                _replace_sqlite(staged, sqlite_file)
            else:
                _restore_postgres(staged)
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


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("restore needs a SQLite database file")
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _replace_sqlite(staged: Path, target: Path) -> None:
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


def _restore_postgres(staged: Path) -> None:
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


def _check_counts(expected: dict[str, int]) -> None:
    with db.engine.connect() as connection:
        _, counts = _facts(connection)
    if counts != expected:
        raise BackupError(f"restored counts {counts} differ from the backup's {expected}")
