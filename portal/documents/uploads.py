"""Attachment files: what type a file really is (by its bytes) and receiving staff uploads.

A file's type is read from its content — magic bytes, the OLE2 header of old Office files,
the parts list of an Office Open XML zip — never from its name or the browser's MIME type.
The name only chooses between DOC and XLS, which share one container format.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import Response, abort, current_app, send_file
from werkzeug.datastructures import FileStorage

from portal.documents.models import Attachment, Document
from portal.text import FORMAT_CHARS


@dataclass(frozen=True)
class FileType:
    """A detected type: MIME type, the extension files are stored with, and its other names."""

    mime: str
    ext: str
    aliases: tuple[str, ...] = ()

    @property
    def extensions(self) -> tuple[str, ...]:
        return (self.ext, *self.aliases)


PDF = FileType("application/pdf", ".pdf")
DOC = FileType("application/msword", ".doc")
XLS = FileType("application/vnd.ms-excel", ".xls")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
PNG = FileType("image/png", ".png")
JPEG = FileType("image/jpeg", ".jpg", (".jpeg", ".jpe"))
GIF = FileType("image/gif", ".gif")
WEBP = FileType("image/webp", ".webp")
# Only for files the content loader brings from the repository, never for staff uploads.
CSV = FileType("text/csv", ".csv")
TEXT = FileType("text/plain", ".txt")
BINARY = FileType("application/octet-stream", ".bin")

#: The types staff may upload.
ACCEPTED = (PDF, DOC, DOCX, XLS, XLSX, PNG, JPEG, GIF, WEBP)
REFUSED_TYPE = "不支持的文件类型，仅接受 PDF、Word、Excel 和图片"

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE2_STREAMS = {".doc": (DOC, ("WordDocument",)), ".xls": (XLS, ("Workbook", "Book"))}
OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX}
CHUNK = 64 * 1024
# Every control character (tabs and line breaks too: a name is one line) and, through
# FORMAT_CHARS, every invisible or direction-changing one that could disguise a name
# (U+202E "gpj.exe", zero-width and word joiners, soft hyphens, U+061C …).
NAME_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class UploadError(ValueError):
    """A file was refused; the message names it and says why, in Chinese."""


def _ole2(path: Path, name: str) -> FileType | None:
    """DOC or XLS: the OLE2 header, the name's extension, and the matching stream inside."""
    choice = OLE2_STREAMS.get(Path(name).suffix.lower())
    if choice is None:  # an .msi, .exe or anything else in an OLE2 container
        return None
    file_type, streams = choice
    data = path.read_bytes()
    if any(stream.encode("utf-16-le") in data for stream in streams):
        return file_type
    return None


def _ooxml(path: Path) -> FileType | None:
    """DOCX or XLSX: a zip holding ``[Content_Types].xml`` and the main document part."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except Exception:  # any damaged or hostile zip is simply not an Office file
        return None
    if "[Content_Types].xml" not in names:
        return None
    for part, file_type in OOXML_PARTS.items():
        if part in names:
            return file_type
    return None


def detect(path: Path, name: str = "") -> FileType | None:
    """The accepted type of the file at ``path``, judged by its content, or None."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(OLE2_MAGIC):
        return _ole2(path, name)
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(path)
    return None


def sniff(path: Path, name: str = "") -> FileType:
    """Like ``detect``, but also names UTF-8 text (CSV or plain) and falls back to binary.

    Used when storing any attachment, including the trusted ones of the content loader.
    """
    found = detect(path, name)
    if found is not None:
        return found
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return BINARY
    if b"\x00" in data:
        return BINARY
    return CSV if Path(name).suffix.lower() == ".csv" else TEXT


def safe_filename(name: str, file_type: FileType) -> str:
    """The name people download a file as: no folders or control characters, the right
    extension for its real type, at most 200 characters (the column's size)."""
    name = unicodedata.normalize("NFC", _visible(name))
    name = re.split(r"[/\\]", name)[-1].strip().lstrip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if "." + ext.lower() not in file_type.extensions:
        stem = name
        ext = file_type.ext[1:]
    stem = (stem.strip() or "附件")[: 200 - len(ext) - 1]
    return f"{stem}.{ext}"


