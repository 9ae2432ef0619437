"""Read side of the staff inbox: filtered lists sorted by deadline, and masked views.

Nothing here writes. Personal data leaves this module masked unless a view is built with
``revealed=True`` (after the handler asked, and the reveal was logged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.auth.actor import Actor, Permission
from portal.extensions import db
from portal.interaction import deadlines, handling, privacy
from portal.interaction.models import (
    CHANNELS,
    FEEDBACK_KINDS,
    FEEDBACK_STATUSES,
    MESSAGE_STATUSES,
    REQUEST_STATUSES,
    FeedbackReport,
    InfoRequest,
    Message,
)
from portal.states import FeedbackStatus, MessageStatus, RequestStatus
from portal.web.pagination import Page, paginate

EXCERPT = 40  # characters of subject or description on the lists

MESSAGE_VIEWS = {
    "open": "待办",
    "answered": "已答复",
    "published": "已公开",
    "all": "全部（不含系统拦截）",
    "quarantined": "系统拦截",
}
FEEDBACK_VIEWS = {
    "open": "待办",
    "answered": "已答复",
    "all": "全部（不含系统拦截）",
    "quarantined": "系统拦截",
}
REQUEST_VIEWS = {
    "open": "待办",
    **REQUEST_STATUSES,
    "all": "全部（不含系统拦截）",
    "quarantined": "系统拦截",
}


# -- deadlines (the rules live in ``interaction.deadlines``) ---------------------------

Deadline = deadlines.Deadline
message_deadline = deadlines.message_deadline
request_deadline = deadlines.request_deadline
feedback_deadline = deadlines.feedback_deadline


# -- masking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A value as the page shows it; ``css`` is "masked", "revealed" or ""."""

    text: str
    css: str = ""


@dataclass
class Masker:
    """Masks values for one page and remembers which fields held personal data."""

    revealed: bool = False
    own: dict[str, Any] = field(default_factory=dict)  # ``handling.own_details``
    sensitive: list[str] = field(default_factory=list)

    def value(self, name: str, kind: str, value: str | None) -> Shown:
        if not value:
            return Shown("—")
        self.sensitive.append(name)
        if self.revealed:
            return Shown(value, "revealed")
        return Shown(privacy.mask_value(kind, value), "masked")

    def text(self, name: str, value: str | None) -> Shown:
        if not value:
            return Shown("—")
        masked = mask_text(value, self.own)
        if masked == value:
            return Shown(value)
        self.sensitive.append(name)
        return Shown(value, "revealed") if self.revealed else Shown(masked)


def mask_text(text: str | None, own: dict[str, Any] | None = None) -> str:
    """Free text with personal data and the resident's own details masked."""
    masked, _ = privacy.mask_own_details(text or "", **(own or {}))
    return masked


def excerpt(text: str | None, own: dict[str, Any] | None = None) -> str:
    """The start of a free text, masked first so a cut never exposes part of a number."""
    flat = " ".join(mask_text(text, own).split())
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT] + "…"


def applicant_name(item: Message | InfoRequest, masker: Masker | None = None) -> Shown:
    """A person's name masked; an organisation's name (not personal data) in full."""
    if not item.name:
        return Shown("匿名")
    if isinstance(item, InfoRequest) and item.applicant_type != "person":
        return Shown(item.name)
    if masker is not None:
        return masker.value("name", "name", item.name)
    return Shown(privacy.mask_name(item.name), "masked")


# -- lists ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    item: Any
    excerpt: str
    who: Shown
    contact: Shown
    status: str
    deadline: Deadline


@dataclass(frozen=True)
class Listing:
    """One page of an inbox list, and how many items the system held back (shown as a
    separate view)."""

    found: Page[Row]
    quarantined: int

    @property
    def rows(self) -> list[Row]:
        return self.found.items

    @property
    def page(self) -> int:
        return self.found.page

    @property
    def pages(self) -> int:
        return self.found.pages

    @property
    def total(self) -> int:
        return self.found.total


def _search(column: sa.SQLColumnExpression[str], q: str) -> sa.ColumnElement[bool]:
    return column.contains(q.strip().upper(), autoescape=True)


Item = Message | InfoRequest | FeedbackReport


def _count(model: type[Item], *where: sa.ColumnElement[bool]) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).where(*where)) or 0


def visible(model: type[Item], item_id: int, actor: Actor) -> Item | None:
    """The message, request or report of an error ``item_id`` if ``actor`` handles those of
    its organisation; None otherwise, so another office's item looks as absent as one that
    never existed. Reports of an error are handled by whoever handles messages."""
    permission = Permission.HANDLE_REQUESTS if model is InfoRequest else Permission.HANDLE_MESSAGES
    item = cast("Item | None", db.session.get(model, item_id))
    if item is None or not actor.may(permission, item.organisation_id):
        return None
    return item


