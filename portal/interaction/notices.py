"""Telling residents by mail that their message, request or report of an error moved: one
outbox row per status change, added to the unit of work of the change
(``portal.outbox.queue.notify``), only for an item whose resident gave an e-mail address
and that was not quarantined (mail is never sent where a bot asked for it)."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.interaction.handling import TARGET_TYPES, Handled
from portal.interaction.models import InfoRequest
from portal.orgs import directory
from portal.outbox import queue

#: Request events after which the mail gives the new due date.
NEW_DUE_DATE = {"received", "extended", "supplement_received", "consultation_ended"}


def address(item: Handled) -> str | None:
    """The e-mail address the resident gave (a phone number is not one), else None."""
    return queue.mail_address(item.email if isinstance(item, InfoRequest) else item.contact)


def notify(item: Handled, event: str, *, code: str | None = None, once: bool = False) -> bool:
    """Queue the mail about ``event`` of ``item`` in the current unit of work; True when a
    mail was queued. ``code`` (the query code) only in a receipt or a re-issued code;
    ``once``: not when the item already had a mail about ``event``."""
    if item.quarantined or address(item) is None:
        return False
    db.session.flush()  # a new item gets its id
    due: date | None = None
    if isinstance(item, InfoRequest) and event in NEW_DUE_DATE:
        due = item.due_date
    row = queue.notify(
        org_id=item.organisation_id,
        organisation=directory.get(item.organisation_id).name,
        item_type=TARGET_TYPES[type(item)],
        item_id=item.id,
        event=event,
        recipient=address(item),
        tracking_no=item.tracking_no,
        code=code,
        due=due,
        once=once,
    )
    return row is not None
