"""``/admin/reports/annual`` and ``/admin/reports/<year>/annual?org=CODE``: staff write an
organisation's annual disclosure report, insert its computed figures into 一、总体情况, send
it to review; a reviewer publishes it or sends it back. Only the organisation's own staff
see it (404 for any other); ``reports.publication`` checks every step again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import abort, render_template, request
from wtforms import StringField, TextAreaField

from portal.auth.actor import Actor, Permission
from portal.auth.blueprint import bp, current_actor
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.orgs import directory
from portal.reports import annual, publication, snapshot
from portal.reports.figures import valid_year
from portal.reports.models import DisclosureReport
from portal.states import ReportStatus
from portal.timeutil import local_date, utcnow
from portal.web.forms import ActionForm, PortalForm
from portal.web.notices import back_to


class ReportForm(PortalForm):
    """The parts staff write; the service checks them (``publication.FIELDS``)."""

    overview = TextAreaField(
        "一、总体情况", render_kw={"rows": 12, "maxlength": publication.MAX_TEXT}
    )
    problems = TextAreaField(
        "五、存在的主要问题及改进情况", render_kw={"rows": 8, "maxlength": publication.MAX_TEXT}
    )
    fee_notices = StringField(
        "发出收费通知件数", render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )
    fee_notified = StringField(
        "收费通知总金额（元）", render_kw={"inputmode": "decimal", "autocomplete": "off"}
    )
    fee_collected = StringField(
        "实际收取总金额（元）", render_kw={"inputmode": "decimal", "autocomplete": "off"}
    )
    other = TextAreaField(
        "六、其他需要报告的事项（信息处理费以外）",
        render_kw={"rows": 6, "maxlength": publication.MAX_TEXT},
    )


class ReturnForm(ActionForm):
    note = TextAreaField("退回意见（必填）", render_kw={"rows": 3, "maxlength": 1000})


def _orgs(actor: Actor) -> list[directory.Org]:
    """The organisations whose report ``actor`` writes (and, as a reviewer, publishes)."""
    ids = actor.org_ids(Permission.WRITE_DOCUMENTS)
    return [org for org in directory.all_orgs() if ids is None or org.id in ids]


def _chosen(year: int) -> tuple[directory.Org, str | None, list[directory.Org]]:
    """``?org=CODE`` among the organisations one writes for, else the first (404 for any
    other), the ``org`` argument of the page's URLs, and the choices."""
    if not valid_year(year):
        abort(404)
    choices = _orgs(current_actor())
    code = request.args.get("org")
    org = next((o for o in choices if o.code == code), None) if code else None
    if (code and org is None) or not choices:
        abort(404)
    org = org or choices[0]
    return org, (org.code if len(choices) > 1 else None), choices


@bp.get("/reports/annual")
def annual_reports():
    """Each of one's organisations' annual reports: last year's, this year's and any other
    begun, with where each stands."""
    this_year = local_date(utcnow()).year
    orgs = _orgs(current_actor())
    rows = db.session.scalars(
        sa.select(DisclosureReport).where(
            DisclosureReport.organisation_id.in_([org.id for org in orgs])
        )
    ).all()
    found: dict[int, dict[int, DisclosureReport]] = {}
    for row in rows:
        found.setdefault(row.organisation_id, {})[row.year] = row
    sections = [
        (org, sorted({this_year - 1, this_year, *found.get(org.id, {})}, reverse=True))
        for org in orgs
    ]
    return render_template(
        "admin/annual_reports.html",
        sections=sections,
        found=found,
        this_year=this_year,
        several=len(orgs) > 1,
    )


def _values(form: ReportForm) -> dict[str, Any]:
    return {name: form[name].data for name in publication.LABELS}


def _initial(row: DisclosureReport | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        name: "" if getattr(row, name) is None else str(getattr(row, name))
        for name in publication.LABELS
    }


