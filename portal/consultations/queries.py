"""What the pages read about a consultation: its questions, opinions, counts and tallies."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from portal.auth.actor import Actor, Permission
from portal.consultations.models import ADOPTION, ADOPTION_FIELDS, Opinion, Question
from portal.consultations.tallies import QuestionTally, tally
from portal.documents.models import Document
from portal.extensions import db

MAX_ID = 2**31 - 1
COUNTED = Opinion.quarantined.is_(False)  # quarantined (automated-looking) opinions never count


#: Staff who work on consultations hold one of these in the consultation's organisation.
WORK = (Permission.SET_QUESTIONS, Permission.MODERATE_OPINIONS, Permission.PUBLISH_RESULTS)


def works_on(actor: Actor, org_id: int) -> bool:
    return any(actor.may(permission, org_id) for permission in WORK)


def scope(actor: Actor) -> sa.ColumnElement[bool]:
    """The consultations ``actor`` works on, as a WHERE clause on ``Document``."""
    return sa.or_(*(actor.scope(Document.organisation_id, permission) for permission in WORK))


def consultation(doc_id: int, actor: Actor) -> Document | None:
    """The consultation document with this id (any status) if ``actor`` works on its
    organisation's consultations; None otherwise (another office's is as absent)."""
    doc = db.session.get(Document, doc_id) if 0 < doc_id <= MAX_ID else None
    if doc is None or doc.kind != "consultation" or not works_on(actor, doc.organisation_id):
        return None
    return doc


def questions(doc: Document) -> list[Question]:
    return list(
        db.session.scalars(
            sa.select(Question).where(Question.document_id == doc.id).order_by(Question.position)
        )
    )


def received(doc: Document) -> int:
    """Opinions received (the quarantined ones are not counted)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Opinion.id)).where(Opinion.document_id == doc.id, COUNTED)
        )
        or 0
    )


def counts_by_status(doc: Document) -> dict[str, int]:
    """Counted opinions per moderation status, plus ``quarantined``."""
    rows = db.session.execute(
        sa.select(Opinion.status, Opinion.quarantined, sa.func.count(Opinion.id))
        .where(Opinion.document_id == doc.id)
        .group_by(Opinion.status, Opinion.quarantined)
    ).all()
    counts = {"received": 0, "published": 0, "hidden": 0, "quarantined": 0}
    for status, quarantined, n in rows:
        counts["quarantined" if quarantined else status] += n
    return counts


def published_opinions(doc: Document, limit: int = 200) -> list[Opinion]:
    """Opinions staff published, oldest first, loading only what the public may see."""
    return list(
        db.session.scalars(
            sa.select(Opinion)
            .options(load_only(Opinion.id, Opinion.public_content, Opinion.received_at))
            .where(Opinion.document_id == doc.id, Opinion.status == "published", COUNTED)
            .order_by(Opinion.received_at, Opinion.id)
            .limit(limit)
        )
    )


def tallies(doc: Document, asked: list[Question] | None = None) -> list[QuestionTally]:
    """The answers to every question, counted over the counted opinions."""
    asked = questions(doc) if asked is None else asked
    if not asked:
        return []
    answers = db.session.scalars(
        sa.select(Opinion.answers).where(Opinion.document_id == doc.id, COUNTED)
    )
    return tally(asked, (a or {} for a in answers))


@dataclass(frozen=True)
class Adoption:
    """How many counted opinions were adopted, partly adopted, not adopted or not yet decided."""

    adopted: int
    partly: int
    rejected: int
    undecided: int

    def as_fields(self) -> dict[str, int]:
        """The consultation's registry fields that hold the published counts."""
        return {ADOPTION_FIELDS[code]: getattr(self, code) for code in ADOPTION}


def adoption(doc: Document) -> Adoption:
    """Decisions on the counted opinions as they stand now (staff view)."""
    rows = dict(
        db.session.execute(
            sa.select(Opinion.adoption, sa.func.count(Opinion.id))
            .where(Opinion.document_id == doc.id, COUNTED)
            .group_by(Opinion.adoption)
        )
        .tuples()
        .all()
    )
    undecided = sum(n for code, n in rows.items() if code not in ADOPTION)
    return Adoption(
        rows.get("adopted", 0), rows.get("partly", 0), rows.get("rejected", 0), undecided
    )


def published_adoption(doc: Document) -> list[tuple[str, str, int]]:
    """The adoption counts published with the result, as (code, 中文, count); [] if none."""
    extra = doc.extra or {}
    if not any(extra.get(name) is not None for name in ADOPTION_FIELDS.values()):
        return []
    return [
        (code, label, int(extra.get(ADOPTION_FIELDS[code]) or 0))
        for code, label in ADOPTION.items()
    ]
