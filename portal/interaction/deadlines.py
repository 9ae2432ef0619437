"""Deadlines, in one place: when messages, information requests and consultation results
are due, how many working days are left, and which are due soon or overdue.

Every screen that judges a deadline — the staff inbox, the dashboard, the inspection
warnings, the annual report, the public figures and the API — calls this module, in Python
for one item and as SQL conditions for counts; both give the same answer for the same day.

The rules, one each:
- An item is **overdue** on ``today`` when it is open, its clock runs and ``today`` is after
  its due day. A weekend or holiday just after the due day already counts (at least one
  working day late).
- It is **due soon** when it is open, its clock runs, it is not overdue and at most ``SOON``
  working days are left.
- An answer is **late** when it was given (Asia/Shanghai date) after the due day.
- A message is due ``MESSAGE_TARGET`` working days after the working day it counts as
  received (the office's own target, published on the message page).
- A report of an error on a page (纠错) is due ``FEEDBACK_TARGET`` working days after the
  working day it counts as received.
- A request's due date comes from its events (``clock.replay``: 20 working days, 补正
  restarts, third-party time does not count, one extension).
- A consultation's result is due ``RESULT_WITHIN`` working days after it closes.
- Deadlines falling in a year whose holiday arrangement the State Council has not yet
  published are counted on the statutory holidays alone and marked provisional
  (暂按法定节假日计算).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from portal.documents.models import Document
from portal.interaction import calendar, clock
from portal.interaction.models import FeedbackReport, InfoRequest, Message
from portal.states import (
    DocumentStatus,
    FeedbackStatus,
    MessageStatus,
    RequestEventKind,
    RequestStatus,
)
from portal.timeutil import local_date, local_midnight_utc

MESSAGE_TARGET = 5  # working days the office aims to answer a message in
FEEDBACK_TARGET = 3  # working days to answer a report of an error on a page (纠错)
SOON = 3  # working days: open items due within this many are flagged 即将到期
RESULT_WITHIN = 10  # working days after a consultation closes to publish its result
REQUEST_LIMIT = clock.REQUEST_LIMIT
MAX_EXTENSION = clock.MAX_EXTENSION
SUPPLEMENT_WITHIN = clock.SUPPLEMENT_WITHIN
PROVISIONAL_NOTE = "暂按法定节假日计算"


# -- one deadline ---------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """Where an item stands against its due date; ``state`` doubles as the row's CSS class."""

    due: date
    state: str  # "" | "due-soon" | "overdue" | "paused" | "done"
    days_left: int | None = None  # working days; negative when overdue
    provisional: bool = False  # counted on the statutory holidays alone

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"

    @property
    def due_soon(self) -> bool:
        return self.state == "due-soon"

    @property
    def row_class(self) -> str:
        return self.state if self.state in {"due-soon", "overdue"} else ""

    @property
    def remaining(self) -> str:
        if self.days_left is None:
            return "—"
        if self.days_left < 0:
            return f"超期 {-self.days_left} 个工作日"
        if self.days_left == 0:
            return "今日到期"
        return f"剩余 {self.days_left} 个工作日"


def judge(due: date, today: date, *, open_: bool, paused: bool = False, since: date) -> Deadline:
    """The state of an item due on ``due`` seen on ``today``; ``since`` is the day its
    count started (to tell whether a provisional year lies between)."""
    provisional = _provisional(since, due)
    if not open_:
        return Deadline(due, "done", provisional=provisional)
    if paused:
        return Deadline(due, "paused", provisional=provisional)
    if due < today:
        # Seen on a weekend or holiday just after the due day no working day has passed
        # yet, but the item is late all the same: count at least one.
        late = max(1, calendar.working_days_between(due, today))
        return Deadline(due, "overdue", -late, provisional)
    left = calendar.working_days_between(today, due)
    return Deadline(due, "due-soon" if left <= SOON else "", left, provisional)


def _provisional(start: date, end: date) -> bool:
    """Whether any year from ``start`` to ``end`` lacks the State Council's arrangement."""
    return any(
        calendar.is_provisional(date(year, 6, 1)) for year in range(start.year, end.year + 1)
    )


def working_days_taken(start: datetime, end: datetime) -> int:
    """Working days from the day a submission counts as received to the answer."""
    return calendar.working_days_between(calendar.receipt_day(local_date(start)), local_date(end))


