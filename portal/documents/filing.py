"""Each organisation's 公开目录 tree and the filing of documents under its columns, written
by the publishing service only (``/disclosure/`` shows them).

The default tree ships as data (``data/catalog.yaml``); an organisation gets its own copy
the first time it needs one (``ensure``), with every document it already has filed by
kind. From then on the publishing service files each document as its editor chose, or by
its kind when the editor chose nothing (``file``); the organisation's admins edit the tree
(``portal.disclosure.editing``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from portal.documents.models import CatalogFiling, CatalogNode, Document
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.states import DocumentStatus
from portal.timeutil import utcnow

DEFAULT_TREE = Path(__file__).with_name("data") / "catalog.yaml"
#: The section's own parts kept as nodes (``/disclosure/rules/``).
RULES = "rules"


@dataclass(frozen=True)
class Template:
    """A node of the shipped default tree."""

    key: str
    name: str
    basis: str
    limit: str
    channel: str
    kinds: tuple[str, ...] = ()
    update_days: int | None = None
    page: str | None = None
    part: str | None = None
    children: tuple[Template, ...] = field(default=())


def _template(item: dict[str, Any]) -> Template:
    return Template(
        key=str(item["key"]),
        name=str(item["name"]),
        basis=str(item.get("basis", "")),
        limit=str(item.get("limit", "")),
        channel=str(item.get("channel", "")),
        kinds=tuple(item.get("kinds") or ()),
        update_days=item.get("update_days"),
        page=item.get("page"),
        part=item.get("part"),
        children=tuple(_template(child) for child in item.get("children") or ()),
    )


@cache
def default_tree() -> tuple[Template, ...]:
    """The shipped tree, read once."""
    items = yaml.safe_load(DEFAULT_TREE.read_text(encoding="utf-8"))
    return tuple(_template(item) for item in items)


def walk(templates: Iterable[Template]) -> Iterable[Template]:
    for template in templates:
        yield template
        yield from walk(template.children)


def nodes(org_id: int) -> list[CatalogNode]:
    """The organisation's nodes, parents before children, in their order."""
    return list(
        db.session.scalars(
            sa.select(CatalogNode)
            .where(CatalogNode.organisation_id == org_id)
            .order_by(CatalogNode.position, CatalogNode.id)
        )
    )


def named(org_id: int) -> list[tuple[CatalogNode, str]]:
    """The organisation's columns in tree order, each with its full name (上级 › 下级)."""
    children: dict[int | None, list[CatalogNode]] = {}
    for node in nodes(org_id):
        children.setdefault(node.parent_id, []).append(node)
    ordered: list[tuple[CatalogNode, str]] = []

    def walk(parent: int | None, path: str) -> None:
        for node in children.get(parent, []):
            ordered.append((node, path + node.name))
            walk(node.id, f"{path}{node.name} › ")

    walk(None, "")
    return ordered


#: The column a request's released information is proposed under for proactive disclosure
#: (政府信息公开条例 Art. 44) unless its handler chooses another.
PROACTIVE = "ysqzzd"
#: Where such a draft goes in a tree without that column (made before it was shipped).
PROACTIVE_FALLBACK_KIND = "notice"


def columns(org_id: int) -> list[tuple[str, str]]:
    """The organisation's columns a document can be filed under, as (key, full name) in
    tree order: its own tree's, or the default tree's until it has one (it gets it when
    the first document is filed). The section's own parts (``rules``) are not columns."""
    if has_tree(org_id):
        return [(node.key, name) for node, name in named(org_id) if not node.part]
    found: list[tuple[str, str]] = []

    def add(templates: Iterable[Template], path: str) -> None:
        for template in templates:
            if not template.part:
                found.append((template.key, path + template.name))
            add(template.children, f"{path}{template.name} › ")

    add(default_tree(), "")
    return found


def proactive_column(org_id: int) -> str | None:
    """The key of the column proposed by default for proactive disclosure (Art. 44): the
    organisation's 依申请公开转主动公开, else the column its notices are filed under, else
    its first column."""
    keys = [key for key, _ in columns(org_id)]
    if PROACTIVE in keys:
        return PROACTIVE
    kinds: dict[str, Sequence[str]]
    if has_tree(org_id):
        kinds = {node.key: node.kinds or () for node in nodes(org_id)}
    else:
        kinds = {t.key: t.kinds for t in walk(default_tree())}
    fallback = [key for key in keys if PROACTIVE_FALLBACK_KIND in kinds.get(key, ())]
    return next(iter(fallback or keys), None)


def node_id(org_id: int, key: str) -> int | None:
    """The id of the organisation's column ``key`` (not one of the section's own parts)."""
    return db.session.scalar(
        sa.select(CatalogNode.id).where(
            CatalogNode.organisation_id == org_id,
            CatalogNode.key == key,
            CatalogNode.part.is_(None),
        )
    )


def has_tree(org_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(CatalogNode.id).where(CatalogNode.organisation_id == org_id).limit(1)
        )
        is not None
    )


def _lock(org_id: int, *, shared: bool) -> None:
    """Lock the organisation's row for the rest of the unit of work: exclusively to make
    its tree, shared to file under it (its admins' changes to the tree lock it exclusively,
    so a column cannot be removed while a document is being filed under it)."""
    db.session.execute(
        sa.select(Organisation.id).where(Organisation.id == org_id).with_for_update(read=shared)
    )


