"""Delivering the outbox to the relay of ``PORTAL_SMTP_URL``, at least once.

A sender claims due rows (on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED``; on SQLite a
conditional UPDATE inside ``BEGIN IMMEDIATE``) by writing a lease (``locked_by``,
``locked_until``) and committing; only then does it talk to the relay, so no database lock
is held while mail moves and residents' submissions never wait for it. Two senders never
hold a lease on the same row. A delivered row is marked sent; a refused, timed-out or
dropped delivery puts the row back with ``attempts + 1`` and an exponential back-off
(1 minute doubling to at most 6 hours), and after ``MAX_ATTEMPTS`` it is given up
(``failed``, counted on the staff dashboard). A sender that dies after delivering but
before marking leaves the lease to run out; the row is then delivered again with the same
``Message-ID``, which is what at-least-once means.

Errors are recorded by kind and SMTP code only: a relay's text may quote the address.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

import sqlalchemy as sa
from flask import Flask

from portal.database import IMMEDIATE
from portal.extensions import db
from portal.outbox import queue
from portal.outbox.models import Notification
from portal.states import NotificationStatus
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # far longer than one batch can take
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
MAX_ATTEMPTS = 12  # about two days of retries
BATCH = 20
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Relay:
    """Where mail goes, read from ``PORTAL_SMTP_URL``."""

    host: str
    port: int
    tls: bool = False  # smtps:// — TLS from the first byte
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_url(cls, url: str) -> Relay:
        """``smtp://[user:password@]host[:port][?starttls=1&timeout=30]`` or ``smtps://…``."""
        parts = urlsplit(url.strip())
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("PORTAL_SMTP_URL: expected smtp://host[:port] or smtps://host[:port]")
        args = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            tls=tls,
            starttls=args.get("starttls", "0").lower() in {"1", "true", "yes", "on"},
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=float(args.get("timeout", DEFAULT_TIMEOUT)),
        )

    def connect(self) -> smtplib.SMTP:
        """An open, greeted (and, when asked, encrypted and logged-in) connection."""
        context = ssl.create_default_context()
        smtp = (
            smtplib.SMTP_SSL(timeout=self.timeout, context=context)
            if self.tls
            else smtplib.SMTP(timeout=self.timeout)
        )
        try:
            smtp.connect(self.host, self.port)
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed delivery."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def describe(exc: BaseException) -> str:
    """What went wrong, without the relay's words (they may quote the address)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"SMTPRecipientsRefused {','.join(map(str, codes))}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code}"
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return "timeout"  # smtplib reports a reply that never came as a disconnection
    if isinstance(exc, OSError) and exc.errno:
        return f"{type(exc).__name__} errno {exc.errno}"
    return type(exc).__name__


def _permanent(exc: BaseException) -> bool:
    """The relay said the address will never work (5xx for every recipient)."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        code >= 500 for code, _ in exc.recipients.values()
    )


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Notification.status.in_([NotificationStatus.QUEUED, NotificationStatus.SENDING]),
        Notification.next_attempt_at <= now,
        sa.or_(Notification.locked_until.is_(None), Notification.locked_until < now),
    )


def _begin_write() -> None:
    """Start the sender's own write transaction: ``BEGIN IMMEDIATE`` on SQLite (a read
    that turns into a write would fail when another writer commits in between); an
    ordinary one on PostgreSQL, where row locks do the work and the portal's global
    advisory write lock is not taken, so residents' submissions never wait for the sender."""
    db.session.rollback()
    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={IMMEDIATE: True})


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed


