"""Read side of the catalogue: what residents are shown of an organisation's tree (never an
empty column), a node's documents newest first, and each node's standing for the staff
dashboard (empty, or not updated within its rule).

The counts are the columns' own (``CatalogNode.published`` and ``newest_at``, kept by the
publishing service): nothing here counts documents.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import defer

from portal.documents import filing as tree
from portal.documents.models import CatalogFiling, CatalogNode, Document
from portal.extensions import db
from portal.orgs import profile
from portal.orgs.directory import Org
from portal.states import DocumentStatus
from portal.timeutil import local_date
from portal.web.pagination import Page, PageOutOfRange

#: Pages of the portal a node may stand for, and whether they have anything to show.
PAGES = {"about": "机构概况", "service": "办事服务"}


@dataclass
class Shown:
    """A node as the catalogue shows it: its own count, its subtree's, its children."""

    node: CatalogNode
    count: int = 0  # published documents filed here
    newest: datetime | None = None
    total: int = 0  # here and below
    has_page: bool = False
    children: list[Shown] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.total == 0 and not self.has_page


def _build(nodes: list[CatalogNode], pages: set[str]) -> list[Shown]:
    shown = {
        node.id: Shown(
            node,
            node.published,
            node.newest_at,
            has_page=bool(node.page and node.page in pages),
        )
        for node in nodes
    }
    roots: list[Shown] = []
    for node in nodes:  # in position order, so siblings keep theirs
        item = shown[node.id]
        parent = shown.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else roots).append(item)

    def total(item: Shown) -> int:
        item.total = item.count + sum(total(child) for child in item.children)
        if any(child.has_page for child in item.children):
            item.has_page = True
        return item.total

    for root in roots:
        total(root)
    return roots


def _pages_with_content(org: Org) -> set[str]:
    pages = set()
    if not profile.about(org).is_empty:
        pages.add("about")
    return pages


def full_tree(org: Org) -> list[Shown]:
    """Every node of the organisation, with counts (the staff's view)."""
    return _build(tree.nodes(org.id), _pages_with_content(org))


def public_tree(org: Org) -> list[Shown]:
    """The catalogue as residents see it: empty columns left out, the section's own parts
    (its rules) too."""

    def keep(items: list[Shown]) -> list[Shown]:
        kept = []
        for item in items:
            if item.empty or item.node.part:
                continue
            item.children = keep(item.children)
            kept.append(item)
        return kept

    return keep(full_tree(org))


def find(roots: list[Shown], key: str) -> Shown | None:
    for item in roots:
        if item.node.key == key:
            return item
        found = find(item.children, key)
        if found is not None:
            return found
    return None


def node(org_id: int, key: str) -> CatalogNode | None:
    return db.session.scalar(
        sa.select(CatalogNode).where(CatalogNode.organisation_id == org_id, CatalogNode.key == key)
    )


def _filed(node_id: int) -> sa.Select[tuple[Document]]:
    return (
        sa.select(Document)
        .join(CatalogFiling, CatalogFiling.document_id == Document.id)
        .where(CatalogFiling.node_id == node_id, Document.status == DocumentStatus.PUBLISHED)
    )


def documents(node_id: int, *, page: int, per_page: int) -> Page[Document]:
    """A node's published documents, newest first, without their bodies; raises
    ``PageOutOfRange``."""
    if page < 1:
        raise PageOutOfRange(page)
    total = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CatalogFiling)
            .join(Document, Document.id == CatalogFiling.document_id)
            .where(CatalogFiling.node_id == node_id, Document.status == DocumentStatus.PUBLISHED)
        )
        or 0
    )
    if (page - 1) * per_page >= max(total, 1):
        raise PageOutOfRange(page)
    items = db.session.scalars(
        _filed(node_id)
        .options(defer(Document.body), defer(Document.body_html))
        .order_by(Document.published_at.desc(), Document.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, total)


def newest(node_id: int, limit: int) -> list[Document]:
    """A node's newest published documents (its feed)."""
    return list(
        db.session.scalars(
            _filed(node_id).order_by(Document.published_at.desc(), Document.id.desc()).limit(limit)
        )
    )


@dataclass(frozen=True)
class Problem:
    """A node breaking a rule, for the dashboard."""

    org_id: int
    name: str
    rule: str
    age: int | None = None  # days since its newest item, when stale
    kinds: tuple[str, ...] = ()  # the kinds filed here by default


def problems(org_ids: Collection[int] | None, today: date) -> dict[int, list[Problem]]:
    """Each organisation's (None: every one's) empty nodes and nodes not updated within
    their rule (its ``update_days``), keyed by organisation. Two statements whatever their
    number."""
    if org_ids is not None and not org_ids:
        return {}
    chosen = sa.true() if org_ids is None else CatalogNode.organisation_id.in_(sorted(org_ids))
    all_nodes = list(
        db.session.scalars(
            sa.select(CatalogNode)
            .where(chosen)
            .order_by(CatalogNode.organisation_id, CatalogNode.position, CatalogNode.id)
        )
    )
    found: dict[int, list[Problem]] = {}
    by_org: dict[int, list[CatalogNode]] = {}
    for item in all_nodes:
        by_org.setdefault(item.organisation_id, []).append(item)
    for org_id, nodes in by_org.items():
        # an empty 机构概况 has a warning of its own (``inspection.profile_alerts``)
        for root in _build(nodes, {"about"}):
            _judge(root, today, found.setdefault(org_id, []))
    return found


def _judge(item: Shown, today: date, out: list[Problem]) -> None:
    node_ = item.node
    if item.empty and not item.children:
        out.append(Problem(node_.organisation_id, node_.name, "空白栏目，已对居民隐藏"))
    elif node_.update_days and item.newest is not None:
        age = (today - local_date(item.newest)).days
        if age > node_.update_days:
            rule = f"超过 {node_.update_days} 天未更新（公开时限：{node_.time_limit}）"
            kinds = tuple(node_.kinds or ())
            out.append(Problem(node_.organisation_id, node_.name, rule, age, kinds))
    for child in item.children:
        _judge(child, today, out)
