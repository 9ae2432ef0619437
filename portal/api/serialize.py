"""What the API says about a document or a message: exactly what the public pages show.

Kind-specific fields come from the registry: those marked ``public`` (the 公开目录 table)
plus the few the detail page shows elsewhere. Internal fields such as an enforcement
party's type never leave the office; a test keeps every registry field in one of the sets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from portal.consultations import queries as consultations
from portal.documents import catalog, content_types
from portal.documents.models import Attachment, Document
from portal.interaction.deadlines import working_days_taken
from portal.interaction.models import Message
from portal.markdown import render
from portal.orgs import directory
from portal.orgs.models import CONTACT_FIELDS
from portal.states import DocumentStatus
from portal.timeutil import local_date, to_local
from portal.web.urls import absolute

# Not in the metadata table, but shown on the public page: the FAQ's question above the
# answer, a consultation's published results (summary, date, adoption counts).
SHOWN_ON_PAGE = frozenset(
    {
        "question",
        "result_summary",
        "result_published_on",
        "result_adopted",
        "result_partly_adopted",
        "result_not_adopted",
    }
)
# Shown only as a link to the published document it names (see ``document_ref``).
LINKED = frozenset({"interpretation"})
# Never public.
INTERNAL = frozenset({"party_type"})


def published_fields(content_type: content_types.ContentType) -> tuple[content_types.Field, ...]:
    """The kind's own fields the API publishes, in registry order."""
    return tuple(f for f in content_type.fields if f.public or f.name in SHOWN_ON_PAGE)


def iso(value: datetime | None) -> str | None:
    """An instant as ISO 8601 in Asia/Shanghai (``2024-05-01T10:00:00+08:00``)."""
    return None if value is None else to_local(value).isoformat(timespec="seconds")


def api_url(doc: Document) -> str:
    """The document's detail in the API (``?org=`` for an organisation other than home)."""
    org = doc.organisation
    args: dict[str, Any] = {} if org.is_home else {"org": org.code}
    return absolute(url_for("api.document", kind=doc.kind, slug=doc.slug, **args))


def document_summary(doc: Document) -> dict[str, Any]:
    """The list view of a document (no body, no attachments)."""
    extra = doc.extra or {}
    return {
        "kind": doc.kind,
        "kind_label": doc.kind_label,
        "slug": doc.slug,
        "title": doc.title,
        "summary": doc.summary or "",
        "publisher": doc.publisher,
        "organisation": directory.as_json(doc.organisation),
        "index_no": doc.index_no,
        "topic": doc.topic,
        "topic_code": doc.topic_code,
        "tags": list(doc.tags or []),
        "fields": {
            f.name: extra[f.name]
            for f in published_fields(doc.content_type)
            if extra.get(f.name) not in (None, "")
        },
        "illustrative": bool(doc.illustrative),
        "published_at": iso(doc.published_at),
        "updated_at": iso(doc.updated_at),
        "url": absolute(doc.url),
        "api_url": api_url(doc),
    }


def document_ref(doc: Document) -> dict[str, Any]:
    """A short reference to another published document."""
    return {
        "kind": doc.kind,
        "slug": doc.slug,
        "title": doc.title,
        "url": absolute(doc.url),
        "api_url": api_url(doc),
    }


def attachment(item: Attachment) -> dict[str, Any]:
    return {
        "title": item.title,
        "filename": item.filename,
        "size": item.size,
        "mime_type": item.mime_type,
        "sha256": item.sha256,
        "url": absolute(item.url),
    }


