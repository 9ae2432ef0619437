"""Synonym groups staff edit (同义词): a query for one term also finds the others.

The groups are platform-wide (one index, one analysis for every organisation), so only
platform admins change them (``MANAGE_SYNONYMS``). The analysis reads them through
``analysis.use_synonym_source`` (registered by ``portal.search.init_app``), checking the
table's version — ``max(updated_at)`` and ``count(*)`` — every few seconds. While the table
is empty (a database the migration did not seed) the shipped ``data/synonyms.txt`` applies.

A change re-indexes what it affects: every document whose title or body holds a changed
term gets a ``reindex`` entry in the change log, and each host's index re-reads it (the
index also segments documents with the synonym terms as whole words).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.changelog import DocumentChange
from portal.database import after_commit, unit_of_work
from portal.documents.models import Document
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.search import analysis
from portal.search.models import SynonymGroup
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

FIELD = "terms"
LABEL = "同义词"
MIN_TERMS, MAX_TERMS = 2, 10
MAX_TERM_CHARS = 20


def groups() -> list[SynonymGroup]:
    """Every group, in the order they were added."""
    return list(db.session.scalars(sa.select(SynonymGroup).order_by(SynonymGroup.id)))


def parse_terms(text: str) -> list[str]:
    """Terms typed separated by spaces, commas or 、, normalised as queries are."""
    for separator in (",", "，", "、", ";", "；"):
        text = (text or "").replace(separator, " ")
    return [analysis.normalize(term).strip() for term in text.split() if term.strip()]


def _clean(text: str, group_id: int | None) -> list[str]:
    """Check the terms of one group; raise ``ValidationError`` with a Chinese message."""
    terms = parse_terms(text)
    problems: list[str] = []
    if not terms:
        problems.append("必填，用空格分隔各个词")
    long = [t for t in terms if len(t) > MAX_TERM_CHARS]
    if long:
        problems.append(f"每个词不能超过 {MAX_TERM_CHARS} 个字（“{long[0][:20]}…”过长）")
    twice = sorted({t for t in terms if terms.count(t) > 1})
    if twice:
        problems.append(f"“{'、'.join(twice)}”重复填写")
    unique = list(dict.fromkeys(terms))
    if terms and not MIN_TERMS <= len(unique) <= MAX_TERMS:
        problems.append(f"每组应有 {MIN_TERMS} 至 {MAX_TERMS} 个不同的词")
    if not problems:
        others = db.session.execute(
            sa.select(SynonymGroup.id, SynonymGroup.terms).where(SynonymGroup.id != (group_id or 0))
        ).all()
        taken = {term for row in others for term in row.terms.split()}
        clash = [t for t in unique if t in taken]
        if clash:
            problems.append(f"“{'、'.join(clash)}”已在其他同义词组中")
    if problems:
        raise ValidationError({FIELD: f"{LABEL}：" + "；".join(problems)})
    return unique


def _reindex(terms: set[str]) -> int:
    """A ``reindex`` change-log entry for each document whose title or body holds one of
    ``terms``, so every host's index re-reads it."""
    if not terms:
        return 0
    matches = [Document.title.contains(t, autoescape=True) for t in sorted(terms)]
    matches += [Document.body.contains(t, autoescape=True) for t in sorted(terms)]
    ids = list(
        db.session.scalars(
            sa.select(Document.id).where(Document.status == "published", sa.or_(*matches))
        )
    )
    now = utcnow()
    db.session.add_all(
        DocumentChange(document_id=doc_id, action="reindex", created_at=now) for doc_id in ids
    )
    return len(ids)


def _changed(actor: Actor, action: str, group_id: int, terms: list[str], touched: set[str]) -> None:
    count = _reindex(touched)
    audit.record(actor.name, action, "synonyms", group_id, terms=terms, reindexed=count)
    after_commit(_apply)


