"""``/admin/audit``: the audit log, read-only and filterable (admins only), scoped to the
organisations the signed-in person supervises; rows about no organisation (sign-ins, the
platform itself) only for platform admins.

No route changes or deletes a row: this module only reads, and ``portal.audit`` refuses
ORM updates and deletes of audit records.
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, render_template, request

from portal.audit import ACTIONS, TARGET_TYPES, AuditRecord
from portal.auth.actor import Permission
from portal.auth.blueprint import bp, current_actor
from portal.extensions import db
from portal.orgs import directory
from portal.timeutil import local_midnight_utc
from portal.web.args import date_arg, page_arg, text_arg
from portal.web.pagination import Page

PER_PAGE = 50


@bp.get("/audit")
def audit():
    """Every recorded action one may supervise, newest first, filtered by organisation,
    actor, action, target and dates."""
    actor = text_arg("actor", 100)
    org_code = request.args.get("org", "")
    org = directory.by_code(org_code) if org_code else None
    action = request.args.get("action", "")
    target_type = request.args.get("target_type", "")
    target_id = request.args.get("target_id", "").strip()
    since, until = date_arg("from", years=(2000, 2100)), date_arg("to", years=(2000, 2100))
    page = page_arg()

    # ``organisation_id IN (…)`` never keeps a NULL: rows about no organisation are seen
    # only where the scope is everything, i.e. by platform admins.
    conditions = [current_actor().scope(AuditRecord.organisation_id, Permission.SUPERVISE)]
    if org is not None:
        conditions.append(AuditRecord.organisation_id == org.id)
    if actor:
        conditions.append(AuditRecord.actor == actor)
    if action in ACTIONS:
        conditions.append(AuditRecord.action == action)
    if target_type in TARGET_TYPES:
        conditions.append(AuditRecord.target_type == target_type)
    if re.fullmatch(r"[0-9]{1,9}", target_id):
        conditions.append(AuditRecord.target_id == int(target_id))
    if since:
        conditions.append(AuditRecord.created_at >= local_midnight_utc(since))
    if until:
        conditions.append(AuditRecord.created_at < local_midnight_utc(until + timedelta(days=1)))

    total = db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(*conditions)) or 0
    if (page - 1) * PER_PAGE >= max(total, 1):
        abort(404)
    rows = db.session.scalars(
        sa.select(AuditRecord)
        .where(*conditions)
        .order_by(AuditRecord.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "admin/audit.html",
        result=Page(list(rows), page, PER_PAGE, total),
        actions=ACTIONS,
        target_types=TARGET_TYPES,
        orgs=_supervised_orgs(),
        filters={
            "org": org.code if org else "",
            "actor": actor,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "from": since.isoformat() if since else "",
            "to": until.isoformat() if until else "",
        },
    )


def _supervised_orgs() -> list[directory.Org]:
    """The organisations offered in the filter (none on a one-office site)."""
    if not directory.is_platform():
        return []
    ids = current_actor().org_ids(Permission.SUPERVISE)
    return [org for org in directory.all_orgs() if ids is None or org.id in ids]
