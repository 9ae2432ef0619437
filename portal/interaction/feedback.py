"""Staff actions on a report of an error on a page (纠错): answer it within 3 working days
(``deadlines.feedback_deadline``). One unit of work that checks its actor, re-reads the
report after the lock, writes and audits; the resident reads the answer on ``/track``."""

from __future__ import annotations

from portal.auth.actor import Actor, Permission, require
from portal.database import reread, unit_of_work
from portal.errors import ValidationError
from portal.interaction import handling, notices
from portal.interaction.models import FeedbackReport
from portal.states import FeedbackStatus
from portal.timeutil import utcnow

REPLY_MAX = 5000


def answer_feedback(report: FeedbackReport, *, reply: str, actor: Actor) -> FeedbackReport:
    """Record the organisation's answer to a report of an error (or correct it); the
    resident sees it when tracking the report."""
    require(actor, Permission.HANDLE_MESSAGES, report.organisation_id)
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": "答复内容：必填"})
    if len(reply) > REPLY_MAX:
        raise ValidationError({"reply": f"答复内容：不能超过 {REPLY_MAX} 个字"})
    with unit_of_work():
        reread(report)
        first_answer = report.status != FeedbackStatus.ANSWERED
        report.reply = reply
        report.replied_at = utcnow()
        report.answered_by = actor.name
        report.status = FeedbackStatus.ANSWERED
        handling.record(actor, "feedback_answer", report)
        if first_answer:
            notices.notify(report, "answered")
    return report
