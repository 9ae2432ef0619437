"""Retention of residents' personal data: anonymise what is past its period (docs/retention.md).

``purge`` keeps every record and what the statistics and the public pages need — a request's
description (with personal data masked), type of applicant, outcome and dates; a message's
category, dates, masked texts and published reply — and removes who the resident was and
how to reach them:

- closed information requests, ``PORTAL_RETENTION_REQUEST_DAYS`` after closing: the
  applicant's name becomes 已删除; ID number, e-mail and address are emptied, the phone too
  (the column cannot be NULL, so it becomes an empty string); ID numbers, phone numbers,
  e-mail addresses and the applicant's name are masked inside the free texts (the 补正 the
  applicant sent online too); its files (补正 material, the answer's files) are deleted;
- answered messages, ``PORTAL_RETENTION_MESSAGE_DAYS`` after the answer: name and contact
  emptied, personal data masked in the original texts (the published texts were masked
  when they were published and stay as they are);
- answered reports of an error on a page (纠错), ``PORTAL_RETENTION_MESSAGE_DAYS`` after
  the answer: contact emptied, personal data masked in the description, the page address
  and the answer (kind, page, dates and status stay);
- consultation opinions, ``PORTAL_RETENTION_MESSAGE_DAYS`` after receipt: name and contact
  emptied, personal data masked in the original text (the published text was masked when
  it was published; answers to the questions and the adoption decision stay for the tallies);
- quarantined submissions (spam traps), ``PORTAL_RETENTION_QUARANTINE_DAYS`` after receipt:
  emptied altogether, files deleted (they are never answered, counted or shown);
- with each of these, the mails about it in the outbox (``notification``), sent or not: a
  mail not yet sent is never sent to an address the purge removed, and a sent one keeps
  no trace of where it went (not even the masked address kept after sending).

Open requests, unanswered messages and unanswered reports of an error are never purged: they
are still being handled. A run changes nothing it changed before, and every run that is not
a dry run writes one audit row with the counts (never a value).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app

from portal import audit
from portal.auth.actor import SYSTEM, Actor, Permission, require
from portal.consultations.models import Opinion
from portal.database import unit_of_work
from portal.extensions import db
from portal.interaction import deadlines, handling, privacy, request_files
from portal.interaction.models import FeedbackReport, InfoRequest, Message
from portal.outbox.models import Notification
from portal.states import FeedbackStatus, MessageStatus, RequestStatus
from portal.timeutil import utcnow

PURGED = "已删除"
BATCH = 500
REQUEST_TEXTS = ("description", "purpose", "reply")  # and the notes of its events

Row = TypeVar("Row", Message, InfoRequest, Opinion, FeedbackReport)
#: ``Notification.item_type`` of each kind of record.
ITEM_TYPES: dict[type, str] = {
    Message: "message",
    InfoRequest: "request",
    FeedbackReport: "feedback",
    Opinion: "opinion",
}


@dataclass
class PurgeReport:
    """How many records a run anonymised, and how many it had to leave alone."""

    requests: int = 0
    messages: int = 0
    feedback: int = 0
    opinions: int = 0
    quarantined: int = 0
    files: int = 0  # files of those requests (补正 material, the answer's files), deleted
    unanswered_kept: int = 0  # messages past the period that nobody answered yet

    @property
    def total(self) -> int:
        return self.requests + self.messages + self.feedback + self.opinions + self.quarantined


@dataclass(frozen=True)
class Cutoffs:
    """Records whose period started before these instants are past retention."""

    requests: datetime
    messages: datetime
    quarantine: datetime

    @classmethod
    def at(cls, now: datetime) -> Cutoffs:
        config = current_app.config
        return cls(
            now - timedelta(days=config["RETENTION_REQUEST_DAYS"]),
            now - timedelta(days=config["RETENTION_MESSAGE_DAYS"]),
            now - timedelta(days=config["RETENTION_QUARANTINE_DAYS"]),
        )


class _DryRun(Exception):
    """Raised inside the unit of work of a dry run, so that it rolls back."""


def purge(
    *, actor: Actor = SYSTEM, dry_run: bool = False, now: datetime | None = None
) -> PurgeReport:
    """Anonymise the personal data that is past its retention period (one unit of work)."""
    require(actor, Permission.MAINTAIN)
    cutoffs = Cutoffs.at(now or utcnow())
    report = PurgeReport()
    try:
        with unit_of_work():
            deleted: list[int] = []
            purge_request = _dropping_files(_purge_request, deleted)
            report.requests = sum(_changed(InfoRequest, _requests_due(cutoffs), purge_request))
            report.messages = sum(_changed(Message, _messages_due(cutoffs), _purge_message))
            report.feedback = sum(_changed(FeedbackReport, _feedback_due(cutoffs), _purge_feedback))
            report.opinions = sum(_changed(Opinion, _opinions_due(cutoffs), _purge_opinion))
            report.quarantined = (
                sum(
                    _changed(
                        InfoRequest,
                        _quarantined(InfoRequest, cutoffs),
                        _dropping_files(_empty_request, deleted),
                    )
                )
                + sum(_changed(Message, _quarantined(Message, cutoffs), _empty_message))
                + sum(_changed(Opinion, _quarantined(Opinion, cutoffs), _empty_opinion))
                + sum(
                    _changed(FeedbackReport, _quarantined(FeedbackReport, cutoffs), _empty_feedback)
                )
            )
            report.files = sum(deleted)
            report.unanswered_kept = (
                db.session.scalar(
                    sa.select(sa.func.count(Message.id)).where(
                        deadlines.message_open(), Message.received_at < cutoffs.messages
                    )
                )
                or 0
            )
            if dry_run:
                raise _DryRun
            detail: dict[str, Any] = asdict(report)
            del detail["unanswered_kept"]
            audit.record(actor.name, "purge", "system", 0, **detail)
    except _DryRun:
        pass
    return report


def _changed(model: type[Row], condition: sa.ColumnElement[bool], apply) -> Iterator[bool]:
    """Apply ``apply`` to every row matching ``condition``, in id order and batches; yields
    whether each row changed (unchanged rows were purged by an earlier run)."""
    last_id = 0
    while True:
        rows = db.session.scalars(
            sa.select(model).where(condition, model.id > last_id).order_by(model.id).limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            before = _values(row)
            apply(row)
            yield _values(row) != before
        last_id = rows[-1].id
        _forget_mails(model, [row.id for row in rows])
        db.session.flush()


def _forget_mails(model: type[Row], ids: list[int]) -> None:
    """Delete the outbox rows of these records: queued ones must not go to an address that
    is being removed, and sent ones still name its masked form."""
    db.session.execute(
        sa.delete(Notification)
        .where(Notification.item_type == ITEM_TYPES[model], Notification.item_id.in_(ids))
        .execution_options(synchronize_session=False)
    )


def _values(row: Message | InfoRequest | Opinion | FeedbackReport) -> tuple[Any, ...]:
    return tuple(getattr(row, column.key) for column in type(row).__mapper__.columns)


# -- which records ----------------------------------------------------------------------


def _requests_due(cutoffs: Cutoffs) -> sa.ColumnElement[bool]:
    return sa.and_(
        InfoRequest.quarantined.is_(False),
        InfoRequest.status == RequestStatus.CLOSED,
        InfoRequest.closed_at < cutoffs.requests,
        sa.or_(  # rows an earlier run left like this are skipped without being loaded
            InfoRequest.name != PURGED,
            InfoRequest.phone != "",
            InfoRequest.id_number.is_not(None),
            InfoRequest.email.is_not(None),
            InfoRequest.address.is_not(None),
        ),
    )


def _messages_due(cutoffs: Cutoffs) -> sa.ColumnElement[bool]:
    # Anonymous messages have no name or contact to look for, but their texts may still
    # hold a phone number: they are masked again (masking is idempotent) and counted only
    # when something changed.
    return sa.and_(
        Message.quarantined.is_(False),
        Message.status == MessageStatus.ANSWERED,
        Message.replied_at < cutoffs.messages,
    )


def _feedback_due(cutoffs: Cutoffs) -> sa.ColumnElement[bool]:
    return sa.and_(
        FeedbackReport.quarantined.is_(False),
        FeedbackReport.status == FeedbackStatus.ANSWERED,
        FeedbackReport.replied_at < cutoffs.messages,
    )


def _opinions_due(cutoffs: Cutoffs) -> sa.ColumnElement[bool]:
    return sa.and_(
        Opinion.quarantined.is_(False),
        Opinion.received_at < cutoffs.messages,
        sa.or_(Opinion.name.is_not(None), Opinion.contact.is_not(None), Opinion.content != ""),
    )


def _quarantined(model: type[Row], cutoffs: Cutoffs) -> sa.ColumnElement[bool]:
    return sa.and_(model.quarantined.is_(True), model.received_at < cutoffs.quarantine)


# -- what changes -----------------------------------------------------------------------


def mask_text(text: str | None, own: dict[str, Any]) -> str | None:
    """``text`` with personal data and the resident's own details masked."""
    if not text:
        return text
    masked, _ = privacy.mask_own_details(text, **own)
    return masked


