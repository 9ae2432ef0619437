"""``/admin/reports/<year>/review-figures``: staff enter Table 四 of the annual report."""

from __future__ import annotations

from flask import abort, render_template, request
from wtforms import StringField

from portal.auth.blueprint import bp, current_actor
from portal.errors import ValidationError
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


@bp.route("/reports/<int:year>/review-figures", methods=["GET", "POST"])
def report_figures(year: int):
    """Enter or correct a year's 行政复议 / 行政诉讼 figures for the annual report."""
    if not figures.valid_year(year):
        abort(404)
    existing = figures.review_figures(year)
    form = ReviewFiguresForm(data=existing.values() if existing else None)
    if form.validate_on_submit():
        values = {name: form[name].data for name in REVIEW_FIELDS}
        try:
            figures.set_review_figures(year, values, actor=current_actor())
        except ValidationError as exc:
            for name, message in exc.errors.items():
                form[name].errors = [message]
        else:
            return back_to(
                "admin.report_figures", f"{year} 年行政复议、行政诉讼数据已保存。", year=year
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/report_figures.html",
        form=form,
        year=year,
        existing=existing,
        groups=REVIEW_GROUPS,
        results=REVIEW_RESULTS,
    ), status
