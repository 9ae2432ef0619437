"""A lost query code (找回查询码): a new code, sent only to the e-mail address the resident
gave, never shown on the page.

The stored code is a hash, so the old code cannot be sent again: a new one is made, its hash
is stored beside the old one as the *pending* code (``pending_code_hash``, issued at
``pending_code_at``) and the mail is queued in the same unit of work. Anyone may ask with a
tracking number, so asking changes nothing the resident holds: the old code keeps working,
and both open ``/track`` until the new one is first used there (``submissions.track``), which
makes it the code and ends the old one. Asking again later replaces an unused pending code
by a newer one (the one in the newest mail); the old code still works meanwhile.

Whatever the number — unknown, without an e-mail address, quarantined, asked again too soon
— the caller shows the same page, and about the same work is done, so numbers cannot be
probed.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from portal.database import unit_of_work
from portal.extensions import db
from portal.interaction import notices, submissions
from portal.interaction.handling import TARGET_TYPES
from portal.outbox.models import Notification
from portal.timeutil import utcnow

#: One new code per item in this time at most (a resident's inbox is not a target).
RESEND_AFTER = timedelta(minutes=15)
EVENT = "code_reissued"


def new_code() -> str:
    alphabet = submissions.CODE_ALPHABET
    return "".join(secrets.choice(alphabet) for _ in range(submissions.CODE_LENGTH))


def _asked_recently(item: submissions.Submitted) -> bool:
    since = utcnow() - RESEND_AFTER
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.item_type == TARGET_TYPES[type(item)],
                Notification.item_id == item.id,
                Notification.event == EVENT,
                Notification.created_at > since,
            )
        )
    )


def recover_code(tracking_no: str) -> bool:
    """Re-issue the query code of the item numbered ``tracking_no`` to its e-mail address;
    True when a mail was queued (for tests and logs: never show it to the resident)."""
    number = (tracking_no or "").strip().upper()
    model = submissions.PREFIXES.get(number.split("-", 1)[0])
    code = new_code()
    code_hash = generate_password_hash(code)  # made either way: the same work for every number
    if model is None:
        return False
    with unit_of_work():
        item = cast(
            "submissions.Submitted | None",
            db.session.scalar(sa.select(model).where(model.tracking_no == number)),
        )
        if item is None or notices.address(item) is None or item.quarantined:
            return False
        if _asked_recently(item):
            return False
        item.pending_code_hash = code_hash
        item.pending_code_at = utcnow()
        return notices.notify(item, EVENT, code=code)
