"""Files of information requests: what an applicant sends with a 补正 online and what the
office attaches to its answer (告知书, the information released).

They are checked exactly as staff uploads of document attachments are
(``documents.uploads.receive``: the type read from the bytes, never the name; at most
``PORTAL_UPLOAD_MAX_MB`` each) and stored in the upload folder the same way (copied in
whole, then renamed), under ``requests/`` by a random name, so that no name says whose
file it is and two requests never share one. Nothing serves that folder: a file goes out
only through ``send``, after the caller checked who asks (the staff who handle the
request's organisation, or the applicant with the request's number and query code). When
a request's personal data is purged (``ops.retention``) its files are deleted.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Response, current_app, request

from portal.database import after_commit
from portal.documents import uploads
from portal.interaction.models import InfoRequest, RequestEvent, RequestFile

FOLDER = "requests"  # inside the upload folder
SLOTS = 3  # files one form takes, as the document editor
TEXT_BYTES = 1024 * 1024  # the other fields of a form that takes files


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def body_limit() -> int:
    """The largest body of a form that takes files: every slot full, and its text."""
    return int(current_app.config["UPLOAD_MAX_MB"] * 1024 * 1024) * SLOTS + TEXT_BYTES


def slot_names(prefix: str) -> list[str]:
    return [f"{prefix}_{index}" for index in range(SLOTS)]


def chosen(prefix: str) -> bool:
    """Was any file chosen in the form's slots ``<prefix>_0`` …?"""
    return any(
        (upload := request.files.get(name)) is not None and bool(upload.filename)
        for name in slot_names(prefix)
    )


@contextmanager
def received(prefix: str) -> Iterator[tuple[list[uploads.Received], dict[str, str]]]:
    """The files chosen in the slots ``<prefix>_0`` …, each checked by content and size as
    a staff upload is. Yields ``(files, errors)``; ``errors`` maps a slot to a Chinese
    message naming the refused file. Every temporary file is deleted when the block ends."""
    folder = upload_dir() / ".incoming"
    max_mb = current_app.config["UPLOAD_MAX_MB"]
    files: list[uploads.Received] = []
    errors: dict[str, str] = {}
    try:
        for name in slot_names(prefix):
            upload = request.files.get(name)
            if upload is None or not upload.filename:
                continue
            try:
                files.append(uploads.receive(upload, folder, max_mb))
            except uploads.UploadError as exc:
                errors[name] = str(exc)
        yield files, errors
    finally:
        for item in files:
            item.path.unlink(missing_ok=True)


def store(
    item: InfoRequest, kind: str, files: Iterable[uploads.Received], event: RequestEvent
) -> list[Path]:
    """Copy accepted files into the folder and add them to the request (in the caller's
    unit of work); returns the paths written, for ``remove`` if the unit of work fails."""
    written: list[Path] = []
    try:
        for received_file in files:
            stored_name = f"{FOLDER}/{secrets.token_hex(16)}{received_file.file_type.ext}"
            target = upload_dir() / stored_name
            uploads.copy_in(received_file.path, target)
            written.append(target)
            digest, size = uploads.digest_of(target)
            item.files.append(
                RequestFile(
                    kind=kind,
                    event=event,
                    filename=received_file.filename,
                    stored_name=stored_name,
                    mime_type=received_file.file_type.mime,
                    size=size,
                    sha256=digest,
                )
            )
    except BaseException:
        remove(written)
        raise
    return written


def remove(paths: Iterable[Path]) -> None:
    """Delete files written for a change that was not stored."""
    for path in paths:
        path.unlink(missing_ok=True)


def forget(rows: Iterable[RequestFile]) -> int:
    """Delete the files of ``rows`` once the current unit of work commits (never if it
    rolls back: the rows would still name them); how many there are."""
    paths = [upload_dir() / row.stored_name for row in rows]
    if paths:
        after_commit(lambda: remove(paths))
    return len(paths)


def send(row: RequestFile) -> Response:
    """The file as a download (``Content-Disposition: attachment``), never kept by a
    browser or proxy. The caller has checked that whoever asks may have it."""
    return uploads.send_stored(row.stored_name, row.mime_type, row.filename, private=True)