def _latest_bound(due_of: Callable[[date], date], bound: date) -> date:
    """The first day whose due date is on or after ``bound`` (due dates grow with the day
    received, so every earlier day's is before it). Turns "due < bound" into "received
    before that day", which SQL can test."""
    day = bound
    while due_of(day - timedelta(days=1)) >= bound:
        day -= timedelta(days=1)
    return day


# -- messages -------------------------------------------------------------------------


def message_due_on(received: date) -> date:
    """When a message received (Asia/Shanghai) on ``received`` is due."""
    return calendar.add_working_days(calendar.receipt_day(received), MESSAGE_TARGET)


def message_due(message: Message) -> date:
    return message_due_on(local_date(message.received_at))


def message_deadline(message: Message, today: date) -> Deadline:
    """Where a message stands against the office's 5-working-day target."""
    received = local_date(message.received_at)
    return judge(
        message_due_on(received),
        today,
        open_=message.status == MessageStatus.RECEIVED,
        since=received,
    )


def message_answered_late(received_at: datetime, replied_at: datetime) -> bool:
    """Whether a message was answered after its due day."""
    return local_date(replied_at) > message_due_on(local_date(received_at))


@lru_cache(maxsize=64)
def _message_cutoffs(today: date) -> tuple[datetime, datetime]:
    """Instants splitting open messages: received before the first, overdue today; before
    the second (and not overdue), due soon."""
    overdue = _latest_bound(message_due_on, today)
    soon = _latest_bound(message_due_on, calendar.add_working_days(today, SOON) + timedelta(1))
    return local_midnight_utc(overdue), local_midnight_utc(soon)


def message_open() -> sa.ColumnElement[bool]:
    """SQL: a message waiting for its answer (not one the system held back)."""
    return sa.and_(Message.status == MessageStatus.RECEIVED, Message.quarantined.is_(False))


def message_overdue_sql(today: date) -> sa.ColumnElement[bool]:
    """SQL: open messages overdue on ``today`` (the same as ``message_deadline(...).overdue``)."""
    return sa.and_(message_open(), Message.received_at < _message_cutoffs(today)[0])


def message_due_soon_sql(today: date) -> sa.ColumnElement[bool]:
    """SQL: open messages due soon on ``today``."""
    overdue, soon = _message_cutoffs(today)
    return sa.and_(message_open(), Message.received_at >= overdue, Message.received_at < soon)


# -- reports of an error on a page (纠错) ----------------------------------------------


def feedback_due_on(received: date) -> date:
    """When a report of an error received (Asia/Shanghai) on ``received`` is due."""
    return calendar.add_working_days(calendar.receipt_day(received), FEEDBACK_TARGET)


def feedback_deadline(report: FeedbackReport, today: date) -> Deadline:
    """Where a report of an error stands against its 3-working-day deadline."""
    received = local_date(report.received_at)
    return judge(
        feedback_due_on(received),
        today,
        open_=report.status == FeedbackStatus.RECEIVED,
        since=received,
    )


@lru_cache(maxsize=64)
def _feedback_cutoffs(today: date) -> tuple[datetime, datetime]:
    """As ``_message_cutoffs``, for reports of an error."""
    overdue = _latest_bound(feedback_due_on, today)
    soon = _latest_bound(feedback_due_on, calendar.add_working_days(today, SOON) + timedelta(1))
    return local_midnight_utc(overdue), local_midnight_utc(soon)


def feedback_open() -> sa.ColumnElement[bool]:
    """SQL: a report of an error waiting for its answer (not one the system held back)."""
    return sa.and_(
        FeedbackReport.status == FeedbackStatus.RECEIVED, FeedbackReport.quarantined.is_(False)
    )


def feedback_overdue_sql(today: date) -> sa.ColumnElement[bool]:
    """SQL: open reports of an error overdue on ``today``."""
    return sa.and_(feedback_open(), FeedbackReport.received_at < _feedback_cutoffs(today)[0])


def feedback_due_soon_sql(today: date) -> sa.ColumnElement[bool]:
    """SQL: open reports of an error due soon on ``today``."""
    overdue, soon = _feedback_cutoffs(today)
    return sa.and_(
        feedback_open(), FeedbackReport.received_at >= overdue, FeedbackReport.received_at < soon
    )


