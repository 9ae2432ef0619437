"""错敏词: outdated institution names and common miswritten terms, looked for in a document's
title, summary, body and text fields when it is submitted and when it is published.

A reviewer sees each hit in context and must acknowledge every word before the publishing
service publishes (the acknowledgement is audited); the words found in published documents
are kept (``WordHit``) for the dashboard. The list is ``data/wordcheck.tsv`` plus the words
platform admins add (``WordCheckWord``). A word added to the list is looked for at once in
every published document (``add``), and ``flask --app app check words`` checks them all
against the whole list again (``wordcheck_recheck``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.documents import content_types
from portal.documents.models import Document, WordCheckWord, WordHit
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.states import DocumentStatus
from portal.text import CONTROL_CHARS

DATA = Path(__file__).resolve().parent / "data" / "wordcheck.tsv"
CONTEXT = 12  # characters shown either side of a hit
WORD_LIMIT = 50
SUGGESTION_LIMIT = 100
BATCH = 200  # published documents read at a time by a sweep or a recheck


@dataclass(frozen=True)
class Entry:
    word: str
    suggestion: str
    category: str
    added_id: int | None = None  # the WordCheckWord row of a platform-added word


@dataclass(frozen=True)
class Hit:
    word: str
    suggestion: str
    category: str
    field: str  # the label of the field it was found in
    before: str
    after: str


@cache
def shipped() -> tuple[Entry, ...]:
    entries = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, suggestion, category = [*line.split("\t"), "", ""][:3]
        entries.append(Entry(word.strip(), suggestion.strip(), category.strip()))
    return tuple(entries)


def entries() -> list[Entry]:
    """The shipped words, then the platform's own."""
    added = db.session.scalars(sa.select(WordCheckWord).order_by(WordCheckWord.id)).all()
    return [*shipped(), *(Entry(w.word, w.suggestion, w.category, w.id) for w in added)]


