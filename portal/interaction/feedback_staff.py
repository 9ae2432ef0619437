"""Staff inbox of reports of an error on a page (纠错): the list, the soonest due first
(3 working days), one report with the resident's contact masked until the handler asks
to see it (logged), and the answer the resident reads on ``/track``.

Handlers of messages handle these; access is checked by ``auth.blueprint.guard`` and again
inside ``interaction.feedback`` and ``interaction.handling``.
"""

from __future__ import annotations

from flask import abort, render_template, request

from portal.auth.blueprint import bp, current_actor
from portal.interaction import feedback, handling, inbox_detail
from portal.interaction import inbox as inbox_data
from portal.interaction.inbox import FEEDBACK_VIEWS
from portal.interaction.models import FEEDBACK_KINDS, FeedbackReport
from portal.interaction.staff import check_csrf, current_day, list_filters, run_action
from portal.interaction.staff_forms import FeedbackAnswerForm
from portal.web.forms import ActionForm
from portal.web.notices import back_to


def _get(report_id: int) -> FeedbackReport:
    # another office's report is a 404, like one that never existed
    report = inbox_data.visible(FeedbackReport, report_id, current_actor())
    if not isinstance(report, FeedbackReport):
        abort(404)
    return report


@bp.get("/feedback/")
def feedback_reports():
    """Reports of an error on a page to answer, the soonest due first."""
    filters = list_filters(FEEDBACK_VIEWS)
    kind = request.args.get("kind", "")
    kind = kind if kind in FEEDBACK_KINDS else ""
    listing = inbox_data.feedback_list(current_actor(), kind=kind, **filters)
    return render_template(
        "admin/inbox/feedback_reports.html",
        listing=listing,
        filters=filters,
        kind=kind,
        views=FEEDBACK_VIEWS,
        kinds=FEEDBACK_KINDS,
    )


def _page(report: FeedbackReport, *, status: int = 200, revealed: bool = False, **forms):
    forms = {
        "answer": FeedbackAnswerForm(formdata=None, reply=report.reply or ""),
        "action": ActionForm(formdata=None),
        **forms,
    }
    detail = inbox_detail.feedback_detail(report, current_day(), revealed=revealed)
    return render_template(
        "admin/inbox/feedback_report.html",
        report=report,
        detail=detail,
        forms=forms,
        revealed=revealed,
    ), status


@bp.get("/feedback/<id:report_id>")
def feedback_detail(report_id: int):
    """One report of an error with the contact masked, its deadline and the answer form."""
    return _page(_get(report_id))


@bp.post("/feedback/<id:report_id>/reveal")
def feedback_reveal(report_id: int):
    """Show the resident's details in full on this one response; the reveal is logged."""
    report = _get(report_id)
    check_csrf()
    sensitive = inbox_detail.feedback_detail(report, current_day(), revealed=True).sensitive
    handling.reveal_personal_data(report, fields=sensitive, actor=current_actor())
    return _page(report, revealed=True)


@bp.post("/feedback/<id:report_id>/answer")
def feedback_answer(report_id: int):
    """Record the answer to a report of an error (the resident reads it on /track)."""
    report = _get(report_id)
    form = FeedbackAnswerForm()
    if form.validate_on_submit() and run_action(
        feedback.answer_feedback, report, form, reply=form.reply.data
    ):
        return back_to("admin.feedback_detail", "答复已保存。", report_id=report.id)
    return _page(report, status=400, answer=form)
