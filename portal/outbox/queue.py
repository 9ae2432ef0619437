"""Putting mails in the outbox, inside the unit of work of the change they report, and
what staff are told about it.

``notify`` only adds a row to the caller's transaction: the mail exists if and only if the
change was committed, and nothing is sent before the commit (the sender reads only
committed rows).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.outbox import compose
from portal.outbox.models import Notification
from portal.states import NotificationStatus

#: An address the relay can take as it is: ASCII, one @, a dotted domain; nothing that
#: could break a header.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def mail_address(contact: str | None) -> str | None:
    """``contact`` when it is a valid e-mail address (a phone number is not), else None."""
    text = (contact or "").strip()
    if len(text) > 254 or not _ADDRESS.fullmatch(text):
        return None
    local, _, domain = text.partition("@")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return None
    return f"{local}@{domain.lower()}"


def sender_address() -> str:
    """The bare address of ``PORTAL_MAIL_FROM`` (default: noreply at the portal's host)."""
    configured = parseaddr(current_app.config.get("MAIL_FROM") or "")[1]
    if configured and "@" in configured:
        return configured
    host = urlsplit(current_app.config.get("BASE_URL") or "").hostname or "localhost"
    return f"noreply@{host}"


def from_header() -> str:
    """The From header: ``PORTAL_MAIL_FROM`` as written, or the site's name and address."""
    configured = (current_app.config.get("MAIL_FROM") or "").strip()
    if configured and "@" in configured:
        return configured
    return formataddr((current_app.config["SITE_NAME"], sender_address()))


def new_message_id() -> str:
    """A Message-ID made once per mail: ``<uuid@host of PORTAL_MAIL_FROM>``."""
    return f"<{uuid.uuid4().hex}@{sender_address().rsplit('@', 1)[1]}>"


def notify(
    *,
    org_id: int,
    organisation: str,
    item_type: str,
    item_id: int,
    event: str,
    recipient: str | None,
    tracking_no: str | None,
    code: str | None = None,
    link: str | None = None,
    due: date | None = None,
    once: bool = False,
) -> Notification | None:
    """Add a mail about ``event`` to the current unit of work when ``recipient`` is a
    valid e-mail address; returns the row (None: no address, nothing queued). With
    ``once``, nothing is queued when the item already had a mail about ``event`` (an item
    published, taken off and published again is announced the first time only)."""
    address = mail_address(recipient)
    if address is None:
        return None
    if once and already(item_type, item_id, event):
        return None
    mail = compose.build(
        item_type,
        event,
        tracking_no=tracking_no,
        organisation=organisation,
        link=link,
        code=code,
        due=due,
    )
    row = Notification(
        organisation_id=org_id,
        item_type=item_type,
        item_id=item_id,
        event=event,
        recipient=address,
        subject=mail.subject,
        text_body=mail.text,
        html_body=mail.html,
        carries_code=bool(code) and event in compose.CODE_EVENTS,
        message_id=new_message_id(),
        status=NotificationStatus.QUEUED,
        attempts=0,
    )
    db.session.add(row)
    return row


def already(item_type: str, item_id: int, event: str) -> bool:
    """Whether the item has a mail about ``event`` in the outbox, sent or not."""
    found = db.session.scalar(
        sa.select(Notification.id)
        .where(
            Notification.item_type == item_type,
            Notification.item_id == item_id,
            Notification.event == event,
        )
        .limit(1)
    )
    return found is not None


@dataclass(frozen=True)
class Backlog:
    """What the dashboard says about the outbox."""

    configured: bool
    queued: int
    failed: int


def backlog(org_ids: Collection[int] | None = None) -> Backlog:
    """Mails waiting and mails given up, for these organisations (None: all)."""
    query = sa.select(Notification.status, sa.func.count(Notification.id)).group_by(
        Notification.status
    )
    if org_ids is not None:
        query = query.where(Notification.organisation_id.in_(list(org_ids)))
    counts = {status: n for status, n in db.session.execute(query).tuples()}
    waiting = counts.get(NotificationStatus.QUEUED, 0) + counts.get(NotificationStatus.SENDING, 0)
    return Backlog(
        configured=bool(current_app.config.get("SMTP_URL")),
        queued=waiting,
        failed=counts.get(NotificationStatus.FAILED, 0),
    )
