"""错敏词: outdated institution names and common miswritten terms, looked for in a document's
title, summary, body and text fields when it is submitted and when it is published.

A reviewer sees each hit in context and must acknowledge every word before the publishing
service publishes (the acknowledgement is audited); the words found in published documents
are kept (``WordHit``) for the dashboard. The list is ``data/wordcheck.tsv`` plus the words
platform admins add (``WordCheckWord``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.documents import content_types
from portal.documents.models import Document, WordCheckWord, WordHit
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.text import CONTROL_CHARS

DATA = Path(__file__).resolve().parent / "data" / "wordcheck.tsv"
CONTEXT = 12  # characters shown either side of a hit
WORD_LIMIT = 50
SUGGESTION_LIMIT = 100


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


def _texts(doc: Document) -> list[tuple[str, str]]:
    """(field label, text) of everything a resident reads of ``doc``."""
    kind = content_types.REGISTRY[doc.kind]
    texts = [("标题", doc.title or ""), ("摘要", doc.summary or ""), (kind.body_label, doc.body)]
    for fld in kind.fields:
        value = (doc.extra or {}).get(fld.name)
        if fld.public and fld.type in ("text", "markdown") and isinstance(value, str):
            texts.append((fld.label, value))
    return texts


def scan(doc: Document, words: list[Entry] | None = None) -> list[Hit]:
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
        audit.record(actor.name, "wordcheck_word_added", "wordcheck_word", row.id, word=word)
    return row


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