class Readable(Protocol):
    """What the check reads of a document: a ``Document``, or its columns (``_Text``)."""

    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def extra(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class _Text:
    """A published document's columns, read without loading it (sweeps read thousands)."""

    id: int
    organisation_id: int
    kind: str
    title: str
    summary: str
    body: str
    extra: dict[str, Any]


def _texts(doc: Readable) -> list[tuple[str, str]]:
    """(field label, text) of everything a resident reads of ``doc``."""
    kind = content_types.REGISTRY[doc.kind]
    texts = [("标题", doc.title or ""), ("摘要", doc.summary or ""), (kind.body_label, doc.body)]
    for fld in kind.fields:
        value = (doc.extra or {}).get(fld.name)
        if fld.public and fld.type in ("text", "markdown") and isinstance(value, str):
            texts.append((fld.label, value))
    return texts


def scan(doc: Readable, words: list[Entry] | None = None) -> list[Hit]:
    """Every occurrence of a listed word in ``doc``, in field order, with its context."""
    hits: list[Hit] = []
    for entry in words if words is not None else entries():
        for label, text in _texts(doc):
            start = text.find(entry.word)
            while start >= 0:
                end = start + len(entry.word)
                hits.append(
                    Hit(
                        entry.word,
                        entry.suggestion,
                        entry.category,
                        label,
                        text[max(0, start - CONTEXT) : start].replace("\n", " "),
                        text[end : end + CONTEXT].replace("\n", " "),
                    )
                )
                start = text.find(entry.word, end)
    return hits


def words_in(doc: Document) -> list[str]:
    """The listed words found in ``doc``, each once, sorted."""
    return sorted({hit.word for hit in scan(doc)})


def gate(doc: Document, actor: Actor, acknowledged: set[str] | frozenset[str]) -> list[Hit]:
    """Refuse to publish ``doc`` while a word found in it is not acknowledged (the portal's
    own loader excepted: its content is checked by people before it is shipped); audit the
    acknowledgement; keep the words for the dashboard. In the publishing unit of work."""
    hits = scan(doc)
    words = sorted({hit.word for hit in hits})  # scan() once: the hits are returned too
    missing = [word for word in words if word not in acknowledged]
    if missing and not actor.is_system:
        raise ValidationError({"wordcheck": f"错敏词：发布前请逐条确认（{'、'.join(missing)}）"})
    if words and not actor.is_system:
        audit.record(
            actor.name,
            "wordcheck_acknowledged",
            "document",
            doc.id,
            org_id=doc.organisation_id,
            words=words,
        )
    remember(doc, words)
    return hits


def remember(doc: Document, words: list[str]) -> None:
    """Keep the words found in a published ``doc`` (none: forget it)."""
    db.session.execute(sa.delete(WordHit).where(WordHit.document_id == doc.id))
    db.session.add_all(WordHit(document_id=doc.id, word=word) for word in words)


def check_live_change(doc: Document, actor: Actor) -> None:
    """A change to a published ``doc``: a word it did not have before is refused (it would
    go live without a reviewer's acknowledgement) unless the portal itself makes the change;
    the words it keeps stay listed for the dashboard."""
    words = words_in(doc)
    before = set(db.session.scalars(sa.select(WordHit.word).where(WordHit.document_id == doc.id)))
    new = [word for word in words if word not in before]
    if new and not actor.is_system:
        raise ValidationError(
            {
                "body": f"错敏词：已发布的信息中新出现“{'、'.join(new)}”，请修改；"
                "确需保留的，请撤回后重新提交审核，发布时逐条确认"
            }
        )
    remember(doc, words)


def add(actor: Actor, word: str, suggestion: str) -> WordCheckWord:
    """A platform admin adds a word (and what to write instead) to the platform's list."""
    require(actor, Permission.MANAGE_WORD_LIST)
    word = CONTROL_CHARS.sub("", word or "").strip()
    suggestion = CONTROL_CHARS.sub("", suggestion or "").strip()
    with unit_of_work():
        errors: dict[str, str] = {}
        if not word:
            errors["word"] = "错敏词：必填"
        elif len(word) < 2 or len(word) > WORD_LIMIT:
            errors["word"] = f"错敏词：2 至 {WORD_LIMIT} 个字"
        elif any(entry.word == word for entry in entries()):
            errors["word"] = f"错敏词：“{word}”已在列表中"
        if len(suggestion) > SUGGESTION_LIMIT:
            errors["suggestion"] = f"建议写法：不能超过 {SUGGESTION_LIMIT} 个字"
        if errors:
            raise ValidationError(errors)
        row = WordCheckWord(word=word, suggestion=suggestion, created_by=actor.name)
        db.session.add(row)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:  # added by someone else a moment ago
            raise ValidationError({"word": f"错敏词：“{word}”已在列表中"}) from None
        found = _sweep(Entry(word, suggestion, row.category, row.id), actor)
        audit.record(
            actor.name,
            "wordcheck_word_added",
            "wordcheck_word",
            row.id,
            word=word,
            documents=sum(len(ids) for ids in found.values()),
        )
    return row


def published_with(word: str) -> int:
    """How many published documents have ``word`` on the dashboard."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(WordHit.document_id))
            .join(Document, Document.id == WordHit.document_id)
            .where(WordHit.word == word, Document.status == DocumentStatus.PUBLISHED)
        )
        or 0
    )


def _containing(word: str) -> sa.ColumnElement[bool]:
    """SQL: a document whose title, summary, body or other fields contain ``word`` — the
    cheap first cut (``scan`` decides: LIKE also matches JSON keys, unpublished fields and,
    on SQLite, Latin letters in another case). JSON may hold the word as ``\\uXXXX``."""
    extra = sa.cast(Document.extra, sa.Text)
    forms = dict.fromkeys([word, json.dumps(word)[1:-1]])
    return sa.or_(
        Document.title.contains(word, autoescape=True),
        Document.summary.contains(word, autoescape=True),
        Document.body.contains(word, autoescape=True),
        *(extra.contains(form, autoescape=True) for form in forms),
    )


def published_batch(after: int, *where: sa.ColumnElement[bool]) -> list[_Text]:
    """The next ``BATCH`` published documents after the id ``after``, in id order."""
    query = (
        sa.select(
            Document.id,
            Document.organisation_id,
            Document.kind,
            Document.title,
            Document.summary,
            Document.body,
            Document.extra,
        )
        .where(Document.status == DocumentStatus.PUBLISHED, Document.id > after, *where)
        .order_by(Document.id)
        .limit(BATCH)
    )
    return [
        _Text(id_, org_id, kind, title or "", summary or "", body or "", extra or {})
        for id_, org_id, kind, title, summary, body, extra in db.session.execute(query).tuples()
    ]


def _sweep(entry: Entry, actor: Actor) -> dict[int, list[int]]:
    """Put a newly listed word on the dashboard of every published document that has it
    (organisation → documents), audited per organisation. In the caller's unit of work;
    only documents SQL finds the word in are read, a batch at a time."""
    found: dict[int, list[int]] = {}
    batch = published_batch(0, _containing(entry.word))
    while batch:
        hit = [doc for doc in batch if scan(doc, [entry])]
        known = set(
            db.session.scalars(
                sa.select(WordHit.document_id).where(
                    WordHit.word == entry.word, WordHit.document_id.in_([d.id for d in hit])
                )
            )
        )
        db.session.add_all(
            WordHit(document_id=doc.id, word=entry.word) for doc in hit if doc.id not in known
        )
        for doc in hit:
            found.setdefault(doc.organisation_id, []).append(doc.id)
        batch = published_batch(batch[-1].id, _containing(entry.word))
    for org_id, ids in found.items():
        audit.record(
            actor.name,
            "wordcheck_found",
            "wordcheck_word",
            entry.added_id or 0,
            org_id=org_id,
            word=entry.word,
            documents=len(ids),
            document_ids=ids[:100],
        )
    return found


def remove(actor: Actor, word_id: int) -> str:
    """A platform admin takes a word they added off the list (shipped words stay)."""
    require(actor, Permission.MANAGE_WORD_LIST)
    with unit_of_work():
        row = db.session.get(WordCheckWord, word_id, with_for_update=True)
        if row is None:
            raise NotFound("没有这个错敏词")
        word = row.word
        db.session.delete(row)
        if not any(entry.word == word for entry in shipped()):  # no longer listed anywhere
            db.session.execute(sa.delete(WordHit).where(WordHit.word == word))
        audit.record(actor.name, "wordcheck_word_removed", "wordcheck_word", word_id, word=word)
    return word
