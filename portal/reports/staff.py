"""``/admin/reports/<year>/review-figures?org=CODE``: staff enter Table 四 of an
organisation's annual report — of one of the organisations where they may (404 for any
other)."""

from __future__ import annotations

from flask import abort, render_template, request
from wtforms import StringField

from portal.auth.actor import Actor, Permission
from portal.auth.blueprint import bp, current_actor
from portal.errors import ValidationError
from portal.orgs import directory
from portal.reports import figures
from portal.reports.models import REVIEW_FIELDS, REVIEW_GROUPS, REVIEW_RESULTS
from portal.web.forms import PortalForm
from portal.web.notices import back_to


class ReviewFiguresForm(PortalForm):
    """Twelve counts (行政复议 and the two kinds of 行政诉讼 × four results); the service
    checks them, the form only carries them and the CSRF token."""


for _name, _label in REVIEW_FIELDS.items():
    setattr(
        ReviewFiguresForm,
        _name,
        StringField(_label, render_kw={"inputmode": "numeric", "autocomplete": "off"}),
    )


def figure_orgs(actor: Actor) -> list[directory.Org]:
    """The organisations whose Table 四 ``actor`` may enter, in the directory's order."""
    ids = actor.org_ids(Permission.ENTER_REPORT_FIGURES)
    return [org for org in directory.all_orgs() if ids is None or org.id in ids]


def _chosen_org(choices: list[directory.Org]) -> directory.Org:
    """``?org=CODE`` among ``choices``, else the first of them (404 for any other)."""
    code = request.args.get("org")
    chosen = next((org for org in choices if org.code == code), None) if code else None
    if (code and chosen is None) or not choices:
        abort(404)
    return chosen or choices[0]


@bp.route("/reports/<int:year>/review-figures", methods=["GET", "POST"])
def report_figures(year: int):
    """Enter or correct an organisation's 行政复议 / 行政诉讼 figures of a year for its
    annual report."""
    if not figures.valid_year(year):
        abort(404)
    actor = current_actor()
    choices = figure_orgs(actor)
    org = _chosen_org(choices)
    # The organisation stays in the URL only when there is a choice to make.
    org_arg = org.code if len(choices) > 1 else None
    existing = figures.review_figures(org.id, year)
    form = ReviewFiguresForm(data=existing.values() if existing else None)
    if form.validate_on_submit():
        values = {name: form[name].data for name in REVIEW_FIELDS}
        try:
            figures.set_review_figures(org.id, year, values, actor=actor)
        except ValidationError as exc:
            for name, message in exc.errors.items():
                form[name].errors = [message]
        else:
            whose = f"{org.short_name} " if directory.is_platform() else ""
            saved = f"{whose}{year} 年行政复议、行政诉讼数据已保存。"
            return back_to("admin.report_figures", saved, year=year, org=org_arg)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/report_figures.html",
        form=form,
        year=year,
        org=org,
        org_arg=org_arg,
        choices=choices,
        existing=existing,
        groups=REVIEW_GROUPS,
        results=REVIEW_RESULTS,
    ), status