def ensure(org_id: int) -> bool:
    """Give the organisation the default tree if it has none and file its documents
    under it by kind (in the caller's unit of work); True when the tree was made."""
    if has_tree(org_id):
        return False
    _lock(org_id, shared=False)
    if has_tree(org_id):  # made meanwhile by someone holding the lock
        return False
    position = 0

    def add(templates: Sequence[Template], parent: CatalogNode | None) -> None:
        nonlocal position
        for template in templates:
            position += 1
            node = CatalogNode(
                organisation_id=org_id,
                parent_id=parent.id if parent else None,
                key=template.key,
                name=template.name,
                basis=template.basis,
                time_limit=template.limit,
                subject="",  # shown as the organisation's name, whatever it is then
                channel=template.channel,
                kinds=list(template.kinds),
                update_days=template.update_days,
                page=template.page,
                part=template.part,
                position=position,
                updated_at=utcnow(),
            )
            db.session.add(node)
            db.session.flush()
            if template.kinds:
                db.session.execute(
                    sa.insert(CatalogFiling).from_select(
                        ["node_id", "document_id"],
                        sa.select(sa.literal(node.id), Document.id).where(
                            Document.organisation_id == org_id,
                            Document.kind.in_(template.kinds),
                        ),
                    )
                )
            made.append(node.id)
            add(template.children, node)

    made: list[int] = []
    add(default_tree(), None)
    refresh(made)
    return True


def default_ids(org_id: int, kind: str) -> list[int]:
    """The nodes a document of ``kind`` is filed under when its editor chooses none."""
    return [node.id for node in nodes(org_id) if kind in (node.kinds or ())]


def filed_ids(document_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(CatalogFiling.node_id)
            .where(CatalogFiling.document_id == document_id)
            .order_by(CatalogFiling.node_id)
        )
    )


def filed_names(document_id: int) -> list[str]:
    """The names of the nodes a document is filed under (its revisions record them)."""
    return list(
        db.session.scalars(
            sa.select(CatalogNode.name)
            .join(CatalogFiling, CatalogFiling.node_id == CatalogNode.id)
            .where(CatalogFiling.document_id == document_id)
            .order_by(CatalogNode.position)
        )
    )


def columns_of(document_id: int) -> list[tuple[str, str, str | None]]:
    """The columns a document is filed under as (key, name, part), for its page."""
    rows = db.session.execute(
        sa.select(CatalogNode.key, CatalogNode.name, CatalogNode.part)
        .join(CatalogFiling, CatalogFiling.node_id == CatalogNode.id)
        .where(CatalogFiling.document_id == document_id)
        .order_by(CatalogNode.position)
    )
    return [(row.key, row.name, row.part) for row in rows]


_TOUCHED_KEY = "portal.catalog_nodes_touched"
_PUBLISHED = Document.status == DocumentStatus.PUBLISHED


def refresh(node_ids: Iterable[int]) -> None:
    """Count the published documents of these columns again, with the newest one's date
    (in the caller's unit of work). A column holds one organisation's documents, so each
    count is over that organisation's filings only."""
    ids = sorted(set(node_ids))
    if not ids:
        return
    filed = (
        sa.select(sa.func.count())
        .select_from(CatalogFiling)
        .join(Document, Document.id == CatalogFiling.document_id)
        .where(CatalogFiling.node_id == CatalogNode.id, _PUBLISHED)
    )
    newest = (
        sa.select(sa.func.max(Document.published_at))
        .select_from(CatalogFiling)
        .join(Document, Document.id == CatalogFiling.document_id)
        .where(CatalogFiling.node_id == CatalogNode.id, _PUBLISHED)
    )
    db.session.execute(
        sa.update(CatalogNode)
        .where(CatalogNode.id.in_(ids))
        .values(published=filed.scalar_subquery(), newest_at=newest.scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    for node in db.session.identity_map.values():
        if isinstance(node, CatalogNode) and node.id in ids:
            db.session.expire(node, ["published", "newest_at"])


def rebuild() -> int:
    """Count every column again (after a bulk load that bypassed the publishing service);
    how many columns there are. The caller commits."""
    ids = list(db.session.scalars(sa.select(CatalogNode.id)))
    refresh(ids)
    return len(ids)


def refresh_for(document_id: int) -> None:
    """Count again the columns a document is filed under now and those a filing change of
    this unit of work took it out of (after it was published, withdrawn or changed)."""
    touched = db.session.info.pop(_TOUCHED_KEY, set())
    refresh(touched | set(filed_ids(document_id)))


class FilingError(ValueError):
    """A chosen node is not one of the document's organisation."""


def file(doc: Document, chosen: Sequence[int] | None, *, creating: bool) -> bool:
    """File ``doc`` under the nodes ``chosen`` (ids of its organisation's nodes), or by its
    kind when ``chosen`` is empty on a new document; ``None`` on an existing one keeps its
    filing. Called by the publishing service only, inside its unit of work. True when the
    filing changed."""
    if chosen is None and not creating:
        return False
    if creating:
        ensure(doc.organisation_id)
    _lock(doc.organisation_id, shared=True)
    ids = sorted(set(chosen or ()))
    if ids:
        known = set(
            db.session.scalars(
                sa.select(CatalogNode.id).where(
                    CatalogNode.id.in_(ids), CatalogNode.organisation_id == doc.organisation_id
                )
            )
        )
        if known != set(ids):
            raise FilingError("公开目录：所选栏目不属于本单位")
    else:
        ids = default_ids(doc.organisation_id, doc.kind)
    before = filed_ids(doc.id)  # a new tree may just have filed it by kind
    if before == ids:
        return False
    db.session.info.setdefault(_TOUCHED_KEY, set()).update(before, ids)
    db.session.execute(sa.delete(CatalogFiling).where(CatalogFiling.document_id == doc.id))
    if ids:
        db.session.execute(
            sa.insert(CatalogFiling), [{"node_id": i, "document_id": doc.id} for i in ids]
        )
    return True
