"""错敏词 in every published document, against the whole list: ``flask --app app check
words`` rebuilds the dashboard's warnings (``WordHit``) after the list or the shipped words
changed, and names the hits no reviewer acknowledged when publishing (the audit log keeps
each acknowledgement)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal import audit
from portal.audit import AuditRecord
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.documents import wordcheck
from portal.documents.models import Document, WordHit
from portal.extensions import db


@dataclass(frozen=True)
class Finding:
    """A listed word in a published document, and whether a reviewer acknowledged it."""

    organisation_id: int
    document_id: int
    title: str
    word: str
    acknowledged: bool


@dataclass
class Recheck:
    documents: int = 0  # published documents checked
    findings: list[Finding] = field(default_factory=list)

    @property
    def unacknowledged(self) -> list[Finding]:
        return [f for f in self.findings if not f.acknowledged]


def _acknowledged(doc_ids: list[int]) -> dict[int, set[str]]:
    """The words a reviewer acknowledged when publishing each of ``doc_ids`` (audit log)."""
    words: dict[int, set[str]] = {}
    if not doc_ids:
        return words
    for doc_id, detail in db.session.execute(
        sa.select(AuditRecord.target_id, AuditRecord.detail).where(
            AuditRecord.action == "wordcheck_acknowledged",
            AuditRecord.target_type == "document",
            AuditRecord.target_id.in_(doc_ids),
        )
    ).tuples():
        words.setdefault(doc_id, set()).update((detail or {}).get("words", []))
    return words


def recheck(actor: Actor, org_id: int | None = None) -> Recheck:
    """Check every published document of ``org_id`` (None: of every organisation) against
    the whole list again, keeping what is found for the dashboard (words taken off the list
    leave it): one unit of work per batch, so publishing is never held up for long."""
    require(actor, Permission.MAINTAIN, org_id)
    words = wordcheck.entries()
    report = Recheck()
    scope = () if org_id is None else (Document.organisation_id == org_id,)
    last = 0
    while True:
        with unit_of_work():
            batch = wordcheck.published_batch(last, *scope)
            if not batch:
                break
            ids = [doc.id for doc in batch]
            db.session.execute(sa.delete(WordHit).where(WordHit.document_id.in_(ids)))
            found = {
                doc.id: sorted({hit.word for hit in wordcheck.scan(doc, words)}) for doc in batch
            }
            db.session.add_all(
                WordHit(document_id=doc_id, word=word)
                for doc_id, hit_words in found.items()
                for word in hit_words
            )
            acknowledged = _acknowledged([doc_id for doc_id, hit in found.items() if hit])
            report.findings += [
                Finding(
                    doc.organisation_id,
                    doc.id,
                    doc.title,
                    word,
                    word in acknowledged.get(doc.id, set()),
                )
                for doc in batch
                for word in found[doc.id]
            ]
            report.documents += len(batch)
            last = batch[-1].id
    with unit_of_work():
        audit.record(
            actor.name,
            "wordcheck_rechecked",
            "system",
            0,
            org_id=org_id,
            documents=report.documents,
            found=len(report.findings),
            unacknowledged=len(report.unacknowledged),
        )
    return report
