"""Who is acting, and what they may do: the last gate, checked inside every service.

The route table (``blueprint.ACCESS``) is the first gate and only knows the back office's
pages. A service may also be called from the CLI, the content loader, the retention purge
or another service, so each one starts by asking ``require(actor, permission)`` — as CKAN's
actions start with ``check_access`` — and refuses with ``NotAuthorized`` (403, mapped in
``portal.errors``) whatever its caller. There is no "trusted" caller without a name: the
loader and the commands act as ``SYSTEM``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.errors import NotAuthorized


class Permission(StrEnum):
    """What a service may be asked to do."""

    WRITE_DOCUMENTS = "write_documents"  # create drafts, change them, send them to review
    REVIEW_DOCUMENTS = "review_documents"  # publish, withdraw, change what is in review or live
    HANDLE_MESSAGES = "handle_messages"  # answer, publish and unpublish messages
    HANDLE_REQUESTS = "handle_requests"  # extend, 补正, consult, resume, close requests
    REVEAL_PERSONAL_DATA = "reveal_personal_data"  # see a resident's details in full
    SET_QUESTIONS = "set_questions"  # a consultation's questions
    MODERATE_OPINIONS = "moderate_opinions"  # publish, hide, adopt opinions
    PUBLISH_RESULTS = "publish_results"  # a consultation's result (结果反馈)
    ENTER_REPORT_FIGURES = "enter_report_figures"  # the annual report's Table 四
    MAINTAIN = "maintain"  # purge personal data, recompute deadlines, load content


#: The roles that hold each permission. ``system`` is the portal's own processes.
GRANTS: dict[Permission, frozenset[str]] = {
    Permission.WRITE_DOCUMENTS: frozenset({"editor", "reviewer", "system"}),
    Permission.REVIEW_DOCUMENTS: frozenset({"reviewer", "system"}),
    Permission.HANDLE_MESSAGES: frozenset({"handler", "system"}),
    Permission.HANDLE_REQUESTS: frozenset({"handler", "system"}),
    Permission.REVEAL_PERSONAL_DATA: frozenset({"handler"}),
    Permission.SET_QUESTIONS: frozenset({"editor", "reviewer", "system"}),
    Permission.MODERATE_OPINIONS: frozenset({"handler", "system"}),
    Permission.PUBLISH_RESULTS: frozenset({"reviewer", "system"}),
    Permission.ENTER_REPORT_FIGURES: frozenset({"reviewer", "admin", "system"}),
    Permission.MAINTAIN: frozenset({"system"}),
}


@dataclass(frozen=True)
class Actor:
    """Someone (or the portal itself) acting: the name the audit log records, their roles."""

    name: str
    roles: frozenset[str]
    user_id: int | None = None

    @classmethod
    def staff(cls, name: str, *roles: str, user_id: int | None = None) -> Actor:
        return cls(name, frozenset(roles), user_id)

    def may(self, permission: Permission) -> bool:
        return bool(self.roles & GRANTS[permission])

    @property
    def is_system(self) -> bool:
        return "system" in self.roles


#: The portal's own processes: the content loader, CLI commands, the retention purge.
SYSTEM = Actor("system", frozenset({"system"}))


def require(actor: Actor, permission: Permission) -> None:
    """Refuse (``NotAuthorized``) unless ``actor`` holds ``permission``."""
    if not actor.may(permission):
        raise NotAuthorized(f"{actor.name} may not {permission}")
