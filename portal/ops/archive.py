"""The backup archive's format: one ``.tar.gz`` with a manifest, written and read back.

Archive layout::

    manifest.json       format, time, database kind and revision, counts, sha256 of every file
    database.sqlite3    SQLite: a consistent copy taken with SQLite's online backup API
    database.pgdump     PostgreSQL: ``pg_dump --format=custom`` of one snapshot
    uploads/<name>      the attachment files (content-addressed, never changed once written)

The archive holds personal data, password hashes and TOTP secrets: it is written readable by
its owner only. Reading one back trusts nothing: every entry must be one the manifest lists,
with a safe name, and a file is only written where it belongs once its sha256 matched.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal.documents.models import Attachment, Document
from portal.interaction.models import InfoRequest, Message
from portal.ops.schema import current_heads
from portal.timeutil import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"
#: The row counts a manifest records and a restore checks, by name.
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


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def safe_parts(parts: Iterable[str]) -> bool:
    """Whether every part of a path is a plain name (no ``..``, no hidden or odd names)."""
    return all(_PART.fullmatch(part) and part not in {".", ".."} for part in parts)


def facts(connection: sa.Connection) -> tuple[str | None, dict[str, int]]:
    """The schema revision and the row counts the manifest records, read on ``connection``."""
    heads = current_heads(connection)
    counts = {
        name: connection.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for name, model in COUNTED.items()
    }
    return ",".join(heads) or None, counts


# -- writing ----------------------------------------------------------------------------


def write_archive(target: Path, manifest: dict[str, Any], members: list[tuple[str, Path]]) -> None:
    """Write the archive next to ``target`` (owner-only permissions), then rename it there."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(utcnow().timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
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


# -- reading ----------------------------------------------------------------------------


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


def archive_members(tar: tarfile.TarFile, manifest: dict[str, Any]) -> dict[str, tarfile.TarInfo]:
    """The entries to restore by name, after checking them against the manifest: each one
    listed there, a regular file, the database file or a safely named upload; none missing."""
    database_file = manifest["database"]["file"]
    members = {}
    for member in tar.getmembers():
        if member.name == MANIFEST:
            continue
        parts = member.name.split("/")
        expected = member.name in manifest["files"] and (
            member.name == database_file or (parts[0] == UPLOADS and safe_parts(parts[1:]))
        )
        if not expected or not member.isfile():
            raise BackupError(f"unexpected entry in the backup: {member.name!r}")
        members[member.name] = member
    missing = sorted(set(manifest["files"]) - set(members))
    if missing:
        raise BackupError(f"the backup is incomplete: {', '.join(missing[:5])} missing")
    return members


def extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, expected: str) -> None:
    """Write ``member`` to ``target`` through a temporary file, only if its sha256 is
    ``expected``."""
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
        if digest.hexdigest() != expected:
            raise BackupError(f"{member.name} is damaged (sha256 differs from the manifest)")
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