def _own(item: Message | InfoRequest | Opinion | FeedbackReport) -> dict[str, Any]:
    if isinstance(item, Opinion):
        return {"name": item.name, "contacts": [item.contact] if item.contact else []}
    own = handling.own_details(item)
    if own["name"] == PURGED:
        own["name"] = None
    return own


def _dropping_files(apply, deleted: list[int]):
    """``apply``, then the request's files go: their rows now, the files themselves once
    the purge commits (a dry run deletes nothing); ``deleted`` gets how many."""

    def purge(item: InfoRequest) -> None:
        apply(item)
        if item.files:
            deleted.append(request_files.forget(item.files))
            item.files.clear()

    return purge


def _purge_request(item: InfoRequest) -> None:
    own = _own(item)
    for name in REQUEST_TEXTS:
        setattr(item, name, mask_text(getattr(item, name), own))
    for event in item.events:
        event.note = mask_text(event.note, own)
    item.name = PURGED
    item.id_number = item.email = item.address = None
    item.phone = ""


def _empty_request(item: InfoRequest) -> None:
    item.name = item.description = PURGED
    item.id_number = item.email = item.address = item.purpose = item.reply = None
    for event in item.events:
        event.note = None
    item.phone = ""


def _purge_message(message: Message) -> None:
    own = _own(message)
    message.subject = mask_text(message.subject, own) or ""
    message.content = mask_text(message.content, own) or ""
    message.reply = mask_text(message.reply, own)  # the published one is ``public_reply``
    message.name = message.contact = None


def _empty_message(message: Message) -> None:
    message.subject = message.content = PURGED
    message.name = message.contact = message.reply = None
    message.public_subject = message.public_content = message.public_reply = None


def _purge_feedback(report: FeedbackReport) -> None:
    own = _own(report)
    report.description = mask_text(report.description, own) or ""
    report.page_url = mask_text(report.page_url, own)
    report.reply = mask_text(report.reply, own)
    report.contact = None


def _empty_feedback(report: FeedbackReport) -> None:
    report.description = PURGED
    report.page_url = report.contact = report.reply = None


def _purge_opinion(opinion: Opinion) -> None:
    opinion.content = mask_text(opinion.content, _own(opinion)) or ""
    opinion.name = opinion.contact = None


def _empty_opinion(opinion: Opinion) -> None:
    opinion.content = PURGED
    opinion.name = opinion.contact = opinion.public_content = None
    opinion.answers = {}