def display_name(name: str) -> str:
    """An uploaded file's name as given, cleaned enough to show in a message."""
    return re.split(r"[/\\]", _visible(name))[-1].strip()[:100] or "（无名称）"


def _visible(name: str | None) -> str:
    """``name`` without control, format (invisible) or direction-changing characters."""
    return FORMAT_CHARS.sub("", NAME_CONTROLS.sub("", name or ""))


@dataclass(frozen=True)
class Received:
    """An accepted upload waiting in a temporary file for the publishing service."""

    path: Path
    filename: str
    file_type: FileType
    size: int


def receive(upload: FileStorage, folder: Path, max_mb: float) -> Received:
    """Copy an upload into a temporary file in ``folder`` and check its size and type.

    Raises ``UploadError`` (and leaves nothing on disk) when the file is refused; the
    caller deletes the temporary file once the service has stored its own copy.
    """
    shown = display_name(upload.filename or "")
    max_bytes = int(max_mb * 1024 * 1024)
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, suffix=".upload")
    path = Path(name)
    try:
        size = 0
        with os.fdopen(handle, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError(f"附件 {shown}：文件超过 {max_mb:g} MB 的大小上限")
                out.write(chunk)
        if size == 0:
            raise UploadError(f"附件 {shown}：文件是空的")
        file_type = detect(path, shown)
        if file_type is None:
            raise UploadError(f"附件 {shown}：{REFUSED_TYPE}")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Received(path, safe_filename(shown, file_type), file_type, size)


def send_attachment(item: Attachment) -> Response:
    """The attachment's file as a download (never shown inline; its type was checked from
    its bytes when stored); 404 when the file is missing."""
    return send_stored(item.stored_name, item.mime_type, item.filename)


def send_stored(
    stored_name: str, mime_type: str, filename: str, *, private: bool = False
) -> Response:
    """A file of the upload folder as a download named ``filename``: never shown inline,
    its type the one detected from its bytes when it was stored; 404 when it is missing.
    A ``private`` file is never kept by a browser or proxy (no validators, ``no-store``)."""
    path = Path(current_app.config["UPLOAD_DIR"]) / stored_name
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=mime_type,
        as_attachment=True,
        download_name=filename,
        conditional=not private,
        etag=not private,
        last_modified=None,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if private:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Last-Modified", None)
    return response


def copy_in(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` in the upload folder so that no reader ever sees half
    a file: written beside it as ``.part``, then renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    shutil.copyfile(source, tmp)
    tmp.replace(target)


@dataclass(frozen=True)
class AttachmentFile:
    """A file to attach: its title, where it is now on disk and the name to download it as
    (default: the file's own name)."""

    title: str
    path: Path
    filename: str | None = None


def store_attachments(doc: Document, files: list[AttachmentFile]) -> None:
    """Copy files into the upload folder and make them the document's attachments, in order.

    A stored file is named by its content hash plus the extension of its type as detected
    from its bytes (never the uploader's name), and carries that detected MIME type. An
    attachment that stays (same content and name) keeps its row, so its public URL lasts.
    """
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    upload_dir.mkdir(parents=True, exist_ok=True)
    existing = {(a.sha256, a.filename): a for a in doc.attachments}
    kept: list[Attachment] = []
    for position, item in enumerate(files):
        name = item.filename or item.path.name
        file_type = sniff(item.path, name)
        digest, size = digest_of(item.path)
        stored_name = f"{digest}{file_type.ext}"
        target = upload_dir / stored_name
        if not target.exists():
            copy_in(item.path, target)
        row = existing.pop((digest, name), None) or Attachment(
            filename=name, sha256=digest, size=size
        )
        row.position = position
        row.title = item.title
        row.stored_name = stored_name
        row.mime_type = file_type.mime
        kept.append(row)
    doc.attachments[:] = kept


def digest_of(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size in bytes of the file at ``path``."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
