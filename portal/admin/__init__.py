"""The back office's shell: the dashboard, the supervision view (监管), the organisations,
the accounts page and the audit log — the pages that look across areas and organisations.
Every staff screen hangs on the one guarded staff blueprint (``auth.blueprint.bp``); each
area keeps its own (``documents.staff``, ``interaction.staff`` and ``feedback_staff``,
``consultations.staff``, ``disclosure.staff``, ``reports.staff`` and ``publication_staff``,
``search.staff``) and ``STAFF_SCREENS`` names them all, so that ``create_app`` registers
the blueprint once every route is on it."""

from __future__ import annotations

from types import ModuleType

from portal.admin import audit_log, org_profile, orgs, supervision, views
from portal.auth import views as sign_in
from portal.auth.blueprint import bp
from portal.consultations import staff as consultations
from portal.disclosure import staff as disclosure
from portal.documents import links_staff as link_problems
from portal.documents import staff as documents
from portal.documents import wordcheck_staff as wordcheck
from portal.interaction import feedback_staff as feedback
from portal.interaction import request_staff as register
from portal.interaction import staff as inbox
from portal.reports import publication_staff as annual_reports
from portal.reports import staff as reports
from portal.search import staff as search

STAFF_SCREENS: tuple[ModuleType, ...] = (
    sign_in,
    views,
    supervision,
    orgs,
    org_profile,
    disclosure,
    audit_log,
    documents,
    wordcheck,
    link_problems,
    inbox,
    register,
    feedback,
    consultations,
    reports,
    annual_reports,
    search,
)

__all__ = ["STAFF_SCREENS", "bp"]
