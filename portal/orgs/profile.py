"""An organisation's 机构概况 (政府信息公开条例 Art. 20(二)): contacts, functions, 内设机构,
leaders and directions, edited by that organisation's admins and read by ``/about/``.

Saving the whole profile counts as reviewing it; an admin who finds nothing to change
confirms it (``confirm``), so the dashboard stops warning for another six months.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from portal import audit
from portal.auth.actor import SYSTEM, Actor, Permission, require
from portal.database import unit_of_work
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.orgs import directory, service
from portal.orgs.models import (
    CONTACT_FIELDS,
    PROFILE_REVIEW_DAYS,
    OrgLeader,
    OrgProfile,
    OrgUnit,
)
from portal.timeutil import utcnow

FUNCTIONS_LIMIT = 5000
DIRECTIONS_LIMIT = 1000
DUTIES_LIMIT = 1000
MAX_ROWS = 60
LABELS = {"functions": "机构职能", "directions": "来访路线", **CONTACT_FIELDS}
UNIT_FIELDS = {"name": ("名称", 100), "duties": ("职责", DUTIES_LIMIT), "phone": ("电话", 50)}
LEADER_FIELDS = {"name": ("姓名", 50), "post": ("职务", 100), "duties": ("分工", DUTIES_LIMIT)}
#: Each list's required fields (a row with none of its fields filled is left out).
REQUIRED = {"units": ("name",), "leaders": ("name", "post")}
LIST_LABELS = {"units": "内设机构", "leaders": "领导信息"}


@dataclass(frozen=True)
class Unit:
    name: str
    duties: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Leader:
    name: str
    post: str
    duties: str = ""


@dataclass(frozen=True)
class About:
    """What ``/about/`` shows of one organisation."""

    org: directory.Org
    functions: str
    directions: str
    units: list[Unit]
    leaders: list[Leader]
    reviewed_at: datetime | None

    @property
    def is_empty(self) -> bool:
        return not (self.functions or self.units or self.leaders or self.org.contacts())


def about(org: directory.Org) -> About:
    """The organisation's 机构概况 as residents see it."""
    profile = db.session.get(OrgProfile, org.id)
    units = db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.organisation_id == org.id).order_by(OrgUnit.sort)
    ).all()
    leaders = db.session.scalars(
        sa.select(OrgLeader).where(OrgLeader.organisation_id == org.id).order_by(OrgLeader.sort)
    ).all()
    return About(
        org=org,
        functions=profile.functions if profile else "",
        directions=profile.directions if profile else "",
        units=[Unit(u.name, u.duties, u.phone) for u in units],
        leaders=[Leader(x.name, x.post, x.duties) for x in leaders],
        reviewed_at=profile.reviewed_at if profile else None,
    )


def for_editing(actor: Actor, code: str) -> About:
    """The 机构概况 of ``code`` for its admins' form (``NotAuthorized`` for anyone else)."""
    org = directory.by_code(code)
    if org is None:
        raise NotFound(f"没有代码为 {code} 的单位")
    require(actor, Permission.EDIT_ORG_PROFILE, org.id)
    return about(org)


def editable(actor: Actor) -> list[tuple[directory.Org, datetime | None]]:
    """The organisations whose 机构概况 ``actor`` may edit, with when each was last
    reviewed."""
    ids = actor.org_ids(Permission.EDIT_ORG_PROFILE)
    orgs = [org for org in directory.all_orgs() if ids is None or org.id in ids]
    found = db.session.execute(
        sa.select(OrgProfile.organisation_id, OrgProfile.reviewed_at).where(
            OrgProfile.organisation_id.in_([org.id for org in orgs])
        )
    ).tuples()
    reviewed = {org_id: when for org_id, when in found}
    return [(org, reviewed.get(org.id)) for org in orgs]


