"""What the index holds: the Whoosh schema, a published document's fields, the state record.

Besides one document per published document the index keeps a ``__state__`` document: how
far its generation has applied the change log, committed atomically with the changes it
describes. ``index_documents`` is the one place that writes documents into a Whoosh writer,
re-read from the database, for the change log (``changes``) and ``verify --fix`` alike.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from portal.documents import content_types
from portal.documents.models import Document
from portal.markdown import plain_text
from portal.orgs.models import Organisation
from portal.search import analysis
from portal.timeutil import local_date

log = logging.getLogger(__name__)

SCHEMA_VERSION = 6  # bump when the schema or the analysis changes: indexes get rebuilt


def make_schema() -> Schema:
    tokens = analysis.PortalTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        org=ID(stored=True, sortable=True),  # the organisation's code (codes never change)
        year=NUMERIC(int, bits=16, stored=True, sortable=True),
        published=NUMERIC(int, bits=64, sortable=True, signed=True),
        updated=STORED(),
        title=TEXT(analyzer=tokens, phrase=False),
        content=TEXT(analyzer=tokens, phrase=False),
        exact=KEYWORD(lowercase=True),
    )


def document_fields(doc: Document) -> dict[str, object]:
    """What the index stores for a published document, but its organisation (``org``,
    added by ``indexed_fields``)."""
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


def org_codes(session: Session) -> dict[int, str]:
    """Every organisation's code by id, read in ``session``: an index writer may apply
    changes of an organisation created after this process loaded the directory."""
    return dict(session.execute(sa.select(Organisation.id, Organisation.code)).tuples().all())


def indexed_fields(doc: Document, codes: dict[int, str]) -> dict[str, object]:
    """Everything the index stores for a published document."""
    return {**document_fields(doc), "org": codes[doc.organisation_id]}


def index_documents(writer, session: Session, doc_ids: list[int]) -> None:
    """Index the published documents among ``doc_ids`` as ``session`` reads them now, and
    remove the others (withdrawn, deleted) from the index."""
    docs = {
        doc.id: doc
        for doc in session.scalars(
            sa.select(Document).where(Document.id.in_(doc_ids), Document.status == "published")
        )
    }
    codes = org_codes(session) if docs else {}
    for doc_id in doc_ids:
        doc = docs.get(doc_id)
        if doc is not None:
            try:
                writer.update_document(**indexed_fields(doc, codes))
                continue
            except Exception:  # one bad document must not stop the index for all
                log.exception("document %s could not be indexed; left out", doc_id)
        writer.delete_by_term("id", str(doc_id))


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