def _apply() -> None:
    """Once committed: read the groups again in this process, then let this host's index
    re-read the documents (with the new terms segmented whole); others follow the log."""
    refresh()
    try:
        analysis.synonym_groups()
        current_app.extensions["portal.search"].sync()
    except Exception:  # committed: the change log lets any later sync apply it
        log.exception("search index update after a synonym change failed; it will catch up")


def create(actor: Actor, text: str) -> SynonymGroup:
    """A new group from terms separated by spaces."""
    require(actor, Permission.MANAGE_SYNONYMS)
    with unit_of_work():
        terms = _clean(text, None)
        group = SynonymGroup(terms=" ".join(terms), updated_at=utcnow(), updated_by=actor.name)
        db.session.add(group)
        db.session.flush()
        _changed(actor, "synonyms_created", group.id, terms, set(terms))
    return group


def _get(group_id: int) -> SynonymGroup:
    group = db.session.get(SynonymGroup, group_id)
    if group is None:
        raise NotFound(f"synonym group {group_id}")
    return group


def update(actor: Actor, group_id: int, text: str) -> SynonymGroup:
    """Change a group's terms."""
    require(actor, Permission.MANAGE_SYNONYMS)
    with unit_of_work():
        group = _get(group_id)
        before = set(group.term_list)
        terms = _clean(text, group_id)
        group.terms, group.updated_at, group.updated_by = " ".join(terms), utcnow(), actor.name
        _changed(actor, "synonyms_updated", group.id, terms, before | set(terms))
    return group


def delete(actor: Actor, group_id: int) -> list[str]:
    """Remove a group; returns its terms."""
    require(actor, Permission.MANAGE_SYNONYMS)
    with unit_of_work():
        group = _get(group_id)
        terms = group.term_list
        db.session.delete(group)
        _changed(actor, "synonyms_deleted", group_id, terms, set(terms))
    return terms


# -- the analysis' source ---------------------------------------------------------------


def _source(app: Flask) -> tuple[Any, Any]:
    """``load`` and ``version`` reading the table on a connection of their own (they run
    inside query analysis, whatever the caller's session is doing)."""
    table = SynonymGroup.__table__

    engines: list[sa.Engine] = []

    def engine() -> sa.Engine:
        if not engines:  # looked up once (disposing it after a fork keeps the object)
            with app.app_context():
                engines.append(db.engine)
        return engines[0]

    def load() -> list[list[str]]:
        with engine().connect() as conn:
            rows = conn.execute(sa.select(table.c.terms).order_by(table.c.id)).scalars().all()
        if not rows:
            return analysis.synonyms_file_groups()
        return [terms.split() for terms in rows]

    def version() -> object:
        with engine().connect() as conn:
            row = conn.execute(sa.select(sa.func.max(table.c.updated_at), sa.func.count())).one()
        return tuple(row)

    return load, version


_registered: list[Flask] = []


def init_app(app: Flask) -> None:
    """Make the analysis read synonyms from the table (the newest app's database)."""
    _registered[:] = [app]
    hook = getattr(analysis, "use_synonym_source", None)
    if hook is None:  # an analysis without the hook reads data/synonyms.txt only
        log.warning("search analysis has no use_synonym_source; staff synonyms are not used")
        return
    hook(*_source(app))


def forget(app: Flask | None = None) -> None:
    """Stop reading synonyms through ``app``'s database (any app's, without one), as when
    the app is discarded at the end of a test: the analysis goes back to
    ``data/synonyms.txt`` until another app registers. Otherwise its next check would open
    a connection on an engine no one will close."""
    if not _registered or (app is not None and _registered != [app]):
        return
    _registered.clear()
    hook = getattr(analysis, "use_synonym_source", None)
    if hook is not None:
        hook(analysis.synonyms_file_groups, lambda: "file")


def refresh() -> None:
    """Have this process read the groups again now (others do within seconds)."""
    if _registered:
        init_app(_registered[0])
