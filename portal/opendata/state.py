"""Where the data stands, and the per-process cache of built exports and sitemaps.

Documents have a change log (``DocumentChange``); public messages get a fingerprint. A
built export is valid for one (base URL, change-log position, message fingerprint):
sizes are always kept, bodies only while they fit in ``MAX_CACHED_BYTES``, and larger
exports are streamed from the database again on each download.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask

from portal import changelog
from portal.audit import AuditRecord
from portal.changelog import DocumentChange
from portal.documents import catalog, content_types
from portal.documents.models import Document
from portal.extensions import db
from portal.interaction.models import Message
from portal.opendata.encoding import Encoder, batches
from portal.opendata.exports import EXPORTS, FORMATS, PUBLIC_MESSAGES, Record
from portal.orgs import directory

SCHEMA = "opendata-2"  # part of every ETag: bump when columns or encodings change
MAX_CACHED_BYTES = 16 * 1024 * 1024


def _aware(value: datetime | None) -> datetime | None:
    """An aware UTC datetime, should a database hand an aggregate back naive."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def messages_position() -> tuple[str, datetime | None]:
    """A fingerprint of the public messages and the time they last changed.

    Messages have no change log, but every staff action on one (answer, publish,
    unpublish) writes an audit row, and the example loader only ever adds messages; the
    count and id sum of the public set, its newest reply and the newest message audit row
    together change whenever the public list does.
    """
    public = sa.select(
        sa.func.count(Message.id), sa.func.sum(Message.id), sa.func.max(Message.replied_at)
    ).where(PUBLIC_MESSAGES)
    audited = (  # the newest message audit row: one step down ix_audit_record_target_type_id
        sa.select(AuditRecord.id, AuditRecord.created_at)
        .where(AuditRecord.target_type == "message")
        .order_by(AuditRecord.id.desc())
        .limit(1)
    )
    count, id_sum, replied = db.session.execute(public).one()
    audit_id, audit_at = db.session.execute(audited).first() or (None, None)
    replied, audit_at = _aware(replied), _aware(audit_at)
    stamps = [t for t in (replied, audit_at) if t is not None]
    return f"{count}:{id_sum}:{replied}:{audit_id}", max(stamps, default=None)


@dataclass(frozen=True)
class State:
    """Where the data stands: cache key parts, rows and last change of every export."""

    documents: tuple[int, datetime]  # change-log id and time
    messages: tuple[str, datetime | None]
    orgs: str  # fingerprint of the organisations (their codes and names are exported)
    rows: dict[str, int]
    updated: dict[str, datetime | None]

    def version(self, name: str) -> str:
        """What an export's content depends on (besides the base URL)."""
        if name == "messages":
            return f"m:{self.messages[0]}:o:{self.orgs}"
        return f"d:{self.documents[0]}:{self.documents[1].isoformat()}:o:{self.orgs}"

    def etag(self, base: str, name: str, fmt: str) -> str:
        key = f"{SCHEMA}|{base}|{name}|{fmt}|{self.version(name)}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]


def orgs_position() -> str:
    """A fingerprint of the organisations as this request loaded them (a statement every
    request makes anyway): a new organisation, or a changed name, changes it."""
    return hashlib.sha256(repr(directory.all_orgs()).encode()).hexdigest()[:16]


def _state(
    documents: tuple[int, datetime], messages: tuple[str, datetime | None], orgs: str
) -> State:
    rows: dict[str, int] = dict(catalog.counts_per_kind(None))
    rows["all"] = sum(rows.values())
    rows["messages"] = int(messages[0].split(":", 1)[0])
    # The last change of a document that is (or was) public: drafts do not touch exports.
    changed = dict(
        db.session.execute(
            sa.select(Document.kind, sa.func.max(DocumentChange.created_at))
            .join(Document, Document.id == DocumentChange.document_id)
            .where(Document.status.in_(("published", "withdrawn")))
            .group_by(Document.kind)
        )
        .tuples()
        .all()
    )
    updated: dict[str, datetime | None] = {
        kind: _aware(changed.get(kind)) for kind in content_types.REGISTRY
    }
    updated["all"] = max((t for t in updated.values() if t), default=None)
    updated["messages"] = messages[1]
    return State(documents, messages, orgs, rows, updated)


def current_state(app: Flask) -> State:
    """Where the data stands now: read the positions, the rest only when they moved."""
    documents, messages, orgs = changelog.newest(), messages_position(), orgs_position()
    cache = cache_for(app)
    with cache.lock:
        known = cache.state
    if known is not None and (known.documents, known.messages, known.orgs) == (
        documents,
        messages,
        orgs,
    ):
        return known
    state = _state(documents, messages, orgs)
    with cache.lock:
        cache.state = state
    return state