def review_due(reviewed_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether a profile last reviewed at ``reviewed_at`` needs a look (never, or more than
    six months ago)."""
    if reviewed_at is None:
        return True
    return (now or utcnow()) - reviewed_at > timedelta(days=PROFILE_REVIEW_DAYS)


def _rows(
    name: str, rows: Sequence[dict[str, Any]], fields: dict[str, tuple[str, int]]
) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The filled rows of one list, each field stripped, and the problems by
    ``<list>-<index>-<field>`` (the form's field names)."""
    kept: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    for index, row in enumerate(rows):
        values = {key: str(row.get(key) or "").strip() for key in fields}
        if not any(values.values()):
            continue
        where = f"{LIST_LABELS[name]}第{index + 1}行"
        for key, (label, limit) in fields.items():
            if key in REQUIRED[name] and not values[key]:
                errors[f"{name}-{index}-{key}"] = f"{where}：{label}必填"
            elif len(values[key]) > limit:
                errors[f"{name}-{index}-{key}"] = f"{where}：{label}不能超过 {limit} 个字"
        kept.append(values)
    if len(kept) > MAX_ROWS:
        errors[name] = f"{LIST_LABELS[name]}：最多 {MAX_ROWS} 行"
    return kept, errors


def save(
    actor: Actor,
    code: str,
    *,
    functions: str,
    directions: str,
    contacts: dict[str, str],
    units: Sequence[dict[str, Any]],
    leaders: Sequence[dict[str, Any]],
) -> None:
    """Replace the 机构概况 of organisation ``code`` (its admins, or platform admins) and
    count it as reviewed now. Every problem is reported at once, in Chinese, by field;
    nothing is stored unless all is well."""
    with unit_of_work():
        org = service.locked(code)
        require(actor, Permission.EDIT_ORG_PROFILE, org.id)
        errors: dict[str, str] = {}
        functions, directions = (functions or "").strip(), (directions or "").strip()
        if len(functions) > FUNCTIONS_LIMIT:
            errors["functions"] = f"{LABELS['functions']}：不能超过 {FUNCTIONS_LIMIT} 个字"
        if len(directions) > DIRECTIONS_LIMIT:
            errors["directions"] = f"{LABELS['directions']}：不能超过 {DIRECTIONS_LIMIT} 个字"
        unknown = set(contacts) - set(CONTACT_FIELDS)
        if unknown:
            raise TypeError(f"not contact fields: {sorted(unknown)}")
        try:
            cleaned = service.clean_contacts(contacts)
        except ValidationError as exc:
            errors |= exc.errors
            cleaned = {}
        unit_rows, unit_errors = _rows("units", units, UNIT_FIELDS)
        leader_rows, leader_errors = _rows("leaders", leaders, LEADER_FIELDS)
        errors |= unit_errors | leader_errors
        if errors:
            raise ValidationError(errors)

        now = utcnow()
        for name, value in cleaned.items():
            setattr(org, name, value)
        org.updated_at = now  # pages showing the organisation are rendered again
        profile = db.session.get(OrgProfile, org.id)
        if profile is None:
            profile = OrgProfile(organisation_id=org.id)
            db.session.add(profile)
        profile.functions, profile.directions = functions, directions
        profile.reviewed_at, profile.reviewed_by = now, actor.name
        db.session.execute(sa.delete(OrgUnit).where(OrgUnit.organisation_id == org.id))
        db.session.execute(sa.delete(OrgLeader).where(OrgLeader.organisation_id == org.id))
        db.session.add_all(
            OrgUnit(organisation_id=org.id, sort=i, **row) for i, row in enumerate(unit_rows)
        )
        db.session.add_all(
            OrgLeader(organisation_id=org.id, sort=i, **row) for i, row in enumerate(leader_rows)
        )
        db.session.flush()
        service.facts_changed.send(None, org_id=org.id)
        audit.record(
            actor.name,
            "org_profile_saved",
            "organisation",
            org.id,
            org_id=org.id,
            units=len(unit_rows),
            leaders=len(leader_rows),
        )
    directory.forget()


def confirm(actor: Actor, code: str) -> None:
    """Record that the organisation's admins checked its 机构概况 and found it current."""
    with unit_of_work():
        org = service.locked(code)
        require(actor, Permission.EDIT_ORG_PROFILE, org.id)
        profile = db.session.get(OrgProfile, org.id)
        if profile is None:
            profile = OrgProfile(organisation_id=org.id, functions="", directions="")
            db.session.add(profile)
        profile.reviewed_at, profile.reviewed_by = utcnow(), actor.name
        org.updated_at = profile.reviewed_at
        audit.record(actor.name, "org_profile_confirmed", "organisation", org.id, org_id=org.id)
    directory.forget()


def load_example(path: Path) -> bool:
    """Give the home organisation the 机构概况 of ``path`` (YAML: ``functions``,
    ``directions``, contact fields, ``units``, ``leaders``) if it has none yet, so that a
    demo site's ``/about/`` is filled in and staff edits are never overwritten; True when
    it was loaded."""
    if not path.is_file():
        return False
    home = directory.home()
    if db.session.get(OrgProfile, home.id) is not None:
        return False
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    save(
        SYSTEM,
        home.code,
        functions=str(data.get("functions") or ""),
        directions=str(data.get("directions") or ""),
        contacts={name: str(data.get(name) or "") for name in CONTACT_FIELDS},
        units=list(data.get("units") or []),
        leaders=list(data.get("leaders") or []),
    )
    return True
