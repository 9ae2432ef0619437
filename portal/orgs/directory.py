"""Who the organisations are, read once per request (or CLI command) and kept on ``g``.

Every page needs them — to resolve ``/org/<code>/``, to build a document's URL, to name a
publisher — so one query loads them all (a district has tens, a province a few thousand)
and everything else is a dictionary look-up: the number of SQL statements of a page does
not depend on how many organisations there are. The entries are frozen snapshots, safe
to keep past a commit; the service that changes an organisation forgets them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from flask import current_app, g

from portal.extensions import db
from portal.orgs.models import CONTACT_FIELDS, Organisation, OrgKind

_KEY = "portal_orgs"


class NoHomeOrganisation(LookupError):
    """The database has no organisation yet (run ``flask --app app db upgrade``)."""


@dataclass(frozen=True)
class Org:
    """An organisation as pages see it."""

    id: int
    code: str
    name: str
    short_name: str
    kind: OrgKind
    credit_code: str
    parent_id: int | None
    sort: int
    address: str
    office_hours: str
    phone: str
    fax: str
    email: str
    postcode: str
    is_home: bool = False

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def url_code(self) -> str | None:
        """The ``org_code`` of its pages' URLs: None for the home organisation (the root)."""
        return None if self.is_home else self.code

    def contacts(self) -> list[tuple[str, str]]:
        return [
            (label, value)
            for name, label in CONTACT_FIELDS.items()
            if (value := getattr(self, name))
        ]


@dataclass(frozen=True)
class Directory:
    orgs: tuple[Org, ...]
    by_id: dict[int, Org]
    by_code: dict[str, Org]
    home: Org


_COLUMNS = [f.name for f in fields(Org) if f.name != "is_home"]


def _load() -> Directory:
    rows = db.session.execute(
        sa.select(*(getattr(Organisation, name) for name in _COLUMNS)).order_by(
            Organisation.sort, Organisation.id
        )
    ).all()
    if not rows:
        raise NoHomeOrganisation("no organisation: run `flask --app app db upgrade`")
    wanted = current_app.config["HOME_ORG"]
    first = min(rows, key=lambda row: row.id)
    home_code = wanted if wanted and any(row.code == wanted for row in rows) else first.code
    orgs = tuple(
        Org(**{name: getattr(row, name) for name in _COLUMNS}, is_home=row.code == home_code)
        for row in rows
    )
    by_id = {org.id: org for org in orgs}
    by_code = {org.code: org for org in orgs}
    return Directory(orgs, by_id, by_code, by_code[home_code])


def directory() -> Directory:
    """Every organisation, loaded once per application context."""
    found: Directory | None = g.get(_KEY)
    if found is None:
        found = _load()
        setattr(g, _KEY, found)
    return found


def forget() -> None:
    """Drop the loaded organisations (after one was created or changed)."""
    g.pop(_KEY, None)


def all_orgs() -> tuple[Org, ...]:
    return directory().orgs


def home() -> Org:
    return directory().home


def get(org_id: int) -> Org:
    return directory().by_id[org_id]


def by_code(code: str) -> Org | None:
    return directory().by_code.get(code)


def is_platform() -> bool:
    """More than one organisation: the site is a platform, not one office's site."""
    return len(directory().orgs) > 1


def current() -> Org:
    """The organisation whose pages are being shown: ``/org/<code>/…`` or the home one."""
    org: Org | None = g.get("org")
    return org if org is not None else home()


def url_code(org_id: int) -> str | None:
    """The ``org_code`` URL value of an organisation's pages (None: at the root)."""
    return get(org_id).url_code


def as_json(org: Org) -> dict[str, Any]:
    return {"code": org.code, "name": org.name}
