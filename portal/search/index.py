"""The Whoosh index: layout on disk, following the change log, rebuild and verify.

Layout under the index directory (``PORTAL_SEARCH_INDEX``)::

    CURRENT           name of the live generation, replaced atomically by a rebuild
    gen-000003/       a Whoosh index; its ``__state__`` document holds the last change-log
                      id applied, committed together with the changes

Web workers only read. Every write (``sync``, ``rebuild``, ``verify --fix``) holds the
Whoosh write lock of the live generation, waiting for it with a timeout, so concurrent
publishers queue instead of failing. Writers apply the database change log
(``document_change``) from the last id they applied, so no committed change is lost even
if the process that made it died before indexing; applying a change re-reads the document
from the database, so applying it twice is harmless.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.index import LockError

from portal import changelog
from portal.changelog import DocumentChange
from portal.documents import content_types
from portal.documents.models import Document
from portal.extensions import db
from portal.markdown import plain_text
from portal.search import analysis
from portal.timeutil import local_date, utcnow

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 10.0  # seconds a writer waits for the lock before leaving work to the holder
GAP_GRACE = timedelta(seconds=60)  # how long a hole in the change-log ids may still fill
PARALLEL_REBUILD_FROM = 2000  # documents; below this one process indexes faster


SCHEMA_VERSION = 4  # bump when the schema or the analysis changes: indexes get rebuilt


def make_schema() -> Schema:
    tokens = analysis.PortalTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        year=NUMERIC(int, bits=16, stored=True, sortable=True),
        published=NUMERIC(int, bits=64, sortable=True, signed=True),
        updated=STORED(),
        title=TEXT(analyzer=tokens, phrase=False),
        content=TEXT(analyzer=tokens, phrase=False),
        exact=KEYWORD(lowercase=True),
    )


def document_fields(doc: Document) -> dict[str, object]:
    """What the index stores for a published document."""
    extra = doc.extra or {}
    content_type = content_types.get(doc.kind)
    text_fields = [
        doc.summary or "",
        plain_text(doc.body),
        " ".join(doc.tags or []),
        doc.topic,
        doc.publisher,
        content_type.label,
    ]
    for fld in content_type.fields:
        value = extra.get(fld.name)
        if isinstance(value, str) and fld.type in {"text", "markdown", "choice"}:
            text_fields.append(plain_text(value) if fld.type == "markdown" else value)
    exact = [doc.index_no, extra.get("doc_number"), extra.get("decision_no")]
    published = doc.published_at or doc.updated_at
    return {
        "id": str(doc.id),
        "kind": doc.kind,
        "year": local_date(published).year,
        "published": int(published.timestamp()),
        "updated": doc.updated_at.isoformat(),
        "title": doc.title,
        "content": "\n".join(text_fields),
        "exact": " ".join(analysis.normalize(v).replace(" ", "") for v in exact if v),
    }


STATE_ID = "__state__"


@dataclass
class State:
    """What a generation has applied of the change log.

    Kept as a special document inside the index, so it is committed atomically with the
    changes it describes.
    """

    last_change_id: int = 0
    gaps: dict[int, str] = field(default_factory=dict)  # missing id -> first seen (ISO UTC)
    schema: int = SCHEMA_VERSION

    @classmethod
    def read(cls, searcher) -> State:
        stored = searcher.document(id=STATE_ID)
        if not stored:
            return cls(schema=0)
        data = json.loads(stored["updated"])
        return cls(
            int(data["last_change_id"]),
            {int(k): v for k, v in data["gaps"].items()},
            int(data.get("schema", 1)),
        )

    def save(self, writer) -> None:
        payload = json.dumps(
            {"last_change_id": self.last_change_id, "gaps": self.gaps, "schema": self.schema}
        )
        writer.update_document(id=STATE_ID, updated=payload)


@dataclass
class VerifyReport:
    missing: list[int]
    stale: list[int]
    extra: list[int]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


class SearchIndex:
    """One index directory; one instance per app, shared by the threads of a process."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._ix = None
        self._searcher = None
        self._users: dict[int, int] = {}
        self._applied: tuple[str | None, int] = (None, 0)
        self.last_catch_up = 0.0  # monotonic time of the last change-log check

    # -- layout ---------------------------------------------------------------------

    def current_generation(self) -> str | None:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except OSError:
            return None
        return name if name and (self.root / name).is_dir() else None

    def _set_current(self, name: str) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name)
        tmp.replace(self.root / "CURRENT")

    def _new_generation_dir(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        number = max(numbers, default=0) + 1
        while True:
            path = self.root / f"gen-{number:06d}"
            try:
                path.mkdir()
                return path
            except FileExistsError:
                number += 1

    def exists(self) -> bool:
        name = self.current_generation()
        return name is not None and whoosh_index.exists_in(str(self.root / name))

    def open_index(self):
        """The live Whoosh index, rebuilding it first if it is missing or unreadable."""
        name = self.current_generation()
        if name is not None:
            try:
                ix = whoosh_index.open_dir(str(self.root / name))
                with ix.searcher() as searcher:
                    schema = State.read(searcher).schema
                if schema == SCHEMA_VERSION:
                    return name, ix
                log.warning("search index %s has schema %s; rebuilding", name, schema)
            except Exception:  # corrupt or half-written: rebuild, never crash
                log.warning("search index %s unreadable; rebuilding", name, exc_info=True)
                gc.collect()  # Whoosh leaves the unreadable TOC file open; close it now
        self.rebuild()
        name = self.current_generation()
        assert name is not None
        return name, whoosh_index.open_dir(str(self.root / name))

    # -- reading --------------------------------------------------------------------

    @contextmanager
    def searcher(self) -> Iterator[tuple[str, object]]:
        """An up-to-date searcher and a key that changes whenever the index does.

        A searcher is reopened (not refreshed) when another process committed. The one it
        replaces is closed once the last request using it is done.
        """
        with self._lock:
            name = self.current_generation()
            if name is None or name != self._generation or self._ix is None:
                self._generation, self._ix = self.open_index()
                self._replace(self._ix.searcher())
            elif not self._searcher.up_to_date():
                self._replace(self._ix.searcher())
            searcher = self._searcher
            self._users[id(searcher)] = self._users.get(id(searcher), 0) + 1
            key = f"{self._generation}:{searcher.reader().generation()}"
        try:
            yield key, searcher
        finally:
            with self._lock:
                self._users[id(searcher)] -= 1
                if searcher is not self._searcher and not self._users[id(searcher)]:
                    del self._users[id(searcher)]
                    searcher.close()

    def _replace(self, searcher) -> None:
        old, self._searcher = self._searcher, searcher
        if old is not None and not self._users.get(id(old)):
            self._users.pop(id(old), None)
            old.close()

    def close(self) -> None:
        """Close the cached searcher (when the app shuts down, or in tests)."""
        with self._lock:
            if self._searcher is not None and not self._users.get(id(self._searcher)):
                self._searcher.close()
            self._searcher = self._ix = self._generation = None

    def applied_change_id(self) -> int:
        """The last change-log id the live index has applied (cached per index version)."""
        with self.searcher() as (key, searcher):
            if self._applied[0] != key:
                self._applied = (key, State.read(searcher).last_change_id)
            return self._applied[1]

    # -- writing --------------------------------------------------------------------

    def _writer(self, ix, timeout: float):
        return ix.writer(timeout=timeout, delay=0.05, limitmb=64)

    def sync(self, *, timeout: float = WRITE_TIMEOUT) -> int:
        """Apply every change-log entry not yet in the index; returns how many documents.

        Waits up to ``timeout`` for the write lock. If another process holds it longer,
        that process applies our change too: a writer repeats until the log has nothing
        new, and the state it commits is read under the lock, so nothing is skipped.
        """
        applied = 0
        _, ix = self.open_index()
        while True:
            try:
                writer = self._writer(ix, timeout)
            except LockError:
                log.warning("search index busy for %.0f s; change left to the lock holder", timeout)
                return applied
            try:
                with writer.searcher() as searcher:
                    state = State.read(searcher)
                changes = self._pending_changes(state)
                if not changes:
                    writer.cancel()
                    return applied
                doc_ids = sorted({change.document_id for change in changes})
                self._apply(writer, doc_ids)
                self._advance(state, [c.id for c in changes])
                state.save(writer)
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            finally:
                db.session.rollback()  # end the read transaction: the next loop sees new rows
            applied += len(doc_ids)

    def _pending_changes(self, state: State) -> list[DocumentChange]:
        condition = DocumentChange.id > state.last_change_id
        if state.gaps:
            condition = sa.or_(condition, DocumentChange.id.in_(list(state.gaps)))
        db.session.rollback()
        return list(
            db.session.scalars(
                sa.select(DocumentChange).where(condition).order_by(DocumentChange.id).limit(5000)
            )
        )

    @staticmethod
    def _advance(state: State, ids: list[int]) -> None:
        """Move the high-water mark, remembering holes that a slower transaction may fill."""
        now = utcnow()
        seen = set(ids)
        for gap in list(state.gaps):
            first_seen = datetime.fromisoformat(state.gaps[gap])
            if gap in seen or now - first_seen > GAP_GRACE:
                del state.gaps[gap]
        top = max(ids)
        for missing in range(state.last_change_id + 1, top):
            if missing not in seen and missing not in state.gaps and len(state.gaps) < 1000:
                state.gaps[missing] = now.isoformat()
        state.last_change_id = max(state.last_change_id, top)

    def _apply(self, writer, doc_ids: list[int]) -> None:
        docs = {
            doc.id: doc
            for doc in db.session.scalars(
                sa.select(Document).where(Document.id.in_(doc_ids), Document.status == "published")
            )
        }
        for doc_id in doc_ids:
            doc = docs.get(doc_id)
            if doc is not None:
                try:
                    writer.update_document(**document_fields(doc))
                    continue
                except Exception:  # one bad document must not stop the index for all
                    log.exception("document %s could not be indexed; left out", doc_id)
            writer.delete_by_term("id", str(doc_id))

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Build a fresh generation from the database and switch to it atomically.

        Searches keep using the old generation until the switch. Changes committed while
        the rebuild runs are applied afterwards from the change log.
        """
        start_change = changelog.position()
        path = self._new_generation_dir()
        ix = whoosh_index.create_in(str(path), make_schema())
        total = (
            db.session.scalar(
                sa.select(sa.func.count(Document.id)).where(Document.status == "published")
            )
            or 0
        )
        analysis.warm_up()  # forked indexing processes inherit the loaded dictionary
        procs = min(os.cpu_count() or 1, 4) if total >= PARALLEL_REBUILD_FROM else 1
        writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=128)
        done = 0
        try:
            for doc in self._published_in_batches():
                writer.add_document(**document_fields(doc))
                done += 1
                if progress:
                    progress(done, total)
            State(last_change_id=start_change).save(writer)
            writer.commit(optimize=procs == 1)
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._set_current(path.name)
        self._remove_old_generations(keep={path.name})
        self.sync()
        return done

    def _published_in_batches(self, size: int = 500) -> Iterable[Document]:
        last_id = 0
        while True:
            batch = list(
                db.session.scalars(
                    sa.select(Document)
                    .where(Document.status == "published", Document.id > last_id)
                    .order_by(Document.id)
                    .limit(size)
                )
            )
            if not batch:
                return
            yield from batch
            last_id = batch[-1].id
            db.session.expunge_all()

    def _remove_old_generations(self, keep: set[str]) -> None:
        """Delete generations older than the previous one (a searcher may still read it)."""
        generations = sorted(p for p in self.root.glob("gen-*") if p.is_dir())
        for path in generations[:-2]:
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    # -- checking -------------------------------------------------------------------

    def indexed(self) -> dict[int, str]:
        """Every document id in the index with the ``updated_at`` it was indexed at."""
        with self.searcher() as (_, searcher):
            return {
                int(fields["id"]): fields["updated"]
                for _, fields in searcher.reader().iter_docs()
                if fields["id"] != STATE_ID
            }

    def verify(self) -> VerifyReport:
        """Compare the index with the published documents in the database."""
        indexed = self.indexed()
        rows = db.session.execute(
            sa.select(Document.id, Document.updated_at).where(Document.status == "published")
        ).all()
        in_db = {row.id: row.updated_at.isoformat() for row in rows}
        missing = sorted(set(in_db) - set(indexed))
        stale = sorted(i for i in set(in_db) & set(indexed) if in_db[i] != indexed[i])
        extra = sorted(set(indexed) - set(in_db))
        return VerifyReport(missing, stale, extra)

    def fix(self, report: VerifyReport) -> None:
        """Re-index what ``verify`` found missing or stale and remove what is extra."""
        _, ix = self.open_index()
        writer = self._writer(ix, WRITE_TIMEOUT * 3)
        try:
            self._apply(writer, report.missing + report.stale + report.extra)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise


def get_index() -> SearchIndex:
    return current_app.extensions["portal.search"]
