"""``/admin/supervision``: the supervision view (监管) of a platform, one row per
organisation — its inspection warnings, when it last published and how much, its waiting
messages and requests — the screen a district's 政务公开办 keeps every 专栏 out of
trouble with. Platform admins see every organisation, an office's admins their own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template

from portal.admin import inspection
from portal.auth.actor import Permission
from portal.auth.blueprint import bp, current_actor
from portal.orgs import directory
from portal.orgs.directory import Org
from portal.timeutil import local_date, utcnow


@dataclass(frozen=True)
class Row:
    org: Org
    standing: inspection.Standing
    alerts: list[inspection.Alert]

    @property
    def severe(self) -> int:
        return sum(1 for alert in self.alerts if alert.severe)


@bp.get("/supervision")
def supervision():
    """Every organisation one supervises: warnings, last update and counts, in one table."""
    actor = current_actor()
    today = local_date(utcnow())
    ids = actor.org_ids(Permission.SUPERVISE)
    orgs = [org for org in directory.all_orgs() if ids is None or org.id in ids]

    def supervised(column: Any):
        return actor.scope(column, Permission.SUPERVISE)

    table = inspection.standings(today, [org.id for org in orgs], scope=supervised)
    rows = [Row(org, table[org.id], table[org.id].alerts(today, requests=True)) for org in orgs]
    return render_template(
        "admin/supervision.html",
        rows=rows,
        in_trouble=sum(1 for row in rows if row.severe),
        platform_alerts=inspection.calendar_arrangement(today),
        today=today,
    )
