"""The Solr backend: the same search, sync, rebuild and verify as the Whoosh index, over a
SolrCloud collection shared by every web host.

The portal analyses the text itself (the same normalisation, jieba segmentation, sub-words
and traditional-to-simplified folding as for Whoosh) and sends each field as space-separated
tokens, so both backends match and rank the same words; Solr's configset
(``solr/configset``) only splits on whitespace. Queries are built from the same
``QueryPlan`` (``solr_query``). Documents reach Solr only from the change log: one sync
worker at a time (a PostgreSQL advisory lock; a process lock on SQLite), every document sent
with the id of the change that produced it as its version, so an older update that arrives
late never overwrites a newer one (Solr's ``DocBasedVersionConstraintsProcessorFactory``).
Where the log has been applied up to is kept in Solr itself, in the ``__state__`` document.
Rebuilding fills a new collection and then swaps the alias the portal searches.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.changelog import DocumentChange
from portal.documents.models import Document
from portal.extensions import db
from portal.search import analysis, solr_admin, solr_query
from portal.search.changes import advance
from portal.search.index import VerifyReport, _published_in_batches
from portal.search.schema import SCHEMA_VERSION, STATE_ID, State, indexed_fields, org_codes
from portal.search.solr_client import SolrClient, SolrTarget, SolrUnavailable

log = logging.getLogger(__name__)

BATCH = 500  # documents per update request
LOCK_KEY = 0x5EA2C4  # the PostgreSQL advisory lock held by the one sync worker
LOCK_WAIT = "10s"
PARALLEL_FROM = 2000  # documents; below this one process analyses them faster
STATE_EVERY = 0.5  # seconds an applied position read from Solr is reused


def solr_fields(doc: Document, codes: dict[int, str], change_id: int) -> dict[str, Any]:
    """A published document as Solr stores it: pre-analysed tokens plus filter columns."""
    return analysed({**indexed_fields(doc, codes), "change_id": change_id})


def analysed(fields: dict[str, Any]) -> dict[str, Any]:
    """``indexed_fields`` (plus ``change_id``) with the text fields turned into tokens: the
    costly part (jieba), run in worker processes while rebuilding."""
    return {
        "id": fields["id"],
        "kind": fields["kind"],
        "org": fields["org"],
        "year": fields["year"],
        "published": fields["published"],
        "updated": fields["updated"],
        "title_t": " ".join(analysis.index_tokens(str(fields["title"]))),
        "content_t": " ".join(analysis.index_tokens(str(fields["content"]))),
        "exact": fields["exact"],
        "change_id": fields["change_id"],
    }


class SolrBackend:
    """One SolrCloud collection (alias); one instance per app, shared by its threads."""

    name = "solr"

    def __init__(self, url: str, *, shards: int = 1, replicas: int = 2):
        self.target = SolrTarget.parse(url)
        self.client = SolrClient(self.target)
        self.shards = shards
        self.replicas = replicas
        self._process_lock = threading.Lock()
        self._state: tuple[float, State] | None = None
        self.last_catch_up = 0.0

    # -- reading --------------------------------------------------------------------

    def state(self, *, fresh: bool = False) -> State:
        """Where the collection is in the change log (real-time get: sees what is sent but
        not yet visible to searches)."""
        now = time.monotonic()
        if not fresh and self._state and now - self._state[0] < STATE_EVERY:
            return self._state[1]
        answer = self.client.request("GET", "/get", params={"id": STATE_ID}, timeout=5)
        stored = answer.get("doc")
        state = State(schema=0) if not stored else _state_from(stored["updated"])
        self._state = (now, state)
        return state

    def applied_change_id(self) -> int:
        return self.state().last_change_id

    def cache_key(self) -> str:
        return f"solr:{self.target.collection}:{self.applied_change_id()}"

    def exists(self) -> bool:
        try:
            return self.state(fresh=True).schema != 0
        except Exception:
            return False

    def rank(self, plan: Any, filters: Any, sort: str, start: int, rows: int) -> solr_query.Ranked:
        return solr_query.rank(self.client, plan, filters, sort, start, rows)

    def vocabulary(self) -> dict[str, int]:
        return solr_query.vocabulary(self.client)

    # -- writing --------------------------------------------------------------------

    def sync(self, *, timeout: float = 10.0) -> int:
        """Apply every change-log entry Solr has not seen; returns how many documents.

        One worker at a time: a second one waits up to ``timeout`` for the lock and, if the
        first holds it longer, leaves the work to it (it repeats until nothing is new).
        """
        applied = 0
        with self._process_lock, Session(db.engine) as session, session.begin():
            if not _advisory_lock(session, timeout):
                log.warning("another worker is updating Solr; change left to it")
                return 0
            while True:
                state = self.state(fresh=True)
                if state.schema == 0:  # an empty collection: follow the log from its start
                    state = State()
                change_ids, latest = _pending(session, state)
                if not change_ids:
                    return applied
                self._send(session, latest)
                advance(state, change_ids)
                self._save_state(state)
                applied += len(latest)
                session.expire_all()

    def _send(self, session: Session, latest: dict[int, int], collection: str | None = None):
        """Index the published documents among ``latest`` (id → newest change id) and delete
        the others, then make it all visible (a soft commit)."""
        docs = {
            doc.id: doc
            for doc in session.scalars(
                sa.select(Document).where(
                    Document.id.in_(list(latest)), Document.status == "published"
                )
            )
        }
        codes = org_codes(session) if docs else {}
        adds = []
        for doc_id, change_id in latest.items():
            doc = docs.get(doc_id)
            if doc is None:
                self.client.request(
                    "POST",
                    "/update",
                    params={"del_version": change_id},
                    json={"delete": {"id": str(doc_id)}},
                    collection=collection,
                )
                continue
            try:
                adds.append(solr_fields(doc, codes, change_id))
            except Exception:  # one bad document must not stop the others
                log.exception("document %s could not be prepared for Solr; left out", doc_id)
        for start in range(0, len(adds), BATCH):
            self.client.request(
                "POST", "/update", json=adds[start : start + BATCH], collection=collection
            )
        self.client.request(
            "POST", "/update", params={"softCommit": "true"}, json=[], collection=collection
        )

    def _save_state(self, state: State, collection: str | None = None) -> None:
        payload = json.dumps(
            {"last_change_id": state.last_change_id, "gaps": state.gaps, "schema": state.schema}
        )
        # The state's own version only has to grow: the time in microseconds does.
        record = {"id": STATE_ID, "updated": payload, "change_id": time.time_ns() // 1000}
        self.client.request(
            "POST",
            "/update",
            params={"softCommit": "true"},
            json=[record],
            collection=collection,
        )
        self._state = (time.monotonic(), state)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Fill a new collection from the database, then point the alias at it.

        Searches keep using the old collection until the swap; what is committed meanwhile
        is applied from the change log afterwards.
        """
        alias = self.target.collection
        new = f"{alias}_{datetime.now().strftime('%Y%m%d%H%M%S%f')}"
        nodes = self.client.nodes
        solr_admin.setup(
            nodes, new, config_name=alias, num_shards=self.shards, replication_factor=self.replicas
        )
        done = 0
        try:
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

                def raw() -> Iterator[dict[str, Any]]:
                    nonlocal codes
                    for doc in _published_in_batches(session):
                        if doc.organisation_id not in codes:  # created while this runs
                            codes = org_codes(session)
                        yield {**indexed_fields(doc, codes), "change_id": start_change}

                with _analysers(total) as analyse:
                    batch: list[dict[str, Any]] = []
                    for fields in analyse(raw()):
                        batch.append(fields)
                        if len(batch) >= BATCH:
                            self.client.request("POST", "/update", json=batch, collection=new)
                            done += len(batch)
                            batch = []
                            if progress:
                                progress(done, total)
                    if batch:
                        self.client.request("POST", "/update", json=batch, collection=new)
                        done += len(batch)
                        if progress:
                            progress(done, total)
            self.client.request(
                "POST", "/update", params={"commit": "true"}, json=[], collection=new
            )
            self._save_state(State(last_change_id=start_change), collection=new)
        except BaseException:
            solr_admin.delete_collection(nodes, new)
            raise
        old = solr_admin.alias_targets(nodes, alias)
        solr_admin.create_alias(nodes, alias, new)
        for name in old:
            if name != new:
                solr_admin.delete_collection(nodes, name)
        self._state = None
        self.sync()
        return done

    # -- checking -------------------------------------------------------------------

    def indexed(self) -> dict[int, str]:
        """Every document id in Solr with the ``updated_at`` it was indexed at."""
        return solr_query.indexed(self.client)

    def verify(self) -> VerifyReport:
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
        """Send again what ``verify`` found missing or stale, delete what is extra (each at
        the newest change id the log has for it, so nothing newer is overwritten)."""
        ids = report.missing + report.stale + report.extra
        if not ids:
            return
        with Session(db.engine) as session:
            rows = session.execute(
                sa.select(DocumentChange.document_id, sa.func.max(DocumentChange.id))
                .where(DocumentChange.document_id.in_(ids))
                .group_by(DocumentChange.document_id)
            ).all()
            newest = {doc_id: change_id for doc_id, change_id in rows}
            floor = self.state(fresh=True).last_change_id
            self._send(session, {i: newest.get(i, floor) for i in ids})

    def close(self) -> None:
        self._state = None