def message_list(
    actor: Actor, *, view: str, category: str, q: str, page: int, per_page: int, today: date
) -> Listing:
    """Messages in ``view`` of the organisations where ``actor`` handles messages, open ones
    first by due date (404 past the last page)."""
    by_view: dict[str, list[sa.ColumnElement[bool]]] = {
        "open": [Message.status == MessageStatus.RECEIVED],
        "answered": [Message.status == MessageStatus.ANSWERED],
        "published": [Message.published.is_(True)],
    }
    where: list[sa.ColumnElement[bool]] = [
        actor.scope(Message.organisation_id, Permission.HANDLE_MESSAGES),
        Message.quarantined.is_(view == "quarantined"),
        *by_view.get(view, []),
    ]
    if category:
        where.append(Message.category == category)
    if q:
        where.append(_search(Message.tracking_no, q))
    # The due date grows with the time received, so sorting by it sorts by due date.
    return _listing(
        Message,
        where,
        Message.status == MessageStatus.RECEIVED,
        Message.received_at,
        page,
        per_page,
        lambda m: Row(
            item=m,
            excerpt=excerpt(m.subject, handling.own_details(m)),
            who=applicant_name(m),
            contact=masked_contact(m.contact),
            status=MESSAGE_STATUSES.get(m.status, m.status),
            deadline=message_deadline(m, today),
        ),
    )


def _listing(
    model: type[Item],
    where: list[sa.ColumnElement[bool]],
    open_: sa.ColumnElement[bool],
    due: sa.SQLColumnExpression[Any],
    page: int,
    per_page: int,
    row: Callable[[Any], Row],
) -> Listing:
    """One page of an inbox list: open items first, the soonest ``due`` on top, then the
    rest newest first; and how many the system held back."""
    query = (
        sa.select(model)
        .where(*where)
        .order_by(
            sa.case((open_, 0), else_=1),
            sa.case((open_, due), else_=None),
            due.desc(),
            model.id,
        )
    )
    if model is InfoRequest:
        query = query.options(selectinload(InfoRequest.events))
    found = paginate(query, page, per_page, count=sa.select(sa.func.count(model.id)).where(*where))
    return Listing(
        Page([row(item) for item in found.items], found.page, found.per_page, found.total),
        _count(model, where[0], model.quarantined.is_(True)),
    )


def feedback_list(
    actor: Actor, *, view: str, kind: str, q: str, page: int, per_page: int, today: date
) -> Listing:
    """Reports of an error in ``view`` of the organisations where ``actor`` handles
    messages, open ones first by due date (404 past the last page)."""
    by_view: dict[str, list[sa.ColumnElement[bool]]] = {
        "open": [FeedbackReport.status == FeedbackStatus.RECEIVED],
        "answered": [FeedbackReport.status == FeedbackStatus.ANSWERED],
    }
    where: list[sa.ColumnElement[bool]] = [
        actor.scope(FeedbackReport.organisation_id, Permission.HANDLE_MESSAGES),
        FeedbackReport.quarantined.is_(view == "quarantined"),
        *by_view.get(view, []),
    ]
    if kind in FEEDBACK_KINDS:
        where.append(FeedbackReport.kind == kind)
    if q:
        where.append(_search(FeedbackReport.tracking_no, q))
    return _listing(
        FeedbackReport,
        where,
        FeedbackReport.status == FeedbackStatus.RECEIVED,
        FeedbackReport.received_at,
        page,
        per_page,
        lambda r: Row(
            item=r,
            excerpt=excerpt(r.description, handling.own_details(r)),
            who=Shown(excerpt(r.page_url) or "—"),
            contact=masked_contact(r.contact),
            status=FEEDBACK_STATUSES.get(r.status, r.status),
            deadline=feedback_deadline(r, today),
        ),
    )


def masked_contact(value: str | None) -> Shown:
    """A phone number or e-mail address as staff lists show it."""
    if not value:
        return Shown("—")
    return Shown(privacy.mask_value(privacy.contact_kind(value), value), "masked")


def request_list(
    actor: Actor,
    *,
    view: str,
    q: str,
    page: int,
    per_page: int,
    today: date,
    channel: str = "",
) -> Listing:
    """Requests in ``view`` of the organisations where ``actor`` handles requests (that
    arrived by ``channel``, if given), open ones first by due date (404 past the last
    page)."""
    where: list[sa.ColumnElement[bool]] = [
        actor.scope(InfoRequest.organisation_id, Permission.HANDLE_REQUESTS),
        InfoRequest.quarantined.is_(view == "quarantined"),
    ]
    if view == "open":
        where.append(InfoRequest.status != RequestStatus.CLOSED)
    elif view in REQUEST_STATUSES:
        where.append(InfoRequest.status == view)
    if channel in CHANNELS:
        where.append(InfoRequest.channel == channel)
    if q:
        where.append(_search(InfoRequest.tracking_no, q))
    return _listing(
        InfoRequest,
        where,
        InfoRequest.status != RequestStatus.CLOSED,
        InfoRequest.due_date,
        page,
        per_page,
        lambda r: Row(
            item=r,
            excerpt=excerpt(r.description, handling.own_details(r)),
            who=applicant_name(r),
            contact=masked_contact(r.phone),
            status=REQUEST_STATUSES.get(r.status, r.status),
            deadline=request_deadline(r, today),
        ),
    )


can_request_supplement = deadlines.can_request_supplement
