"""The Whoosh index of one app: searchers kept up to date, rebuild, verify and fix.

Web workers only read. Every write (``sync``, ``rebuild``, ``verify --fix``) holds the
Whoosh write lock of the live generation, waiting for it with a timeout, so concurrent
publishers queue instead of failing. The folders on disk are ``generations``' business,
what the index stores ``schema``'s, and following the change log ``changes``'.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index

from portal.changelog import DocumentChange
from portal.documents.models import Document
from portal.extensions import db
from portal.search import analysis, generations
from portal.search.changes import WRITE_TIMEOUT, apply_pending, locked_writer
from portal.search.schema import (
    SCHEMA_VERSION,
    STATE_ID,
    State,
    index_documents,
    indexed_fields,
    make_schema,
    org_codes,
)

log = logging.getLogger(__name__)

PARALLEL_REBUILD_FROM = 2000  # documents; below this one process indexes faster


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
        self._ix: Any = None  # whoosh Index and Searcher (Whoosh has no types)
        self._searcher: Any = None
        self._users: dict[int, int] = {}
        self._applied: tuple[str | None, int] = (None, 0)
        self.last_catch_up = 0.0  # monotonic time of the last change-log check

    # -- opening --------------------------------------------------------------------

    def current_generation(self) -> str | None:
        return generations.current(self.root)

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
    def searcher(self) -> Iterator[tuple[str, Any]]:
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

    def vocabulary(self) -> dict[str, int]:
        """The CJK words of 2-8 characters in titles and content, with how many documents
        hold each (per field, added up): what ``lexicon`` keys by pinyin."""
        from portal.search.lexicon import CJK_WORD

        words: dict[str, int] = {}
        with self.searcher() as (_, searcher):
            reader = searcher.reader()
            for fieldname in ("title", "content"):
                for raw in reader.lexicon(fieldname):
                    term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                    if CJK_WORD.match(term):
                        count = reader.doc_frequency(fieldname, term)
                        words[term] = words.get(term, 0) + count
        return words

    def cache_key(self) -> str:
        """Changes whenever what a search finds may change (folder, generation, commit)."""
        with self.searcher() as (generation, _):
            return f"{self.root}:{generation}"

    def applied_change_id(self) -> int:
        """The last change-log id the live index has applied (cached per index version)."""
        with self.searcher() as (key, searcher):
            if self._applied[0] != key:
                self._applied = (key, State.read(searcher).last_change_id)
            return self._applied[1]

    # -- writing --------------------------------------------------------------------

    def sync(self, *, timeout: float = WRITE_TIMEOUT) -> int:
        """Apply every change-log entry not yet in the index; returns how many documents
        (waiting up to ``timeout`` for the write lock, see ``changes.apply_pending``)."""
        _, ix = self.open_index()
        return apply_pending(ix, timeout)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Build a fresh generation from the database and switch to it atomically.

        Searches keep using the old generation until the switch. Changes committed while
        the rebuild runs are applied afterwards from the change log.
        """
        path = generations.new_folder(self.root)
        ix = whoosh_index.create_in(str(path), make_schema())
        # Read in a session of its own, the caller's (a request's) left as it was: the change
        # log's position first, so what commits while the documents are read is applied after.
        with Session(db.engine) as session:
            start_change = session.scalar(sa.select(sa.func.max(DocumentChange.id))) or 0
            total = (
                session.scalar(
                    sa.select(sa.func.count())
                    .select_from(Document)
                    .where(Document.status == "published")
                )
                or 0
            )
            codes = org_codes(session)
            analysis.warm_up()  # forked indexing processes inherit the loaded dictionary
            procs = min(os.cpu_count() or 1, 4) if total >= PARALLEL_REBUILD_FROM else 1
            writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=128)
            done = 0
            try:
                for doc in _published_in_batches(session):
                    if doc.organisation_id not in codes:  # created while this rebuild runs
                        codes = org_codes(session)
                    writer.add_document(**indexed_fields(doc, codes))
                    done += 1
                    if progress:
                        progress(done, total)
                State(last_change_id=start_change).save(writer)
                writer.commit(optimize=procs == 1)
            except BaseException:
                writer.cancel()
                shutil.rmtree(path, ignore_errors=True)
                raise
        generations.set_current(self.root, path.name)
        generations.remove_old(self.root, keep={path.name})
        self.sync()
        return done

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
        writer = locked_writer(ix, WRITE_TIMEOUT * 3)
        try:
            index_documents(writer, db.session(), report.missing + report.stale + report.extra)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise


def _published_in_batches(session: Session, size: int = 500) -> Iterable[Document]:
    """Every published document in id order, ``size`` at a time in ``session``'s memory."""
    last_id = 0
    while True:
        batch = list(
            session.scalars(
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
        session.expunge_all()


def get_index() -> SearchIndex:
    return current_app.extensions["portal.search"]
