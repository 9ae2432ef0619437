"""Creating and changing organisations: platform admins and the portal's own commands."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app

from portal import audit, creditcode
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.orgs import directory
from portal.orgs.models import CONTACT_FIELDS, Organisation, OrgKind
from portal.timeutil import utcnow

CODE_RE = re.compile(r"[a-z][a-z0-9-]{1,31}")
_EMAIL_RE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
LABELS = {
    "code": "单位代码",
    "name": "单位全称",
    "short_name": "单位简称",
    "kind": "单位类型",
    "credit_code": "统一社会信用代码",
    "parent": "上级单位",
    "sort": "排序",
    **CONTACT_FIELDS,
}
LIMITS = {"name": 100, "short_name": 50, "address": 200, "office_hours": 200, "phone": 50}
LIMITS |= {"fax": 50, "email": 254}

#: Sent inside the unit of work that created an organisation (``created=True``) or changed
#: its name or contacts, with ``org_id=``: pages generated from them (the 公开指南) record
#: their new version.
facts_changed = Namespace().signal("org-facts-changed")


def _clean(values: dict[str, Any], *, creating: bool, org_id: int | None) -> dict[str, Any]:
    """Check every given field; raise ``ValidationError`` naming each bad one, in Chinese."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}

    def bad(name: str, problem: str) -> None:
        errors[name] = f"{LABELS[name]}：{problem}"

    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, str):
            value = value.strip()
        if name == "code":
            if not CODE_RE.fullmatch(value):
                bad(name, "应为2至32位小写字母、数字或连字符，以字母开头")
            elif db.session.scalar(sa.select(Organisation.id).where(Organisation.code == value)):
                bad(name, f"已有单位使用 {value}")
        elif name in ("name", "short_name"):
            if not value:
                bad(name, "必填")
            elif len(value) > LIMITS[name]:
                bad(name, f"不能超过 {LIMITS[name]} 个字")
        elif name == "kind":
            try:
                value = OrgKind(value)
            except ValueError:
                bad(name, "应为 " + "、".join(kind.value for kind in OrgKind))
        elif name == "credit_code":
            value = value.upper().replace(" ", "")
            if problem := creditcode.problem(value):
                bad(name, problem)
            elif db.session.scalar(
                sa.select(Organisation.id).where(
                    Organisation.credit_code == value, Organisation.id != (org_id or 0)
                )
            ):
                bad(name, "已被其他单位使用")
        elif name == "parent":
            if value == "":
                name, value = "parent_id", None
            else:
                parent = db.session.scalar(
                    sa.select(Organisation).where(Organisation.code == value)
                )
                if parent is None:
                    bad(name, f"没有代码为 {value} 的单位")
                    continue
                if org_id is not None and _is_below(parent.id, org_id):
                    bad(name, "不能是本单位或其下级单位")
                    continue
                name, value = "parent_id", parent.id
        elif name == "sort":
            if not isinstance(value, int) or not -99_999 <= value <= 99_999:
                bad(name, "应为 -99999 至 99999 之间的整数")
        elif name == "postcode":
            if value and not re.fullmatch(r"[0-9]{6}", value):
                bad(name, "应为6位数字")
        elif name == "email":
            if value and (len(value) > LIMITS[name] or not _EMAIL_RE.fullmatch(value)):
                bad(name, "格式不正确")
        elif name in CONTACT_FIELDS:
            if len(value) > LIMITS[name]:
                bad(name, f"不能超过 {LIMITS[name]} 个字")
        else:
            raise TypeError(f"unknown organisation field {name}")
        cleaned[name] = value
    if creating:
        for name in ("code", "name", "short_name", "kind", "credit_code"):
            if not values.get(name) and name not in errors:
                bad(name, "必填")
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_contacts(values: dict[str, Any]) -> dict[str, Any]:
    """The contact facts of ``values`` checked as ``create``/``update`` check them (the
    机构概况 form of an organisation's admins sets them too)."""
    contacts = {name: value for name, value in values.items() if name in CONTACT_FIELDS}
    return _clean(contacts, creating=False, org_id=None)


def _is_below(candidate_id: int, org_id: int) -> bool:
    """Whether ``candidate_id`` is ``org_id`` or one of its descendants (no loops)."""
    rows = db.session.execute(sa.select(Organisation.id, Organisation.parent_id)).all()
    parents = {row.id: row.parent_id for row in rows}
    seen: set[int] = set()
    node: int | None = candidate_id
    while node is not None and node not in seen:
        if node == org_id:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def create(actor: Actor, **values: Any) -> Organisation:
    """A new organisation (``code``, ``name``, ``short_name``, ``kind``, ``credit_code``
    required; ``parent`` is a code; contact facts optional)."""
    require(actor, Permission.MANAGE_ORGANISATIONS)
    with unit_of_work():
        cleaned = _clean(values, creating=True, org_id=None)
        org = Organisation(**cleaned)
        db.session.add(org)
        db.session.flush()
        facts_changed.send(None, org_id=org.id, created=True)
        audit.record(
            actor.name, "org_created", "organisation", org.id, org_id=org.id, code=org.code
        )
    directory.forget()
    return org


def locked(code: str) -> Organisation:
    """The organisation ``code``, locked for this unit of work's change (``NotFound``)."""
    org = db.session.scalar(
        sa.select(Organisation).where(Organisation.code == code).with_for_update()
    )
    if org is None:
        raise NotFound(f"没有代码为 {code} 的单位")
    return org


def update(actor: Actor, code: str, **values: Any) -> Organisation:
    """Change the given fields of the organisation ``code`` (its code itself stays)."""
    require(actor, Permission.MANAGE_ORGANISATIONS)
    with unit_of_work():
        org = locked(code)
        cleaned = _clean(values, creating=False, org_id=org.id)
        for name, value in cleaned.items():
            setattr(org, name, value)
        org.updated_at = utcnow()
        db.session.flush()
        facts_changed.send(None, org_id=org.id)
        audit.record(
            actor.name,
            "org_updated",
            "organisation",
            org.id,
            org_id=org.id,
            changed=sorted(cleaned),
        )
    directory.forget()
    return org


def first_organisation_values(config: dict[str, Any]) -> dict[str, Any]:
    """The first organisation, made with the database from the ``ORG_*`` settings."""
    return {
        "code": config["HOME_ORG"] or config["ORG_CODE"],
        "name": config["ORG_NAME"],
        "short_name": config["ORG_SHORT_NAME"],
        "kind": OrgKind.STREET,
        "credit_code": config["ORG_CREDIT_CODE"],
        "sort": 0,
    }


def ensure_home() -> None:
    """Create the first organisation from the settings when there is none (a database
    emptied by hand, or by the tests between cases); the migration makes it otherwise."""
    if db.session.scalar(sa.select(sa.func.count(Organisation.id))):
        return
    with unit_of_work():
        db.session.add(Organisation(**first_organisation_values(current_app.config)))
    directory.forget()
