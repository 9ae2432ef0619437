"""An organisation's 政府信息公开指南 (政府信息公开条例 Art. 12): generated from its facts
(name, address, hours, phones) plus the text its admins write (the office that takes
requests, the 救济 bodies, anything else), with a dated version history.

A version is recorded whenever what residents would read changes: when the admins save
the guide's text, and when the organisation's facts change (``orgs.service.facts_changed``,
sent inside the unit of work that changes them, so the version and the change commit
together).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.disclosure.models import DisclosureGuide, GuideVersion
from portal.documents import filing
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.orgs import directory, service
from portal.orgs.models import CONTACT_FIELDS, Organisation
from portal.timeutil import utcnow

#: The admins' fields: name -> (label, limit).
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "intro": ("概述", 2000),
    "office": ("受理机构", 100),
    "review_body": ("行政复议机关", 100),
    "court": ("行政诉讼管辖法院", 100),
    "notes": ("其他说明", 2000),
}
#: What the guide says when the admins have not named the bodies.
DEFAULT_REVIEW_BODY = "依法负责受理的行政复议机关"
DEFAULT_COURT = "有管辖权的人民法院"
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class Version:
    number: int
    created_at: datetime
    reason: str


def content(org_id: int) -> dict[str, Any]:
    """What the guide says now, as stored with a version (plain values only)."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound(org_id)
    text = db.session.get(DisclosureGuide, org_id)
    values = {name: (getattr(text, name) if text else "") for name in TEXT_FIELDS}
    return {
        "org_name": org.name,
        "contacts": {name: getattr(org, name) or "" for name in CONTACT_FIELDS},
        **values,
        "office": values["office"] or org.name,
        "review_body": values["review_body"] or DEFAULT_REVIEW_BODY,
        "court": values["court"] or DEFAULT_COURT,
    }


@dataclass(frozen=True)
class Remedy:
    """An organisation's 救济 bodies as its admins named them in the guide ("" where they
    did not), and whom a resident should ask then. The wording residents read is the one
    macro ``disclosure/_remedy.html`` (the guide and the answer to a request use it)."""

    review_body: str
    court: str
    ask: str


def remedy(org_id: int) -> Remedy:
    """The 救济 bodies of organisation ``org_id`` (a template global: ``remedy_bodies``)."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound(org_id)
    text = db.session.get(DisclosureGuide, org_id)
    office = (text.office if text else "") or org.name
    return Remedy(
        review_body=text.review_body if text else "",
        court=text.court if text else "",
        ask=f"{office}（电话 {org.phone}）" if org.phone else office,
    )


def _digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def record(org_id: int, reason: str) -> GuideVersion | None:
    """Record the guide as it reads now if it differs from its last version (in the
    caller's unit of work); the new version, or None when nothing changed."""
    values = content(org_id)
    digest = _digest(values)
    last = db.session.execute(
        sa.select(GuideVersion.number, GuideVersion.digest)
        .where(GuideVersion.organisation_id == org_id)
        .order_by(GuideVersion.number.desc())
        .limit(1)
    ).first()
    if last is not None and last.digest == digest:
        return None
    if last is None:
        reason = "首次发布"
    version = GuideVersion(
        organisation_id=org_id,
        number=(last.number if last else 0) + 1,
        created_at=utcnow(),
        reason=reason,
        digest=digest,
        content=values,
    )
    db.session.add(version)
    return version


def _facts_changed(sender: Any, org_id: int, created: bool = False, **_: Any) -> None:
    if created:  # a new organisation: its section from the start
        filing.ensure(org_id)
    record(org_id, "机构信息变更")


service.facts_changed.connect(_facts_changed)


def history(org_id: int) -> list[Version]:
    """The guide's versions, newest first."""
    rows = db.session.execute(
        sa.select(GuideVersion.number, GuideVersion.created_at, GuideVersion.reason)
        .where(GuideVersion.organisation_id == org_id)
        .order_by(GuideVersion.number.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    return [Version(*row) for row in rows]


def version(org_id: int, number: int) -> tuple[Version, dict[str, Any]]:
    """An earlier version as residents read it (``NotFound`` if there is none)."""
    row = db.session.scalar(
        sa.select(GuideVersion).where(
            GuideVersion.organisation_id == org_id, GuideVersion.number == number
        )
    )
    if row is None:
        raise NotFound(number)
    return Version(row.number, row.created_at, row.reason), dict(row.content)


def texts(actor: Actor, code: str) -> dict[str, str]:
    """The admins' text of ``code``'s guide, for their form."""
    org = directory.by_code(code)
    if org is None:
        raise NotFound(code)
    require(actor, Permission.EDIT_CATALOG, org.id)
    text = db.session.get(DisclosureGuide, org.id)
    return {name: (getattr(text, name) if text else "") for name in TEXT_FIELDS}


def save(actor: Actor, code: str, values: dict[str, str]) -> GuideVersion | None:
    """Replace the admins' text of the guide of ``code`` and record the new version.
    Every problem is reported at once, by field; nothing is stored unless all is well."""
    with unit_of_work():
        org = service.locked(code)
        require(actor, Permission.EDIT_CATALOG, org.id)
        cleaned: dict[str, str] = {}
        errors: dict[str, str] = {}
        for name, (label, limit) in TEXT_FIELDS.items():
            value = (values.get(name) or "").strip()
            if len(value) > limit:
                errors[name] = f"{label}：不能超过 {limit} 个字"
            cleaned[name] = value
        if errors:
            raise ValidationError(errors)
        text = db.session.get(DisclosureGuide, org.id)
        if text is None:
            text = DisclosureGuide(organisation_id=org.id)
            db.session.add(text)
        for name, value in cleaned.items():
            setattr(text, name, value)
        text.updated_at, text.updated_by = utcnow(), actor.name
        db.session.flush()
        made = record(org.id, "公开指南修订")
        audit.record(
            actor.name,
            "guide_saved",
            "organisation",
            org.id,
            org_id=org.id,
            version=made.number if made else None,
        )
    return made


def ensure_sections() -> int:
    """Give every organisation without them its catalogue (its documents filed by kind)
    and its guide's first version, one unit of work each (after an upgrade, by ``python
    app.py`` and ``flask content load``); how many organisations got anything."""
    made = 0
    for org in directory.all_orgs():
        if filing.has_tree(org.id) and history(org.id):
            continue
        with unit_of_work():
            service.locked(org.code)
            tree_made = filing.ensure(org.id)
            version = record(org.id, "首次发布") if not history(org.id) else None
        made += bool(tree_made or version)
    return made


def load_example(path: Path) -> bool:
    """Give the home organisation the guide text of ``path`` (YAML with the keys of
    ``TEXT_FIELDS``) if it has none yet, so that a demo site's guide names its office and
    救济 bodies and staff edits are never overwritten; True when it was loaded."""
    if not path.is_file():
        return False
    org_id = directory.home().id
    if db.session.get(DisclosureGuide, org_id) is not None:
        return False
    values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    with unit_of_work():
        text = DisclosureGuide(organisation_id=org_id, updated_by="内容文件")
        for name, (_, limit) in TEXT_FIELDS.items():
            setattr(text, name, str(values.get(name) or "")[:limit])
        db.session.add(text)
        db.session.flush()
        record(org_id, "首次发布")
    return True