# -- information requests -------------------------------------------------------------


def refresh_request(item: InfoRequest) -> clock.RequestClock:
    """Replay a request's events and store what they say (status, clock start, due date).

    The only writer of those columns; raises ``InvalidTransition`` if the last event is not
    allowed in the status before it (nothing is stored then).
    """
    state = clock.replay(item.events)
    item.status = state.status
    item.receipt_date = state.starts
    item.due_date = state.due
    return state


def request_deadline(item: InfoRequest, today: date) -> Deadline:
    """Where a request stands: its clock running, paused or done."""
    state = item.clock
    return judge(
        state.due, today, open_=state.open, paused=state.paused is not None, since=state.received
    )


def answered_late(state: clock.RequestClock) -> bool:
    """Whether a closed request was answered after its due day. A request closed while
    waiting for its 补正, or because the applicant never sent it (``other.no_supplement``),
    was not: it never got a running deadline back."""
    if state.open or state.closed_on is None:
        return False
    if state.outcome == "other.no_supplement" or state.closed_awaiting_supplement:
        return False
    return state.closed_on > state.due


def past_due(item: InfoRequest, today: date) -> bool:
    """Answered late, or still open and overdue: what the annual report counts against it."""
    state = item.clock
    if not state.open:
        return answered_late(state)
    return state.paused is None and state.due < today


def request_running() -> sa.ColumnElement[bool]:
    """SQL: requests whose clock runs (open, not paused, not held back by the system)."""
    return sa.and_(InfoRequest.status == RequestStatus.RECEIVED, InfoRequest.quarantined.is_(False))


def request_overdue_sql(today: date) -> sa.ColumnElement[bool]:
    """SQL: requests overdue on ``today`` (as ``request_deadline(...).overdue``)."""
    return sa.and_(request_running(), InfoRequest.due_date < today)


def request_due_soon_sql(today: date) -> sa.ColumnElement[bool]:
    """SQL: requests due soon on ``today`` (due dates are working days)."""
    return sa.and_(
        request_running(),
        InfoRequest.due_date >= today,
        InfoRequest.due_date <= calendar.add_working_days(today, SOON),
    )


def can_request_supplement(item: InfoRequest, today: date) -> bool:
    """补正 is asked once, within 7 working days of receipt, while the clock runs."""
    return supplement_refusal(item.clock, today) is None


def supplement_refusal(state: clock.RequestClock, today: date) -> str | None:
    """Why a 补正 cannot be asked on ``today`` (a Chinese sentence), or None."""
    if state.status != RequestStatus.RECEIVED:
        return clock.REFUSALS[RequestEventKind.SUPPLEMENT_ASKED]
    if state.supplement_asked:
        return "补正只能一次性告知，本申请已通知过补正"
    if calendar.working_days_between(state.received, today) > SUPPLEMENT_WITHIN:
        return f"补正须在收到申请之日起 {SUPPLEMENT_WITHIN} 个工作日内一次性告知"
    return None


# -- consultations --------------------------------------------------------------------


def result_due_on(closes: date) -> date:
    """When the result of a consultation closing on ``closes`` is due."""
    return calendar.add_working_days(closes, RESULT_WITHIN)


def result_deadline(extra: dict[str, Any], today: date) -> Deadline | None:
    """Where a consultation's result stands, once it has closed (None before)."""
    closes = _closes_on(extra)
    if closes is None or closes >= today:
        return None
    return judge(result_due_on(closes), today, open_=not extra.get("result_summary"), since=closes)


def result_overdue(extra: dict[str, Any], today: date) -> bool:
    deadline = result_deadline(extra, today)
    return deadline is not None and deadline.overdue


def _closes_on(extra: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(extra.get("closes_on")))
    except ValueError:
        return None


def results_overdue_sql(today: date) -> sa.ColumnElement[bool]:
    """SQL: published consultations whose result is overdue on ``today``."""
    closes = Document.extra["closes_on"].as_string()
    summary = Document.extra["result_summary"].as_string()
    return sa.and_(
        Document.kind == "consultation",
        Document.status == DocumentStatus.PUBLISHED,
        closes < _latest_bound(result_due_on, today).isoformat(),
        sa.or_(summary.is_(None), summary == ""),
    )
