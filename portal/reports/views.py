"""``/reports/annual/<year>``: an organisation's annual disclosure report as a page and as
CSV (the home organisation's at the root, another's under ``/org/<code>/``), and
``/reports/annual/<year>/platform``: every organisation's key figures and their sum."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from portal.orgs import directory
from portal.reports import annual, publication, snapshot
from portal.reports.export import csv_download, report_csv
from portal.reports.figures import valid_year
from portal.reports.models import REVIEW_GROUPS, REVIEW_RESULTS
from portal.reports.platform import platform_summary as count_platform
from portal.timeutil import local_date, utcnow
from portal.web.orgroutes import org_route

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _year(year: int) -> int:
    if not valid_year(year):
        abort(404)
    return year


@org_route(bp, "/annual/<int:year>")
def annual_report(year: int):
    """Show an organisation's report for a year on government-information disclosure,
    computed from its records — and, once its report is published, the figures that now
    differ from the published ones."""
    org = directory.current()
    report = annual.build(_year(year), org.id)
    published = publication.report_of(org.id, year)
    if published is not None and published.snapshot is None:
        published = None  # written, not yet published
    return render_template(
        "reports/annual.html",
        report=report,
        published=published,
        published_document=publication.document_of(published) if published else None,
        differences=(
            snapshot.differences(publication.frozen(published), report) if published else []
        ),
        columns=annual.APPLICANT_COLUMNS,
        review_groups=REVIEW_GROUPS,
        review_results=REVIEW_RESULTS,
        org=org,
        org_name=org.name,
        platform=directory.is_platform(),
    )


@org_route(bp, "/annual/<int:year>.csv")
def annual_report_csv(year: int):
    """Download an organisation's report for a year as CSV (UTF-8 with BOM, opens in Excel)."""
    org = directory.current()
    body = report_csv(annual.build(_year(year), org.id), org.name)
    return csv_download(body, None if org.is_home else org.code, year)


@bp.get("/annual/<int:year>/platform")
def platform_summary(year: int):
    """Every organisation's key figures for a year and their sum (one office: its report)."""
    _year(year)
    if not directory.is_platform():
        return redirect(url_for("reports.annual_report", year=year))
    return render_template(
        "reports/platform.html", summary=count_platform(year), this_year=local_date(utcnow()).year
    )


@bp.app_template_global()
def latest_annual_report_year() -> int:
    """The last full year, whose report the 年度报告 list page links to."""
    return local_date(utcnow()).year - 1
