"""An organisation's admins keep its catalogue: create it from the default, add, change,
move and remove columns. Each is one unit of work that takes the organisation's lock,
checks the actor and the tree's state, writes and audits."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.documents import content_types
from portal.documents import filing as tree
from portal.documents.models import CatalogFiling, CatalogNode
from portal.errors import InvalidTransition, NotFound, ValidationError
from portal.extensions import db
from portal.orgs import directory, service
from portal.timeutil import utcnow
from portal.web.converters import parse_id

KEY_RE = re.compile(r"[a-z][a-z0-9-]{1,39}")
NUMBER_RE = re.compile(r"[0-9]{1,9}")
#: Text fields: name -> (label, limit, required).
TEXTS: dict[str, tuple[str, int, bool]] = {
    "name": ("栏目名称", 60, True),
    "basis": ("公开依据", 1000, False),
    "time_limit": ("公开时限", 200, False),
    "subject": ("公开主体", 100, False),
    "channel": ("公开渠道", 200, False),
}
MAX_UPDATE_DAYS = 3660
MAX_NODES = 300


def org_for(actor: Actor, code: str) -> directory.Org:
    """The organisation ``code`` if ``actor`` keeps its catalogue (else ``NotAuthorized``)."""
    org = directory.by_code(code)
    if org is None:
        raise NotFound(f"没有代码为 {code} 的单位")
    require(actor, Permission.EDIT_CATALOG, org.id)
    return org


def editable(actor: Actor) -> list[directory.Org]:
    """The organisations whose catalogue ``actor`` keeps."""
    ids = actor.org_ids(Permission.EDIT_CATALOG)
    return [org for org in directory.all_orgs() if ids is None or org.id in ids]


def node_of(org: directory.Org, node_id: int) -> CatalogNode:
    found = db.session.get(CatalogNode, node_id)
    if found is None or found.organisation_id != org.id:
        raise NotFound(node_id)
    return found


def create_default(actor: Actor, code: str) -> bool:
    """Give the organisation the default catalogue (its documents filed by kind)."""
    with unit_of_work():
        org = service.locked(code)
        require(actor, Permission.EDIT_CATALOG, org.id)
        made = tree.ensure(org.id)
        if made:
            audit.record(actor.name, "catalog_created", "organisation", org.id, org_id=org.id)
    return made


def _descendants(org_id: int, node_id: int) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for row in db.session.execute(
        sa.select(CatalogNode.id, CatalogNode.parent_id).where(
            CatalogNode.organisation_id == org_id
        )
    ):
        children.setdefault(row.parent_id, []).append(row.id)
    found: set[int] = set()
    stack = [node_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _clean(org_id: int, values: dict[str, Any], node: CatalogNode | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, (label, limit, required) in TEXTS.items():
        value = str(values.get(name) or "").strip()
        if required and not value:
            errors[name] = f"{label}：必填"
        elif len(value) > limit:
            errors[name] = f"{label}：不能超过 {limit} 个字"
        cleaned[name] = value
    if node is None:
        key = str(values.get("key") or "").strip().lower()
        if not KEY_RE.fullmatch(key):
            errors["key"] = "栏目标识：2 至 40 个小写字母、数字或连字符，以字母开头"
        elif tree_key_taken(org_id, key):
            errors["key"] = "栏目标识：本单位已有相同标识的栏目"
        cleaned["key"] = key
    days = str(values.get("update_days") or "").strip()
    number = int(days) if NUMBER_RE.fullmatch(days) else None
    if days and not (number is not None and 1 <= number <= MAX_UPDATE_DAYS):
        errors["update_days"] = f"更新周期：应为 1 至 {MAX_UPDATE_DAYS} 之间的天数，或留空"
    cleaned["update_days"] = number if days else None
    kinds = [str(kind) for kind in values.get("kinds") or ()]
    unknown = [kind for kind in kinds if kind not in content_types.REGISTRY]
    if unknown:
        errors["kinds"] = f"默认归入的信息类型：未知类型 {unknown[0]}"
    cleaned["kinds"] = [kind for kind in content_types.REGISTRY if kind in kinds]
    parent = str(values.get("parent") or "").strip()
    cleaned["parent_id"] = None
    if parent:
        parent_id = parse_id(parent)
        parent_node = db.session.get(CatalogNode, parent_id) if parent_id else None
        if parent_node is None or parent_node.organisation_id != org_id:
            errors["parent"] = "上级栏目：不存在"
        elif node is not None and (
            parent_node.id == node.id or parent_node.id in _descendants(org_id, node.id)
        ):
            errors["parent"] = "上级栏目：不能是本栏目或它的下级栏目"
        elif parent_node.part:
            errors["parent"] = "上级栏目：该栏目不能有下级栏目"
        else:
            cleaned["parent_id"] = parent_node.id
    if errors:
        raise ValidationError(errors)
    return cleaned


def tree_key_taken(org_id: int, key: str) -> bool:
    return (
        db.session.scalar(
            sa.select(CatalogNode.id).where(
                CatalogNode.organisation_id == org_id, CatalogNode.key == key
            )
        )
        is not None
    )


def save(actor: Actor, code: str, node_id: int | None, values: dict[str, Any]) -> CatalogNode:
    """Add a column (``node_id`` None) or change one. Every problem is reported at once,
    by field, in Chinese; nothing is stored unless all is well."""
    with unit_of_work():
        org = service.locked(code)
        require(actor, Permission.EDIT_CATALOG, org.id)
        node = None
        if node_id is not None:
            node = db.session.get(CatalogNode, node_id)
            if node is None or node.organisation_id != org.id:
                raise NotFound(node_id)
        elif (
            db.session.scalar(
                sa.select(sa.func.count(CatalogNode.id)).where(
                    CatalogNode.organisation_id == org.id
                )
            )
            or 0
        ) >= MAX_NODES:
            raise InvalidTransition(f"公开目录最多 {MAX_NODES} 个栏目")
        cleaned = _clean(org.id, values, node)
        if node is None:
            highest = db.session.scalar(
                sa.select(sa.func.max(CatalogNode.position)).where(
                    CatalogNode.organisation_id == org.id
                )
            )
            node = CatalogNode(organisation_id=org.id, position=(highest or 0) + 1)
            db.session.add(node)
        for name, value in cleaned.items():
            setattr(node, name, value)
        node.updated_at = utcnow()
        db.session.flush()
        audit.record(
            actor.name,
            "catalog_node_saved",
            "catalog_node",
            node.id,
            org_id=org.id,
            key=node.key,
            name=node.name,
        )
    return node


def move(actor: Actor, code: str, node_id: int, *, up: bool) -> None:
    """Swap a column with the sibling before (``up``) or after it."""
    with unit_of_work():
        org = service.locked(code)
        require(actor, Permission.EDIT_CATALOG, org.id)
        node = db.session.get(CatalogNode, node_id)
        if node is None or node.organisation_id != org.id:
            raise NotFound(node_id)
        siblings = [n for n in tree.nodes(org.id) if n.parent_id == node.parent_id]
        index = siblings.index(node)
        other_index = index - 1 if up else index + 1
        if not 0 <= other_index < len(siblings):
            return
        other = siblings[other_index]
        node.position, other.position = other.position, node.position
        node.updated_at = other.updated_at = utcnow()
        audit.record(
            actor.name, "catalog_node_moved", "catalog_node", node.id, org_id=org.id, up=up
        )


def remove(actor: Actor, code: str, node_id: int) -> str:
    """Remove a column with no sub-columns and nothing filed under it; its name."""
    with unit_of_work():
        org = service.locked(code)
        require(actor, Permission.EDIT_CATALOG, org.id)
        node = db.session.get(CatalogNode, node_id)
        if node is None or node.organisation_id != org.id:
            raise NotFound(node_id)
        if node.part:
            raise InvalidTransition(f"“{node.name}”是政府信息公开专栏的固定部分，不能删除")
        if db.session.scalar(sa.select(CatalogNode.id).where(CatalogNode.parent_id == node.id)):
            raise InvalidTransition(f"“{node.name}”还有下级栏目，请先删除或移走它们")
        filed = db.session.scalar(
            sa.select(sa.func.count()).where(CatalogFiling.node_id == node.id)
        )
        if filed:
            raise InvalidTransition(f"“{node.name}”下还有 {filed} 条信息，请先把它们归入其他栏目")
        name = node.name
        db.session.delete(node)
        audit.record(
            actor.name, "catalog_node_removed", "catalog_node", node_id, org_id=org.id, name=name
        )
    return name
