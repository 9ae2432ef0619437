"""The publishing service: the only code that writes documents.

Every change goes through ``create``, ``update``, ``submit``, ``publish`` or ``withdraw``.
Each is one unit of work (``database.unit_of_work``: lock, re-read, check, write the
document, a revision, an audit row and a change-log row, commit). Everything derived from
documents follows the change log: this host's search index at once (``changes_committed``,
sent after the commit), every other store and host by comparing its position with the log's
(``portal.changelog``). A caller that strings several changes together (the content loader,
the editor's "save and submit") opens its own unit around them. Each service first checks
that its ``Actor`` may do this (``auth.actor.require``).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from blinker import Namespace
from flask.globals import app_ctx

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.changelog import DocumentChange
from portal.database import WRITES_KEY, after_commit, reread, unit_of_work
from portal.documents import content_types, filing, tally, uploads, wordcheck
from portal.documents.models import Document, DocumentRevision
from portal.documents.uploads import AttachmentFile
from portal.errors import InvalidTransition, NotAuthorized, ValidationError
from portal.extensions import db
from portal.markdown import render
from portal.orgs import directory
from portal.states import DocumentStatus
from portal.timeutil import local_date, utcnow

signals = Namespace()
#: Sent once per committed transaction that changed documents, with ``changes=`` the list
#: of ``(document, action)``; derived stores (the search index) catch up on it.
changes_committed = signals.signal("changes-committed")

EDITABLE_FIELDS = ("title", "summary", "publisher", "index_no", "topic", "tags", "body")
WITHDRAWN_CLOSED = "已撤回的信息不能再修改"
REVIEWERS_ONLY = "已提交审核或已发布的信息只能由审核人员修改"


def _snapshot(doc: Document) -> dict[str, Any]:
    return {
        "kind": doc.kind,
        "slug": doc.slug,
        "title": doc.title,
        "summary": doc.summary,
        "body": doc.body,
        "publisher": doc.publisher,
        "index_no": doc.index_no,
        "topic": doc.topic,
        "tags": list(doc.tags or []),
        "extra": dict(doc.extra or {}),
        "illustrative": doc.illustrative,
        "status": doc.status,
        "published_at": doc.published_at.isoformat() if doc.published_at else None,
        "attachments": [
            {"title": a.title, "filename": a.filename, "sha256": a.sha256} for a in doc.attachments
        ],
        "catalog": filing.filed_names(doc.id) if doc.id is not None else [],
    }


def _record(doc: Document, action: str, actor: Actor, note: str | None = None) -> None:
    # Neither the number nor the new row touches ``doc.revisions``: loading that collection
    # would read every earlier snapshot (whole bodies) on each save.
    if doc.id is None:  # a new document: its first revision
        db.session.flush()
        number = 1
    else:
        highest = db.session.scalar(
            sa.select(sa.func.max(DocumentRevision.number)).where(
                DocumentRevision.document_id == doc.id
            )
        )
        number = (highest or 0) + 1
    revision = DocumentRevision(
        document_id=doc.id,
        number=number,
        action=action,
        actor=actor.name,
        note=note,
        snapshot=_snapshot(doc),
    )
    if "revisions" in sa.inspect(doc).dict:  # already loaded by the caller: keep it current
        doc.revisions.append(revision)
    else:
        db.session.add(revision)
    detail = {"revision": number, "title": doc.title}
    if note:
        detail["note"] = note
    audit.record(actor.name, action, "document", doc.id, org_id=doc.organisation_id, **detail)


def next_index_no(org: directory.Org, year: int) -> str:
    """The organisation's next free 索引号 for ``year``:
    ``<its 统一社会信用代码>/<year>-<5-digit serial>``."""
    prefix = f"{org.credit_code}/{year}-"
    highest = db.session.scalar(
        sa.select(sa.func.max(Document.index_no)).where(Document.index_no.like(prefix + "%"))
    )
    serial = int(highest.rsplit("-", 1)[1]) + 1 if highest else 1
    return f"{prefix}{serial:05d}"


def new_slug() -> str:
    """A slug for a document whose author gave none: today's date and a random part."""
    return f"{local_date(utcnow()):%Y%m%d}-{secrets.token_hex(3)}"


def _apply(doc: Document, cleaned: dict[str, Any]) -> None:
    doc.title = cleaned["title"]
    doc.summary = cleaned.get("summary") or ""
    doc.publisher = cleaned.get("publisher") or directory.get(doc.organisation_id).name
    doc.topic = cleaned["topic"]
    doc.tags = cleaned.get("tags") or []
    doc.body = cleaned.get("body") or ""
    doc.body_html = render(doc.body)
    doc.extra = cleaned["extra"]
    if cleaned.get("index_no"):
        doc.index_no = cleaned["index_no"]


