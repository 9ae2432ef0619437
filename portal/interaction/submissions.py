"""What residents send: a message, an information request or a report of an error on a
page (纠错), stored once per form, and the tracking number and query code that let them
follow it (``track``)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from portal.database import reread, unit_of_work
from portal.extensions import db
from portal.interaction import deadlines, models, notices
from portal.interaction.models import (
    ONLINE,
    FeedbackReport,
    InfoRequest,
    Message,
    RequestEvent,
)
from portal.orgs import directory
from portal.states import FeedbackStatus, MessageStatus, RequestEventKind
from portal.timeutil import local_date, parse_local, utcnow

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


CODE_LENGTH = 8


APPLICANT = models.APPLICANT  # the actor of a request's "received" event


@dataclass(frozen=True)
class Submission:
    """What a resident gets back: the tracking number and the query code (shown once).

    ``code`` is None when the form was sent again after the item's code was replaced by a
    re-issued one (``recovery``): the code this form would show no longer opens it.
    """

    tracking_no: str
    code: str | None
    quarantined: bool


def query_code(form_token: str) -> str:
    """The query code of a submission, derived from its form token and the secret key.

    Deriving it lets a double-submitted form show the same confirmation again without the
    code ever being stored (only its hash is).
    """
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, form_token.encode(), hashlib.sha256).digest()
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:CODE_LENGTH])


Submitted = Message | InfoRequest | FeedbackReport
#: The tracking number's prefix of each kind of submission (``LY-2026-000123``).
PREFIXES: dict[str, type[Submitted]] = {"LY": Message, "YSQ": InfoRequest, "JC": FeedbackReport}


def _next_tracking_no(model: type[Submitted], prefix: str) -> str:
    year = local_date(utcnow()).year
    head = f"{prefix}-{year}-"
    highest = db.session.scalar(
        sa.select(sa.func.max(model.tracking_no)).where(model.tracking_no.like(head + "%"))
    )
    serial = int(highest.rsplit("-", 1)[1]) + 1 if highest else 1
    return f"{head}{serial:06d}"


def _existing(model: type[Submitted], form_token: str):
    return db.session.scalar(sa.select(model).where(model.form_token == form_token))


def new_code_hash(form_token: str) -> str:
    """The stored hash of a new submission's query code. Made outside the unit of work: a
    password hash takes about a tenth of a second of CPU by design, and every other writer
    (residents, staff, the outbox sender on SQLite) would wait that long for the write lock."""
    return generate_password_hash(query_code(form_token))


def _receipt(item: Submitted, form_token: str, *, stored: bool) -> Submission:
    """The receipt of ``item``; for a form sent again (not ``stored`` now), its code only
    while it still opens the item (it ends once a re-issued code has been used)."""
    code: str | None = query_code(form_token)
    if not stored and not check_password_hash(item.code_hash, code or ""):
        code = None
    return Submission(item.tracking_no, code, item.quarantined)


def submit_message(
    data: dict[str, Any],
    *,
    form_token: str,
    quarantine: str | None = None,
    org_id: int | None = None,
) -> Submission:
    """Store a resident's message to organisation ``org_id`` (default: the home one) once
    per form token; returns its tracking number and code."""
    code_hash = new_code_hash(form_token)  # before the write lock: it takes a while
    with unit_of_work():
        existing = _existing(Message, form_token)
        stored = existing is None
        if existing is None:
            existing = Message(
                organisation_id=directory.home().id if org_id is None else org_id,
                tracking_no=_next_tracking_no(Message, "LY"),
                code_hash=code_hash,
                form_token=form_token,
                subject=data["subject"],
                content=data["content"],
                category=data["category"],
                name=data.get("name") or None,
                contact=data.get("contact") or None,
                consent=bool(data.get("consent")),
                status=MessageStatus.RECEIVED,
                quarantined=quarantine is not None,
                quarantine_reason=quarantine,
            )
            db.session.add(existing)
            notices.notify(existing, "received", code=query_code(form_token))
    return _receipt(existing, form_token, stored=stored)


def submit_request(
    data: dict[str, Any],
    *,
    form_token: str,
    quarantine: str | None = None,
    org_id: int | None = None,
    channel: str = ONLINE,
    received_on: date | None = None,
    received_by: str = APPLICANT,
    code_hash: str | None = None,
) -> Submission:
    """Store an information request addressed to organisation ``org_id`` (default: the home
    one) once per form token and start its statutory clock.

    One sent through the portal's form arrives today by ``ONLINE``; one that came by letter,
    fax or in person is registered by a handler (``info_requests.register_request``, its
    ``received_by``) with the day it was received (``received_on``, Art. 31), from which its
    clock runs and in whose year the annual report counts it. A caller that holds its own
    unit of work passes ``code_hash`` (``new_code_hash``), made before it took the lock."""
    code_hash = code_hash or new_code_hash(form_token)  # before the write lock
    with unit_of_work():
        existing = _existing(InfoRequest, form_token)
        stored = existing is None
        if existing is None:
            now = utcnow()
            day = received_on or local_date(now)
            existing = InfoRequest(
                organisation_id=directory.home().id if org_id is None else org_id,
                tracking_no=_next_tracking_no(InfoRequest, "YSQ"),
                code_hash=code_hash,
                form_token=form_token,
                received_at=now if day == local_date(now) else parse_local(day),
                channel=channel,
                quarantined=quarantine is not None,
                quarantine_reason=quarantine,
                **{k: data.get(k) or None for k in REQUEST_FIELDS},
            )
            existing.events.append(
                RequestEvent(kind=RequestEventKind.RECEIVED, day=day, actor=received_by)
            )
            deadlines.refresh_request(existing)
            db.session.add(existing)
            notices.notify(existing, "received", code=query_code(form_token))
    return _receipt(existing, form_token, stored=stored)


def submit_feedback(
    data: dict[str, Any],
    *,
    form_token: str,
    quarantine: str | None = None,
    org_id: int | None = None,
) -> Submission:
    """Store a report of an error on a page of organisation ``org_id`` (default: the home
    one) once per form token; its 3-working-day deadline runs from receipt."""
    code_hash = new_code_hash(form_token)  # before the write lock: it takes a while
    with unit_of_work():
        existing = _existing(FeedbackReport, form_token)
        stored = existing is None
        if existing is None:
            existing = FeedbackReport(
                organisation_id=directory.home().id if org_id is None else org_id,
                tracking_no=_next_tracking_no(FeedbackReport, "JC"),
                code_hash=code_hash,
                form_token=form_token,
                page_url=data.get("page_url") or None,
                kind=data["kind"],
                description=data["description"],
                contact=data.get("contact") or None,
                status=FeedbackStatus.RECEIVED,
                quarantined=quarantine is not None,
                quarantine_reason=quarantine,
            )
            db.session.add(existing)
            notices.notify(existing, "received", code=query_code(form_token))
    return _receipt(existing, form_token, stored=stored)


REQUEST_FIELDS = (
    "applicant_type",
    "organisation_type",
    "name",
    "id_type",
    "id_number",
    "phone",
    "email",
    "address",
    "description",
    "purpose",
    "medium",
    "delivery",
)


def track(tracking_no: str, code: str) -> Submitted | None:
    """The message, request or report of an error with this number if the code matches;
    None otherwise.

    The code is the item's own or its pending re-issued one (``recovery``): the first use
    of the pending code makes it the item's code, and the old one stops working then.
    A wrong code and an unknown number look the same and cost the same two hash checks, so
    numbers cannot be probed.
    """
    tracking_no = (tracking_no or "").strip().upper()
    model = PREFIXES.get(tracking_no.split("-", 1)[0], Message)
    item = cast(
        "Submitted | None",
        db.session.scalar(sa.select(model).where(model.tracking_no == tracking_no)),
    )
    code = (code or "").strip().upper()
    if item is None:
        check_password_hash(DUMMY_HASH, code)  # same work either way
        check_password_hash(DUMMY_HASH, code)
        return None
    pending_hash = item.pending_code_hash
    current = check_password_hash(item.code_hash, code)
    pending = (
        check_password_hash(pending_hash or DUMMY_HASH, code)
        and pending_hash is not None
        and item.pending_code_at is not None
        and utcnow() - item.pending_code_at <= PENDING_CODE_LIFETIME
    )
    if pending and not current:
        _adopt_pending(item, pending_hash)
    return item if current or pending else None


def _adopt_pending(item: Submitted, pending_hash: str | None) -> None:
    """The re-issued code was used: it becomes the item's code, the old one ends."""
    with unit_of_work():
        reread(item)
        if item.pending_code_hash == pending_hash:  # not replaced by a newer one meanwhile
            item.code_hash = cast(str, pending_hash)
            item.pending_code_hash = None
            item.pending_code_at = None


DUMMY_HASH = generate_password_hash("not-a-real-code")
#: How long a re-issued code may wait for its first use (the mail says 30 天内).
PENDING_CODE_LIFETIME = timedelta(days=30)