def document_detail(
    doc: Document, interpretation: Document | None, interprets: list[Document]
) -> dict[str, Any]:
    """Everything the public page of a document shows, as data."""
    data = document_summary(doc)
    extra = doc.extra or {}
    data.update(
        {
            "status": doc.status,
            "withdrawn_at": iso(doc.withdrawn_at) if doc.status == WITHDRAWN else None,
            "withdrawn_reason": doc.withdrawn_reason if doc.status == WITHDRAWN else None,
            "body_markdown": doc.body or "",
            "body_html": doc.body_html or "",
            "fields_html": {
                f.name: render(extra[f.name])
                for f in published_fields(doc.content_type)
                if f.type == "markdown" and extra.get(f.name)
            },
            "attachments": [attachment(a) for a in doc.attachments],
            "interpretation": document_ref(interpretation) if interpretation else None,
            "interprets": [document_ref(d) for d in interprets],
            "consultation": consultation(doc) if doc.kind == "consultation" else None,
        }
    )
    return data


def consultation(doc: Document) -> dict[str, Any]:
    """What a consultation's page shows besides its fields: state, questions, published
    opinions (masked text only) and, once the result is out, adoption counts and tallies."""
    state = catalog.consultation_state(doc.extra or {})
    asked = consultations.questions(doc)
    result = None
    if state.code == "result":
        counts = {code: count for code, _, count in consultations.published_adoption(doc)}
        result = {
            "published_on": (doc.extra or {}).get("result_published_on"),
            "adoption": counts or None,
            "tallies": [
                {
                    "number": t.question.number,
                    "question": t.question.text,
                    "type": t.question.kind,
                    "respondents": t.respondents,
                    "options": [
                        {"label": b.label, "count": b.count, "percent": b.percent} for b in t.bars
                    ],
                }
                for t in consultations.tallies(doc, asked)
            ],
        }
    return {
        "state": state.code,
        "state_label": state.label,
        "days_left": state.days_left,
        "opinions_received": consultations.received(doc),
        "questions": [
            {
                "number": q.number,
                "text": q.text,
                "type": q.kind,
                "required": q.required,
                "options": list(q.options),
            }
            for q in asked
        ],
        "opinions": [
            {
                "received_on": local_date(o.received_at).isoformat(),
                "content": o.public_content or "",
            }
            for o in consultations.published_opinions(doc)
        ],
        "result": result,
    }


WITHDRAWN = DocumentStatus.WITHDRAWN

# The columns of a public message; the resident's own subject, text, name and contact
# are never even loaded.
MESSAGE_COLUMNS = (
    Message.id,
    Message.public_subject,
    Message.public_content,
    Message.category,
    Message.received_at,
    Message.public_reply,
    Message.reply_department,
    Message.replied_at,
    Message.is_example,
)


def message(item: Message) -> dict[str, Any]:
    """A published message as the /messages/ page shows it (masked by the office)."""
    assert item.replied_at is not None  # only answered messages are public
    return {
        "subject": item.public_subject or "",
        "content": item.public_content or "",
        "category": item.category,
        "received_on": local_date(item.received_at).isoformat(),
        "reply_department": item.reply_department or "",
        "reply": item.public_reply or "",
        "replied_on": local_date(item.replied_at).isoformat(),
        "working_days": working_days_taken(item.received_at, item.replied_at),
        "illustrative": bool(item.is_example),
    }


def organisation(org: directory.Org, counts: dict[str, int]) -> dict[str, Any]:
    """An organisation with its contact facts and how many items it has published."""
    parent = directory.get(org.parent_id) if org.parent_id is not None else None
    return {
        "code": org.code,
        "name": org.name,
        "short_name": org.short_name,
        "kind": org.kind.value,
        "kind_label": org.kind_label,
        "credit_code": org.credit_code,
        "parent": parent.code if parent is not None else None,
        "is_home": org.is_home,
        "contacts": {name: getattr(org, name) for name in CONTACT_FIELDS},
        "count": sum(counts.values()),
        "by_kind": {kind: counts.get(kind, 0) for kind in content_types.REGISTRY},
        "url": absolute(url_for("public.home", org_code=org.url_code)),
        "api_url": absolute(url_for("api.documents", org=org.code)),
    }