def _page(
    year: int,
    org: directory.Org,
    org_arg: str | None,
    choices: list[directory.Org],
    *,
    form: ReportForm | None = None,
    problem: str | None = None,
    status: int = 200,
):
    actor = current_actor()
    row = publication.report_of(org.id, year)
    live = annual.build(year, org.id)
    published = row is not None and row.status == ReportStatus.PUBLISHED
    in_review = row is not None and row.status == ReportStatus.IN_REVIEW
    may_publish = publication.may_publish(row, actor)
    return render_template(
        "admin/annual_report.html",
        year=year,
        org=org,
        org_arg=org_arg,
        choices=choices,
        row=row,
        form=form or ReportForm(formdata=None, data=_initial(row)),
        sentences=publication.sentences(live),
        review_entered=live.review.entered,
        over=year < local_date(utcnow()).year,
        hits=publication.word_hits(row, live) if may_publish and row is not None else [],
        may_publish=may_publish,
        may_review=actor.may(Permission.REVIEW_DOCUMENTS, org.id),
        return_form=ReturnForm(formdata=None) if in_review else None,
        action_form=ActionForm(formdata=None),
        document=publication.document_of(row) if published and row else None,
        differences=(
            snapshot.differences(publication.frozen(row), live) if published and row else []
        ),
        problem=problem,
    ), status


@bp.route("/reports/<int:year>/annual", methods=["GET", "POST"])
def annual_report(year: int):
    """Write an organisation's annual report of a year: 一, 五, 六 and the 信息处理费, with
    the computed figures to insert into 一."""
    org, org_arg, choices = _chosen(year)
    if request.method == "GET":
        return _page(year, org, org_arg, choices)
    form = ReportForm()
    if not form.validate():
        abort(400)
    values = _values(form)
    inserting = request.form.get("insert")
    if inserting:
        offered = publication.sentences(annual.build(year, org.id))
        chosen = [s for s in offered if inserting in ("all", s.key)]
        values["overview"] = publication.with_sentences(values["overview"] or "", chosen)
        form.overview.data = values["overview"]
    try:
        publication.save_draft(org.id, year, values, actor=current_actor())
    except ValidationError as exc:
        for name, message in exc.errors.items():
            form[name].errors = [message]
        return _page(year, org, org_arg, choices, form=form, status=400)
    notice = "已插入统计数据并保存草稿。" if inserting else "草稿已保存。"
    return back_to("admin.annual_report", notice, year=year, org=org_arg)


def _act(year: int, form: ActionForm, act: Callable[[directory.Org], object], notice: str):
    """Check the form, do ``act`` for the chosen organisation and go back to the report,
    or show the report again with why it could not be done."""
    org, org_arg, choices = _chosen(year)
    if not form.validate_on_submit():
        abort(400)
    try:
        act(org)
    except ValidationError as exc:
        problem, status = "；".join(exc.errors.values()), 400
    except InvalidTransition as exc:
        problem, status = str(exc), 409
    else:
        return back_to("admin.annual_report", notice, year=year, org=org_arg)
    return _page(year, org, org_arg, choices, problem=problem, status=status)


@bp.post("/reports/<int:year>/annual/submit")
def annual_report_submit(year: int):
    """Send the draft to the organisation's reviewers."""
    actor = current_actor()

    def submit(org: directory.Org) -> object:
        return publication.submit(org.id, year, actor=actor)

    return _act(year, ActionForm(), submit, "已提交审核。")


@bp.post("/reports/<int:year>/annual/return")
def annual_report_return(year: int):
    """Send the report in review back to its writers with the reviewer's remarks."""
    actor, form = current_actor(), ReturnForm()

    def send_back(org: directory.Org) -> object:
        return publication.send_back(org.id, year, form.note.data or "", actor=actor)

    return _act(year, form, send_back, "已退回修改。")


@bp.post("/reports/<int:year>/annual/publish")
def annual_report_publish(year: int):
    """Publish the report in review: its figures are frozen and it is filed under 年度报告."""
    actor, words = current_actor(), request.form.getlist("ack")

    def publish(org: directory.Org) -> object:
        return publication.publish(org.id, year, actor=actor, acknowledged=words)

    return _act(year, ActionForm(), publish, "年度报告已发布。")