# -- the per-process cache ------------------------------------------------------------


@dataclass
class Built:
    size: int
    body: bytes | None  # None when too large to keep: stream it again


class Cache:
    """Built exports (and sitemaps) of one app, valid for one state of the data.

    ``key`` says what the entries were built from (base URL, change-log position, message
    fingerprint); any change empties the cache. Sizes are always kept, bodies only while
    they fit in ``MAX_CACHED_BYTES`` together.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: str | None = None
        self.entries: dict[tuple[str, str], Built] = {}
        self.body_bytes = 0
        self.state: State | None = None
        self.builds = 0  # how many entries were produced (measured by tests)

    def get(self, key: str, entry: tuple[str, str]) -> Built | None:
        with self.lock:
            return self.entries.get(entry) if key == self.key else None

    def put(self, key: str, entry: tuple[str, str], size: int, body: bytes | None) -> None:
        with self.lock:
            self.builds += 1
            if key != self.key:
                self.key, self.entries, self.body_bytes = key, {}, 0
            old = self.entries.pop(entry, None)
            if old is not None and old.body is not None:
                self.body_bytes -= len(old.body)
            if body is not None and self.body_bytes + len(body) > MAX_CACHED_BYTES:
                body = None
            self.body_bytes += len(body or b"")
            self.entries[entry] = Built(size, body)


def cache_for(app: Flask) -> Cache:
    return app.extensions.setdefault("portal.opendata", Cache())


def cache_key(state: State, base: str) -> str:
    return f"{base}|{state.version('all')}|{state.version('messages')}"


def recording(
    pieces: Iterator[bytes], store: Callable[[int, bytes | None], None]
) -> Iterator[bytes]:
    """Pass ``pieces`` through, then ``store(size, body)`` once they have all been sent.

    The body is kept only while it stays under ``MAX_CACHED_BYTES``; a client that hangs
    up early stores nothing.
    """
    kept: list[bytes] | None = []
    size = 0
    for piece in pieces:
        size += len(piece)
        if kept is not None:
            kept.append(piece)
            if size > MAX_CACHED_BYTES:
                kept = None
        yield piece
    store(size, b"".join(kept) if kept is not None else None)


class _Sink:
    """Collects one entry's output while measuring: its size, and its body within budget."""

    def __init__(self) -> None:
        self.size = 0
        self.pieces: list[bytes] | None = []

    def add(self, text: str) -> int:
        """Count ``text``; returns how many bytes of it are kept."""
        data = text.encode()
        self.size += len(data)
        if self.pieces is None:
            return 0
        self.pieces.append(data)
        return len(data)


def measure(app: Flask, state: State, base: str) -> dict[tuple[str, str], int]:
    """The size of every export, building whatever the cache lacks.

    The document exports are built together in one pass over the published documents
    (the per-kind files are the same rows in the same order, so each row is read once),
    keeping the bodies while they fit in ``MAX_CACHED_BYTES``.
    """
    cache, key = cache_for(app), cache_key(state, base)
    sizes: dict[tuple[str, str], int] = {}
    missing = []
    for name in EXPORTS:
        for fmt in FORMATS:
            found = cache.get(key, (name, fmt))
            if found is None:
                missing.append((name, fmt))
            else:
                sizes[name, fmt] = found.size
    if not missing:
        return sizes
    documents = [e for e in missing if e[0] != "messages"]
    messages = [e for e in missing if e[0] == "messages"]
    for entries, by_kind in ((documents, True), (messages, False)):
        if not entries:
            continue
        encoders = {e: Encoder(EXPORTS[e[0]], e[1], state.updated[e[0]]) for e in entries}
        sinks = {e: _Sink() for e in entries}
        kept = sum(sinks[e].add(encoder.head()) for e, encoder in encoders.items())
        read = EXPORTS["all" if by_kind else "messages"].reader()
        for batch in batches(read(db.session.connection())):
            by_name: dict[str, list[Record]] = {"all": batch, "messages": batch}
            for record in batch if by_kind else ():
                by_name.setdefault(record["kind"], []).append(record)
            for entry, encoder in encoders.items():
                kept += sinks[entry].add(encoder.rows(by_name.get(entry[0], [])))
            if kept > MAX_CACHED_BYTES:  # stop keeping the largest bodies first
                for sink in sorted(sinks.values(), key=lambda s: -s.size):
                    if kept <= MAX_CACHED_BYTES:
                        break
                    if sink.pieces is not None:
                        sink.pieces, kept = None, kept - sink.size
        for entry, encoder in encoders.items():
            sink = sinks[entry]
            sink.add(encoder.tail())
            body = b"".join(sink.pieces) if sink.pieces is not None else None
            cache.put(key, entry, sink.size, body)
            sizes[entry] = sink.size
    return sizes
