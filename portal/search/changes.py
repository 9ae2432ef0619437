"""Following the change log: applying to the index every change it has not seen yet.

A writer holds the live generation's Whoosh write lock, waiting for it with a timeout, so
concurrent publishers queue instead of failing. It applies the database change log
(``document_change``) from the last id the generation applied, so no committed change is
lost even if the process that made it died before indexing; applying a change re-reads the
document, so applying it twice is harmless. Ids can commit out of order, so a hole below
the high-water mark is remembered for a while (``GAP_GRACE``) in case it fills.

Each round reads the log and the documents in a short session of its own, begun after the
lock was taken: it sees every change committed by then, and the caller's session (a
request's, a publishing unit of work's) is never rolled back or otherwise touched.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from whoosh.index import LockError

from portal.changelog import DocumentChange
from portal.extensions import db
from portal.search.schema import State, index_documents
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 10.0  # seconds a writer waits for the lock before leaving work to the holder
GAP_GRACE = timedelta(seconds=60)  # how long a hole in the change-log ids may still fill
BATCH = 5000  # change-log rows applied in one commit


def locked_writer(ix, timeout: float):
    """A writer of ``ix`` holding its write lock, waited for up to ``timeout`` seconds."""
    return ix.writer(timeout=timeout, delay=0.05, limitmb=64)


def apply_pending(ix, timeout: float = WRITE_TIMEOUT) -> int:
    """Apply every change-log entry not yet in ``ix``; returns how many documents.

    Waits up to ``timeout`` for the write lock. If another process holds it longer,
    that process applies our change too: a writer repeats until the log has nothing
    new, and the state it commits is read under the lock, so nothing is skipped.
    """
    applied = 0
    while True:
        try:
            writer = locked_writer(ix, timeout)
        except LockError:
            log.warning("search index busy for %.0f s; change left to the lock holder", timeout)
            return applied
        try:
            with writer.searcher() as searcher:
                state = State.read(searcher)
            with Session(db.engine) as session:  # a fresh read: the next round sees new rows
                change_ids, doc_ids = _pending(session, state)
                if not change_ids:
                    writer.cancel()
                    return applied
                index_documents(writer, session, doc_ids)
            advance(state, change_ids)
            state.save(writer)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        applied += len(doc_ids)


def _pending(session: Session, state: State) -> tuple[list[int], list[int]]:
    """The next change-log ids to apply (in order) and the documents they changed."""
    condition = DocumentChange.id > state.last_change_id
    if state.gaps:
        condition = sa.or_(condition, DocumentChange.id.in_(list(state.gaps)))
    rows = session.execute(
        sa.select(DocumentChange.id, DocumentChange.document_id)
        .where(condition)
        .order_by(DocumentChange.id)
        .limit(BATCH)
    ).all()
    return [row.id for row in rows], sorted({row.document_id for row in rows})


def advance(state: State, ids: list[int]) -> None:
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
