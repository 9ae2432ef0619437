"""Conditional GET for data that changes at known instants (exports, sitemap, feeds).

The ETag names the exact version and is always preferred. ``Last-Modified`` has whole
seconds only, while the data may change twice within one second: a copy taken between the
two would carry the same date as the newer data. So an ``If-Modified-Since`` is compared
with the exact time of the last change, and the date sent is that time rounded *up* to the
second once the second is safely over — then no later change can come before it, and a
client echoing the date gets its 304.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, request

from portal.timeutil import utcnow

#: How long after a change the rounded-up date is sent: the second must be over, plus a
#: margin for a change stamped just before it but committed (made visible) just after.
SETTLED = timedelta(seconds=2)
_SECOND = timedelta(seconds=1)


def last_modified_header(changed: datetime) -> datetime:
    """The ``Last-Modified`` to send for data last changed at ``changed`` (UTC, aware)."""
    floor = changed.replace(microsecond=0)
    up = floor + _SECOND if changed.microsecond else floor
    # Until then the date may not be later than now; rounded down, it never yields a 304.
    return up if up + SETTLED <= utcnow() else floor


def not_modified(etag: str, changed: datetime | None) -> bool:
    """Whether the client's copy is current: by its ETag when it sends one, else by date."""
    if request.if_none_match:
        return request.if_none_match.contains(etag)
    since = request.if_modified_since
    return changed is not None and since is not None and changed <= since


def set_validators(response: Response, etag: str, changed: datetime | None) -> None:
    """Put the ETag and, when the time of the last change is known, ``Last-Modified``."""
    response.set_etag(etag)
    if changed is not None:
        response.last_modified = last_modified_header(changed)