@contextmanager
def _analysers(total: int) -> Iterator[Callable[[Iterable[dict[str, Any]]], Iterator[Any]]]:
    """Run ``analysed`` over many documents: in this process for a few, else in a pool of
    forked workers (one per CPU, each with the dictionary already loaded), in order."""
    analysis.warm_up()
    procs = min(os.cpu_count() or 1, 4)
    if total < PARALLEL_FROM or procs < 2:
        yield lambda docs: map(analysed, docs)
        return
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        yield lambda docs: pool.imap(analysed, docs, chunksize=64)


def _state_from(payload: Any) -> State:
    if isinstance(payload, list):  # a multi-valued answer from an older schema
        payload = payload[0]
    data = json.loads(payload)
    return State(
        int(data["last_change_id"]),
        {int(k): v for k, v in data.get("gaps", {}).items()},
        int(data.get("schema", 1)),
    )


def _advisory_lock(session: Session, timeout: float) -> bool:
    """Hold the sync lock until ``session``'s transaction ends (PostgreSQL); SQLite serves
    one host, where the process lock already serialises the workers of this process."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    if timeout <= 0:  # only if free now (0 would mean "wait for ever" to lock_timeout)
        return bool(session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(LOCK_KEY))))
    session.execute(sa.text(f"SET LOCAL lock_timeout = '{int(timeout * 1000)}ms'"))
    try:
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
    except sa.exc.OperationalError:
        session.rollback()
        session.begin()
        return False
    return True


def _pending(session: Session, state: State, limit: int = 5000) -> tuple[list[int], dict[int, int]]:
    """The next change-log ids to apply, and each changed document's newest change id."""
    condition = DocumentChange.id > state.last_change_id
    if state.gaps:
        condition = sa.or_(condition, DocumentChange.id.in_(list(state.gaps)))
    rows = session.execute(
        sa.select(DocumentChange.id, DocumentChange.document_id)
        .where(condition)
        .order_by(DocumentChange.id)
        .limit(limit)
    ).all()
    latest: dict[int, int] = {}
    for change_id, doc_id in rows:
        latest[doc_id] = max(change_id, latest.get(doc_id, 0))
    return [row.id for row in rows], latest


__all__ = ["SCHEMA_VERSION", "SolrBackend", "SolrUnavailable", "VerifyReport"]