def _validate(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind not in content_types.REGISTRY:
        raise ValidationError({"kind": f"信息类型：未知类型 {kind}"})
    cleaned, errors = content_types.validate(kind, data)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_index_no_free(index_no: str | None, doc_id: int | None) -> None:
    if not index_no:
        return
    clash = db.session.scalar(sa.select(Document.id).where(Document.index_no == index_no))
    if clash is not None and clash != doc_id:
        raise ValidationError({"index_no": "索引号：已被其他信息使用"})


def _file(doc: Document, catalog: Sequence[int] | None, *, creating: bool) -> None:
    try:
        filing.file(doc, catalog, creating=creating)
    except filing.FilingError as exc:
        raise ValidationError({"catalog": str(exc)}) from None


_PENDING_KEY = WRITES_KEY


def _changed(doc: Document, action: str) -> Document:
    """Log the change (in the same transaction), count the kind again when what is
    published may have changed, and announce it once the unit commits."""
    db.session.flush()
    db.session.add(DocumentChange(document_id=doc.id, action=action))
    if action in {"published", "withdrawn", "updated"}:
        tally.refresh(doc.organisation_id, doc.kind)
    if action != "submitted":
        filing.refresh_for(doc.id)
    pending = db.session.info.get(_PENDING_KEY)
    if pending is None:
        pending = db.session.info[_PENDING_KEY] = []
        after_commit(_announce)
    pending.append((doc, action))
    return doc


def _announce() -> None:
    """Tell subscribers about every document change of the transaction just committed."""
    events = db.session.info.pop(_PENDING_KEY, [])
    app = app_ctx.app
    batched = db.session.info.get(_BATCH_KEY)
    if batched is not None:
        batched.extend(events)
    elif events:
        changes_committed.send(app, changes=events)


_BATCH_KEY = "portal.batched_document_events"


@contextmanager
def batch() -> Iterator[None]:
    """Commit as usual inside, but send ``changes_committed`` once at the end (bulk loads)."""
    db.session.info[_BATCH_KEY] = []
    try:
        yield
    finally:
        events = db.session.info.pop(_BATCH_KEY, [])
        if events:
            changes_committed.send(app_ctx.app, changes=events)


def may_edit(doc: Document, actor: Actor) -> bool:
    """Whether ``actor`` may change ``doc`` now."""
    try:
        check_editable(doc, actor)
    except (InvalidTransition, NotAuthorized):
        return False
    return True


def check_editable(doc: Document, actor: Actor) -> None:
    """Refuse a change to a withdrawn document, or to one in review or published unless a
    reviewer makes it (an editor's change would go live unreviewed).

    Anyone changing a document must be allowed to write documents at all.
    """
    require(actor, Permission.WRITE_DOCUMENTS, doc.organisation_id)
    if doc.status == DocumentStatus.WITHDRAWN:
        raise InvalidTransition(WITHDRAWN_CLOSED)
    if doc.status != DocumentStatus.DRAFT and not actor.may(
        Permission.REVIEW_DOCUMENTS, doc.organisation_id
    ):
        raise InvalidTransition(REVIEWERS_ONLY)


def create(
    kind: str,
    slug: str,
    data: dict[str, Any],
    *,
    actor: Actor,
    illustrative: bool = False,
    attachments: list[AttachmentFile] | None = None,
    source_hash: str | None = None,
    index_year: int | None = None,
    org_id: int | None = None,
    catalog: Sequence[int] | None = None,
    proposal: str | None = None,
) -> Document:
    """Create a draft document of organisation ``org_id`` (default: the home one) after
    validating every field of its kind, filed under the catalogue nodes ``catalog`` (ids;
    none: the nodes its kind is filed under by default). ``proposal``: the note of a draft
    proposed for proactive disclosure by a request's handler (``proposals.propose``).

    An empty ``slug`` is replaced by a generated one (``new_slug``). A generated 索引号 uses
    ``index_year`` (the document's own year when it is known, e.g. for an item imported with
    its publication date), else the current year, and the organisation's credit code.
    """
    org = directory.home() if org_id is None else directory.get(org_id)
    # A draft a request's handler proposes for proactive disclosure (``proposals``) needs no
    # right to write documents: it goes no further until an editor takes it up.
    require(
        actor,
        Permission.PROPOSE_DISCLOSURE if proposal else Permission.WRITE_DOCUMENTS,
        org.id,
    )
    with unit_of_work():
        cleaned = _validate(kind, data)
        try:
            slug = content_types.clean_slug(slug or new_slug())
        except content_types.FieldError as exc:
            raise ValidationError({"slug": f"标识：{exc}"}) from None
        if db.session.scalar(
            sa.select(Document.id).where(
                Document.organisation_id == org.id, Document.kind == kind, Document.slug == slug
            )
        ):
            raise ValidationError({"slug": "标识：同类信息中已存在相同标识"})
        _check_index_no_free(cleaned.get("index_no"), None)
        doc = Document(
            organisation_id=org.id,
            kind=kind,
            slug=slug,
            status=DocumentStatus.DRAFT,
            illustrative=illustrative,
        )
        _apply(doc, cleaned)
        doc.source_hash = source_hash
        now = utcnow()
        doc.created_at = doc.updated_at = now
        if not doc.index_no:
            doc.index_no = next_index_no(org, index_year or local_date(now).year)
        db.session.add(doc)
        db.session.flush()
        _file(doc, catalog, creating=True)
        if attachments:
            uploads.store_attachments(doc, attachments)
        _record(doc, "created", actor, proposal)
        return _changed(doc, "created")


def update(
    doc: Document,
    data: dict[str, Any],
    *,
    actor: Actor,
    illustrative: bool | None = None,
    attachments: list[AttachmentFile] | None = None,
    source_hash: str | None = None,
    published_at: datetime | None = None,
    note: str | None = None,
    catalog: Sequence[int] | None = None,
) -> Document:
    """Change a document's fields (any status but withdrawn); a published one stays published.
    ``catalog`` files it anew (ids of catalogue nodes; empty: by its kind; None: unchanged).

    ``published_at`` corrects the publication date of a published document. Editors may
    change drafts only (see ``check_editable``).
    """
    with unit_of_work():
        reread(doc)
        check_editable(doc, actor)
        merged: dict[str, Any] = {name: getattr(doc, name) for name in EDITABLE_FIELDS}
        merged.update(doc.extra or {})
        merged.update(data)
        cleaned = _validate(doc.kind, merged)
        _check_index_no_free(cleaned.get("index_no"), doc.id)
        _apply(doc, cleaned)
        _file(doc, catalog, creating=False)
        if illustrative is not None:
            doc.illustrative = illustrative
        if attachments is not None:
            uploads.store_attachments(doc, attachments)
        if source_hash is not None:
            doc.source_hash = source_hash
        if published_at is not None and doc.status == DocumentStatus.PUBLISHED:
            doc.published_at = published_at
        if doc.status == DocumentStatus.PUBLISHED:
            wordcheck.check_live_change(doc, actor)
        doc.updated_at = utcnow()
        _record(doc, "updated", actor, note)
        return _changed(doc, "updated")


def submit(doc: Document, *, actor: Actor) -> Document:
    """Send a draft to review."""
    require(actor, Permission.WRITE_DOCUMENTS, doc.organisation_id)
    with unit_of_work():
        reread(doc)
        if doc.status != DocumentStatus.DRAFT:
            raise InvalidTransition("只有草稿可以提交审核")
        doc.status = DocumentStatus.IN_REVIEW
        _record(doc, "submitted", actor)
        return _changed(doc, "submitted")


def publish(
    doc: Document,
    *,
    actor: Actor,
    published_at: datetime | None = None,
    acknowledged: Collection[str] = (),
) -> Document:
    """Make a draft or in-review document public, dated ``published_at`` (default now),
    once every 错敏词 found in it is among the ``acknowledged`` words."""
    require(actor, Permission.REVIEW_DOCUMENTS, doc.organisation_id)
    with unit_of_work():
        reread(doc)
        if doc.status not in {DocumentStatus.DRAFT, DocumentStatus.IN_REVIEW}:
            raise InvalidTransition("该信息当前状态不能发布")
        wordcheck.gate(doc, actor, frozenset(acknowledged))
        now = utcnow()
        doc.status = DocumentStatus.PUBLISHED
        doc.published_at = published_at or now
        doc.updated_at = doc.published_at
        _record(doc, "published", actor)
        return _changed(doc, "published")


def withdraw(doc: Document, *, reason: str, actor: Actor) -> Document:
    """Withdraw a published document; the reason is shown on its page."""
    require(actor, Permission.REVIEW_DOCUMENTS, doc.organisation_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "撤回原因：必填"})
    if len(reason) > 500:
        raise ValidationError({"reason": "撤回原因：不能超过 500 个字"})
    with unit_of_work():
        reread(doc)
        if doc.status != DocumentStatus.PUBLISHED:
            raise InvalidTransition("只有已发布的信息可以撤回")
        now = utcnow()
        doc.status = DocumentStatus.WITHDRAWN
        doc.withdrawn_at = now
        doc.withdrawn_reason = reason
        doc.updated_at = now
        _record(doc, "withdrawn", actor, reason)
        return _changed(doc, "withdrawn")
