"""An information request's statutory clock, replayed from its events.

A request's life is a list of events (``RequestEvent``: received, 补正 asked / received,
third-party consultation started / ended, extended, closed with an outcome), in the order
they were recorded. ``replay`` folds them into a ``RequestClock``: the status, the day the
clock (re)started, the pauses, the extension and the due date. Nothing else computes a
request's due date; the columns ``status``, ``receipt_date`` and ``due_date`` of
``info_request`` are this function's result, kept for lists and counts.

The rules (政府信息公开条例):
- Art. 33: answer within 20 working days of receipt; extendable once, by at most 20.
- Art. 30: a 补正 is asked once, within 7 working days of receipt; the period then runs from
  the day the completed application arrives (the clock restarts; earlier pauses no longer
  matter).
- Art. 32: the time a third party takes to give its opinion does not count (the clock pauses
  and resumes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from portal.errors import InvalidTransition
from portal.interaction import calendar
from portal.states import RequestEventKind, RequestStatus

REQUEST_LIMIT = 20  # working days (Art. 33)
MAX_EXTENSION = 20  # working days, once (Art. 33)
SUPPLEMENT_WITHIN = 7  # working days from receipt to ask for 补正 (Art. 30)

Kind = RequestEventKind


class Event(Protocol):
    """What the clock reads of an event (``models.RequestEvent`` or a test's stand-in)."""

    @property
    def kind(self) -> RequestEventKind: ...
    @property
    def day(self) -> date: ...
    @property
    def note(self) -> str | None: ...
    @property
    def days(self) -> int | None: ...
    @property
    def approver(self) -> str | None: ...
    @property
    def outcome(self) -> str | None: ...


@dataclass(frozen=True)
class Pause:
    """A stop of the clock: 补正 ("supplement") or third-party consultation ("consult");
    both days inclusive, ``end`` None while it lasts."""

    kind: str
    start: date
    end: date | None = None


@dataclass(frozen=True)
class RequestClock:
    """Everything the events say about a request's deadline."""

    status: RequestStatus
    received: date  # the working day the request counts as received
    starts: date  # the day the 20 working days count from (a 补正 moves it)
    due: date
    extension_days: int = 0
    extension_reason: str | None = None
    extension_approver: str | None = None
    supplement_asked: bool = False
    supplement_note: str | None = None
    pauses: tuple[Pause, ...] = ()
    closed_on: date | None = None
    outcome: str | None = None

    @property
    def open(self) -> bool:
        return self.status != RequestStatus.CLOSED

    @property
    def paused(self) -> Pause | None:
        """The pause that lasts now, if the clock is stopped."""
        if self.pauses and self.pauses[-1].end is None:
            return self.pauses[-1]
        return None

    @property
    def closed_awaiting_supplement(self) -> bool:
        """Closed while waiting for a 补正 that never came: never a late answer."""
        return (
            self.status == RequestStatus.CLOSED
            and bool(self.pauses)
            and self.pauses[-1].kind == "supplement"
            and self.pauses[-1].end is None
        )


@dataclass
class _State:
    status: RequestStatus = RequestStatus.RECEIVED
    received: date | None = None
    starts: date | None = None
    extension: tuple[int, str | None, str | None] = (0, None, None)
    supplement_note: str | None = None
    supplement_asked: bool = False
    pauses: list[Pause] = field(default_factory=list)
    closed_on: date | None = None
    outcome: str | None = None


#: The statuses in which each event may happen.
ALLOWED: dict[RequestEventKind, frozenset[RequestStatus]] = {
    Kind.RECEIVED: frozenset(),  # only as the first event
    Kind.SUPPLEMENT_ASKED: frozenset({RequestStatus.RECEIVED}),
    Kind.SUPPLEMENT_RECEIVED: frozenset({RequestStatus.SUPPLEMENT}),
    Kind.CONSULTATION_STARTED: frozenset({RequestStatus.RECEIVED}),
    Kind.CONSULTATION_ENDED: frozenset({RequestStatus.CONSULTING}),
    Kind.EXTENDED: frozenset(
        {RequestStatus.RECEIVED, RequestStatus.SUPPLEMENT, RequestStatus.CONSULTING}
    ),
    Kind.CLOSED: frozenset(
        {RequestStatus.RECEIVED, RequestStatus.SUPPLEMENT, RequestStatus.CONSULTING}
    ),
}
REFUSALS = {
    Kind.SUPPLEMENT_ASKED: "只有正在办理（计时进行中）的申请可以通知补正",
    Kind.SUPPLEMENT_RECEIVED: "本申请没有在等待补正",
    Kind.CONSULTATION_STARTED: "只有正在办理（计时进行中）的申请可以登记征求第三方意见",
    Kind.CONSULTATION_ENDED: "本申请没有在征求第三方意见",
    Kind.EXTENDED: "该申请已办结",
    Kind.CLOSED: "该申请已办结",
}


def _step(state: _State, event: Event) -> None:
    kind = Kind(event.kind)
    if state.received is None:
        if kind != Kind.RECEIVED:
            raise ValueError("a request's first event must be 'received'")
        state.received = state.starts = calendar.receipt_day(event.day)
        return
    if state.status not in ALLOWED[kind]:
        raise InvalidTransition(REFUSALS.get(kind, "当前状态下不能这样操作"))
    if kind in {Kind.SUPPLEMENT_RECEIVED, Kind.CONSULTATION_ENDED}:
        pause = state.pauses[-1]
        if event.day < pause.start:
            raise ValueError("a pause ends before it starts")
        state.pauses[-1] = Pause(pause.kind, pause.start, event.day)
        if kind == Kind.SUPPLEMENT_RECEIVED:  # the completed application starts it afresh
            state.starts = calendar.receipt_day(event.day)
        state.status = RequestStatus.RECEIVED
    elif kind == Kind.SUPPLEMENT_ASKED:
        state.pauses.append(Pause("supplement", event.day))
        state.supplement_asked = True
        state.supplement_note = event.note
        state.status = RequestStatus.SUPPLEMENT
    elif kind == Kind.CONSULTATION_STARTED:
        state.pauses.append(Pause("consult", event.day))
        state.status = RequestStatus.CONSULTING
    elif kind == Kind.EXTENDED:
        state.extension = (event.days or 0, event.note, event.approver)
    elif kind == Kind.CLOSED:
        last = state.pauses[-1] if state.pauses else None
        if last is not None and last.end is None and last.kind == "consult":
            # The answer ends the consultation: its days up to the answer do not count.
            state.pauses[-1] = Pause(last.kind, last.start, event.day)
        state.status = RequestStatus.CLOSED
        state.closed_on = event.day
        state.outcome = event.outcome
    else:  # a second RECEIVED
        raise ValueError("a request is received once")


def replay(events: Iterable[Event]) -> RequestClock:
    """Fold a request's events (in the order recorded) into its clock.

    Raises ``InvalidTransition`` for an event its request's status does not allow (the
    services replay the new event before storing it), ``ValueError`` for a malformed list.
    """
    state = _State()
    for event in events:
        _step(state, event)
    if state.received is None or state.starts is None:
        raise ValueError("a request without its 'received' event")
    days, reason, approver = state.extension
    # Only consultation pauses after the clock's (re)start are subtracted: a 补正 restarts
    # the count, and a pause still lasting has no end to subtract yet.
    consults = [
        (p.start, p.end)
        for p in state.pauses
        if p.kind == "consult" and p.end is not None and p.end >= state.starts
    ]
    due = calendar.due_date(state.starts, limit=REQUEST_LIMIT, extension_days=days, pauses=consults)
    return RequestClock(
        status=state.status,
        received=state.received,
        starts=state.starts,
        due=due,
        extension_days=days,
        extension_reason=reason,
        extension_approver=approver,
        supplement_asked=state.supplement_asked,
        supplement_note=state.supplement_note,
        pauses=tuple(state.pauses),
        closed_on=state.closed_on,
        outcome=state.outcome,
    )
