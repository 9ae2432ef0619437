"""``/reports/annual/<year>``: the annual disclosure report as a page and as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template

from portal.reports import annual
from portal.reports.export import report_csv
from portal.reports.figures import valid_year
from portal.reports.models import REVIEW_GROUPS, REVIEW_RESULTS
from portal.timeutil import local_date, utcnow

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _report(year: int) -> annual.AnnualReport:
    if not valid_year(year):
        abort(404)
    return annual.build(year)


@bp.get("/annual/<int:year>")
def annual_report(year: int):
    """Show a year's report on government-information disclosure, computed from the records."""
    return render_template(
        "reports/annual.html",
        report=_report(year),
        columns=annual.APPLICANT_COLUMNS,
        review_groups=REVIEW_GROUPS,
        review_results=REVIEW_RESULTS,
        org_name=current_app.config["ORG_NAME"],
    )


@bp.get("/annual/<int:year>.csv")
def annual_report_csv(year: int):
    """Download a year's report as CSV (UTF-8 with BOM, opens in Excel)."""
    body = report_csv(_report(year), current_app.config["ORG_NAME"])
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="annual-report-{year}.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.app_template_global()
def latest_annual_report_year() -> int:
    """The last full year, whose report the 年度报告 list page links to."""
    return local_date(utcnow()).year - 1
