"""The applicant's side of an information request once it is sent: the access that the
number and query code give on the tracking page, and the receipt (回执).

A resident is never signed in. They type the tracking number and query code once, on
``/track``; the page then carries a signed access token (``grant``) in the body of its
forms — a 补正, a download, the receipt — never the code and never in a URL. Each of those
POSTs checks the token again (``holder``): signed by this server, for this browser session,
less than ``ACCESS_MINUTES`` old, and made for the request's current query code, so a code
re-issued in the meantime (``recovery``) voids it. Past that, the resident types the code
again.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.extensions import db
from portal.interaction import calendar, deadlines
from portal.interaction.models import InfoRequest
from portal.orgs import directory
from portal.states import RequestStatus
from portal.timeutil import today
from portal.web.forms import session_nonce

ACCESS_SALT = "portal.request-access"
ACCESS_MINUTES = 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ACCESS_SALT)


def _fingerprint(item: InfoRequest) -> str:
    """Names the request's current query code without revealing anything about it."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{item.id}:{item.code_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def grant(item: InfoRequest) -> str:
    """An access token to ``item`` for this browser session (after its code was checked)."""
    return _serializer().dumps([item.tracking_no, _fingerprint(item), session_nonce()])


def holder(token: str | None) -> InfoRequest | None:
    """The request ``token`` gives access to, or None: forged, from another session, too
    old, or made before the request's query code changed."""
    if not token or len(token) > 512:
        return None
    try:
        tracking_no, fingerprint, nonce = _serializer().loads(token, max_age=ACCESS_MINUTES * 60)
    except (BadSignature, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None
    if not all(isinstance(v, str) for v in (tracking_no, fingerprint, nonce)):
        return None
    if not hmac.compare_digest(nonce, session_nonce()):
        return None
    item = db.session.scalar(sa.select(InfoRequest).where(InfoRequest.tracking_no == tracking_no))
    if item is None or not hmac.compare_digest(fingerprint, _fingerprint(item)):
        return None
    return item


@dataclass(frozen=True)
class Receipt:
    """What the 回执 says: the request as the applicant typed it (no ID number, phone,
    e-mail or address), when it counts as received and when the answer is due."""

    tracking_no: str
    organisation: str
    name: str
    description: str
    medium: str
    delivery: str
    submitted_at: datetime
    channel: str  # 网络, or 信函/传真/当面 registered by a handler
    received: date  # the working day it counts as received (Art. 31)
    starts: date  # the day the 20 working days count from: a 补正 moves it (Art. 30)
    due: date
    supplement_by: date  # the last day a 补正 may be asked (Art. 30)
    supplement_asked_on: date | None
    supplement_received_on: date | None
    extension_days: int
    closed: bool
    provisional: bool  # a year between has no holiday arrangement yet
    issued_on: date
    limit: int = deadlines.REQUEST_LIMIT
    max_extension: int = deadlines.MAX_EXTENSION
    supplement_within: int = deadlines.SUPPLEMENT_WITHIN


def receipt(item: InfoRequest) -> Receipt:
    """The receipt of ``item`` as its clock stands today."""
    clock = item.clock
    asked = [p.start for p in clock.pauses if p.kind == "supplement"]
    received_again = [p.end for p in clock.pauses if p.kind == "supplement" and p.end]
    issued = today()
    return Receipt(
        tracking_no=item.tracking_no,
        organisation=directory.get(item.organisation_id).name,
        name=item.name,
        description=item.description,
        medium=item.medium,
        delivery=item.delivery,
        submitted_at=item.received_at,
        channel=item.channel,
        received=clock.received,
        starts=clock.starts,
        due=clock.due,
        supplement_by=calendar.add_working_days(clock.received, deadlines.SUPPLEMENT_WITHIN),
        supplement_asked_on=asked[0] if asked else None,
        supplement_received_on=received_again[-1] if received_again else None,
        extension_days=clock.extension_days,
        closed=clock.status == RequestStatus.CLOSED,
        provisional=deadlines.request_deadline(item, issued).provisional,
        issued_on=issued,
    )


def receipt_for(tracking_no: str) -> Receipt | None:
    """The receipt of the request with this number (just submitted by this browser)."""
    item = db.session.scalar(sa.select(InfoRequest).where(InfoRequest.tracking_no == tracking_no))
    return receipt(item) if item is not None else None
