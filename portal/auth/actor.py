"""Who is acting, and what they may do: the last gate, checked inside every service.

The route table (``blueprint.ACCESS``) is the first gate and only knows the back office's
pages. A service may also be called from the CLI, the content loader, the retention purge
or another service, so each one starts by asking ``require(actor, permission)`` — as CKAN's
actions start with ``check_access`` — and refuses with ``NotAuthorized`` (403, mapped in
``portal.errors``) whatever its caller. There is no "trusted" caller without a name: the
loader and the commands act as ``SYSTEM``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from portal.errors import NotAuthorized


class Permission(StrEnum):
    """What a service may be asked to do."""

    WRITE_DOCUMENTS = "write_documents"  # create drafts, change them, send them to review
    REVIEW_DOCUMENTS = "review_documents"  # publish, withdraw, change what is in review or live
    HANDLE_MESSAGES = "handle_messages"  # answer, publish and unpublish messages
    HANDLE_REQUESTS = "handle_requests"  # register, extend, 补正, consult, resume, close requests
    # file a request's released information as a draft for editors (Art. 44)
    PROPOSE_DISCLOSURE = "propose_disclosure"
    REVEAL_PERSONAL_DATA = "reveal_personal_data"  # see a resident's details in full
    SET_QUESTIONS = "set_questions"  # a consultation's questions
    MODERATE_OPINIONS = "moderate_opinions"  # publish, hide, adopt opinions
    PUBLISH_RESULTS = "publish_results"  # a consultation's result (结果反馈)
    ENTER_REPORT_FIGURES = "enter_report_figures"  # the annual report's Table 四
    MAINTAIN = "maintain"  # purge personal data, recompute deadlines, load content
    MANAGE_ORGANISATIONS = "manage_organisations"  # create and change organisations
    MANAGE_ACCOUNTS = "manage_accounts"  # staff accounts and their memberships
    SUPERVISE = "supervise"  # the supervision view (监管) and the audit log
    MANAGE_SEARCH = "manage_search"  # hide and show hot words (热词)
    MANAGE_SYNONYMS = "manage_synonyms"  # the platform-wide synonym groups of search
    MANAGE_WORD_LIST = "manage_word_list"  # the platform's own 错敏词
    EDIT_ORG_PROFILE = "edit_org_profile"  # an organisation's 机构概况: contacts, units, leaders
    EDIT_CATALOG = "edit_catalog"  # an organisation's 公开目录 and 公开指南


#: The roles that hold each permission. ``system`` is the portal's own processes,
#: ``platform`` a platform admin (``User.platform_admin``), held in every organisation.
GRANTS: dict[Permission, frozenset[str]] = {
    Permission.WRITE_DOCUMENTS: frozenset({"editor", "reviewer", "system"}),
    Permission.REVIEW_DOCUMENTS: frozenset({"reviewer", "system"}),
    Permission.HANDLE_MESSAGES: frozenset({"handler", "system"}),
    Permission.HANDLE_REQUESTS: frozenset({"handler", "system"}),
    Permission.PROPOSE_DISCLOSURE: frozenset({"handler", "system"}),
    Permission.REVEAL_PERSONAL_DATA: frozenset({"handler"}),
    Permission.SET_QUESTIONS: frozenset({"editor", "reviewer", "system"}),
    Permission.MODERATE_OPINIONS: frozenset({"handler", "system"}),
    Permission.PUBLISH_RESULTS: frozenset({"reviewer", "system"}),
    Permission.ENTER_REPORT_FIGURES: frozenset({"reviewer", "admin", "system"}),
    Permission.MAINTAIN: frozenset({"system"}),
    Permission.MANAGE_ORGANISATIONS: frozenset({"platform", "system"}),
    Permission.MANAGE_ACCOUNTS: frozenset({"platform", "system"}),
    Permission.SUPERVISE: frozenset({"admin", "platform", "system"}),
    Permission.MANAGE_SEARCH: frozenset({"admin", "platform", "system"}),
    Permission.MANAGE_SYNONYMS: frozenset({"platform", "system"}),
    Permission.MANAGE_WORD_LIST: frozenset({"platform", "system"}),
    Permission.EDIT_ORG_PROFILE: frozenset({"admin", "platform", "system"}),
    Permission.EDIT_CATALOG: frozenset({"admin", "platform", "system"}),
}


@dataclass(frozen=True)
class Actor:
    """Someone (or the portal itself) acting: the name the audit log records, and what they
    hold where.

    ``memberships`` maps an organisation's id to the roles held there; ``everywhere`` holds
    roles that count in every organisation (the portal's ``system``, a platform admin's
    ``platform``, and staff in tests about behaviour rather than access).
    """

    name: str
    everywhere: frozenset[str] = frozenset()
    memberships: Mapping[int, frozenset[str]] = field(default_factory=dict)
    user_id: int | None = None

    @classmethod
    def staff(
        cls,
        name: str,
        *roles: str,
        user_id: int | None = None,
        org_ids: Iterable[int] | None = None,
    ) -> Actor:
        """A member of staff holding ``roles`` in ``org_ids`` (None: in every organisation)."""
        if org_ids is None:
            return cls(name, frozenset(roles), {}, user_id)
        held = frozenset(roles)
        return cls(name, frozenset(), {org_id: held for org_id in org_ids}, user_id)

    @property
    def roles(self) -> frozenset[str]:
        """Every role held anywhere."""
        held = set(self.everywhere)
        for roles in self.memberships.values():
            held |= roles
        return frozenset(held)

    def roles_in(self, org_id: int) -> frozenset[str]:
        return self.everywhere | self.memberships.get(org_id, frozenset())

    def may(self, permission: Permission, org_id: int | None = None) -> bool:
        """Whether the actor holds ``permission`` in ``org_id`` (None: in any organisation)."""
        roles = self.roles if org_id is None else self.roles_in(org_id)
        return bool(roles & GRANTS[permission])

    def org_ids(self, permission: Permission) -> frozenset[int] | None:
        """The organisations where the actor holds ``permission``; None means every one."""
        if self.everywhere & GRANTS[permission]:
            return None
        return frozenset(
            org_id for org_id, roles in self.memberships.items() if roles & GRANTS[permission]
        )

    def scope(self, column: Any, permission: Permission) -> sa.ColumnElement[bool]:
        """A WHERE clause keeping the rows of ``column`` (an ``organisation_id``) in the
        organisations where the actor holds ``permission``."""
        ids = self.org_ids(permission)
        if ids is None:
            return sa.true()
        return column.in_(sorted(ids)) if ids else sa.false()

    @property
    def is_system(self) -> bool:
        return "system" in self.everywhere

    @property
    def is_platform_admin(self) -> bool:
        return bool(self.everywhere & {"system", "platform"})


#: The portal's own processes: the content loader, CLI commands, the retention purge.
SYSTEM = Actor("system", frozenset({"system"}))


def require(actor: Actor, permission: Permission, org_id: int | None = None) -> None:
    """Refuse (``NotAuthorized``) unless ``actor`` holds ``permission`` — in ``org_id``
    when the action concerns one organisation's data."""
    if not actor.may(permission, org_id):
        raise NotAuthorized(f"{actor.name} may not {permission}")