class Sender:
    """One sender (a thread or a process); ``worker_id`` names its leases."""

    def __init__(
        self,
        relay: Relay,
        *,
        mail_from: str,
        worker_id: str | None = None,
        lease: timedelta = LEASE,
        batch: int = BATCH,
    ) -> None:
        self.relay = relay
        self.mail_from = mail_from
        self.worker_id = worker_id or (
            f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )
        self.lease = lease
        self.batch = batch

    @classmethod
    def from_config(cls, config: Any, **options: Any) -> Sender:
        return cls(Relay.from_url(config["SMTP_URL"]), mail_from=queue.from_header(), **options)

    # -- claiming --------------------------------------------------------------------

    def claim(self, limit: int | None = None) -> list[int]:
        """Take a lease on up to ``limit`` due rows and commit it; returns their ids."""
        now = utcnow()
        limit = limit or self.batch
        _begin_write()
        candidates = (
            sa.select(Notification.id)
            .where(_due(now))
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
        )
        if db.engine.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        claimed: list[int] = []
        for row_id in db.session.scalars(candidates).all():
            # Conditional: a row another sender leased since the SELECT is left alone.
            result = db.session.execute(
                sa.update(Notification)
                .where(Notification.id == row_id, _due(now))
                .values(
                    status=NotificationStatus.SENDING,
                    locked_by=self.worker_id,
                    locked_until=now + self.lease,
                )
                .execution_options(synchronize_session=False)
            )
            if cast("sa.CursorResult[Any]", result).rowcount == 1:
                claimed.append(row_id)
        db.session.commit()
        return claimed

    # -- delivering ------------------------------------------------------------------

    def message(self, row: Notification) -> EmailMessage:
        """The mail of a row, the same on every attempt (Message-ID and Date included)."""
        mail = EmailMessage()
        mail["Subject"] = row.subject
        mail["From"] = self.mail_from
        mail["To"] = row.recipient
        mail["Message-ID"] = row.message_id
        mail["Date"] = format_datetime(row.created_at)
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(row.text_body)
        mail.add_alternative(row.html_body, subtype="html")
        return mail

    def deliver(self, ids: list[int]) -> Outcome:
        """Hand each claimed row to the relay over one connection, then record the result."""
        outcome = Outcome()
        smtp: smtplib.SMTP | None = None
        try:
            for row_id in ids:
                row = db.session.get(Notification, row_id)
                if row is None or row.status == NotificationStatus.SENT:
                    continue
                try:
                    mail = self.message(row)
                except (ValueError, TypeError) as exc:  # a mail that can never be built
                    self._record_failure(row_id, exc, permanent=True)
                    outcome.failed += 1
                    continue
                db.session.rollback()  # hold no transaction while talking to the relay
                try:
                    if smtp is None:
                        smtp = self.relay.connect()
                    smtp.send_message(mail)
                except (smtplib.SMTPException, OSError) as exc:
                    _close(smtp)
                    smtp = None
                    if self._record_failure(row_id, exc):
                        outcome.failed += 1
                    else:
                        outcome.retried += 1
                else:
                    self._record_sent(row_id)
                    outcome.sent += 1
        finally:
            _close(smtp, polite=True)
        return outcome

    def send_once(self) -> Outcome:
        """Claim one batch of due rows and deliver it."""
        ids = self.claim()
        return self.deliver(ids) if ids else Outcome()

    def _record_sent(self, row_id: int) -> None:
        _begin_write()
        row = db.session.get(Notification, row_id)
        if row is not None and row.status != NotificationStatus.SENT:
            row.status = NotificationStatus.SENT
            row.sent_at = utcnow()
            row.attempts += 1
            row.last_error = None
            _release(row)
        db.session.commit()

    def _record_failure(self, row_id: int, exc: BaseException, *, permanent: bool = False) -> bool:
        """Put the row back for later, or give it up; True when given up."""
        _begin_write()
        row = db.session.get(Notification, row_id)
        if row is None or row.status == NotificationStatus.SENT:
            db.session.commit()
            return False
        row.attempts += 1
        row.last_error = describe(exc)[:200]
        given_up = permanent or _permanent(exc) or row.attempts >= MAX_ATTEMPTS
        if given_up:
            row.status = NotificationStatus.FAILED
        else:
            row.status = NotificationStatus.QUEUED
            row.next_attempt_at = utcnow() + backoff(row.attempts)
        _release(row)
        db.session.commit()
        log.warning("outbox: notification %s not delivered (%s)", row_id, row.last_error)
        return given_up

    # -- running ---------------------------------------------------------------------

    def run(self, stop: threading.Event, *, interval: float = 5.0) -> None:
        """Deliver until ``stop`` is set, resting ``interval`` seconds when nothing is due."""
        while not stop.is_set():
            try:
                outcome = self.send_once()
            except Exception:  # the database away for a moment: the loop must live on
                log.exception("outbox: sending failed, trying again")
                db.session.rollback()
                outcome = Outcome()
            if outcome.claimed:
                log.info("outbox: %s sent, %s retried later, %s failed", *vars(outcome).values())
            else:
                stop.wait(interval)
        db.session.remove()


def _release(row: Notification) -> None:
    row.locked_by = None
    row.locked_until = None
    if row.status in {NotificationStatus.SENT, NotificationStatus.FAILED}:
        # Personal data is kept only as long as the mail may still have to be sent: the
        # address becomes its masked form, a query code goes altogether.
        row.recipient = row.masked_recipient
        if row.carries_code:
            row.text_body = row.html_body = ""


def _close(smtp: smtplib.SMTP | None, *, polite: bool = False) -> None:
    if smtp is None:
        return
    try:
        if polite:
            smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


@dataclass(frozen=True)
class Background:
    thread: threading.Thread
    stop: threading.Event


def start_background(app: Flask, *, interval: float = 5.0) -> Background | None:
    """Run a sender in a daemon thread of this process (``python app.py``) when
    ``PORTAL_SMTP_URL`` is set; ``stop.set()`` ends it within ``interval``."""
    if not app.config.get("SMTP_URL"):
        return None
    stop = threading.Event()
    with app.app_context():
        sender = Sender.from_config(app.config)  # a bad PORTAL_SMTP_URL stops the start

    def work() -> None:
        with app.app_context():
            sender.run(stop, interval=interval)

    thread = threading.Thread(target=work, name="outbox-sender", daemon=True)
    thread.start()
    return Background(thread, stop)
