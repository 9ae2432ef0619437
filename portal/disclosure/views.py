"""``/disclosure/``: an organisation's 政府信息公开 section, the four parts of 国办公开办函
〔2019〕61号 in their order — 公开指南, 公开制度, 法定主动公开内容 and 公开年报."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, url_for

from portal.disclosure import guide, listing
from portal.disclosure.editing import KEY_RE
from portal.documents import filing as tree
from portal.documents.models import Document
from portal.errors import NotFound
from portal.extensions import db
from portal.feeds import builder as feeds
from portal.feeds.views import FORMATS, serve
from portal.interaction.models import InfoRequest
from portal.orgs import directory
from portal.reports import publication
from portal.reports.annual import APPLICANT_COLUMNS
from portal.reports.export import csv_download, report_csv
from portal.reports.figures import FIRST_YEAR
from portal.reports.models import REVIEW_GROUPS, REVIEW_RESULTS, DisclosureReport
from portal.states import DocumentStatus
from portal.timeutil import local_date, utcnow
from portal.web.args import int_arg, page_arg
from portal.web.orgroutes import org_route
from portal.web.pagination import PageOutOfRange

bp = Blueprint("disclosure", __name__)
PARTS = (
    ("guide", "政府信息公开指南"),
    ("rules", "政府信息公开制度"),
    ("catalog", "法定主动公开内容"),
    ("annual", "政府信息公开年报"),
)


def _has_rules(org_id: int) -> bool:
    found = listing.node(org_id, tree.RULES)
    return found is not None and found.published > 0


@org_route(bp, "/disclosure/")
def index():
    """The section's front page: its four parts (a part with nothing in it is left out)."""
    org = directory.current()
    return render_template(
        "disclosure/index.html",
        org=org,
        parts=PARTS,
        has_rules=_has_rules(org.id),
        roots=listing.public_tree(org),
    )


@org_route(bp, "/disclosure/guide")
def guide_page():
    """The 公开指南 as it reads now, or an earlier version (``?version=N``)."""
    org = directory.current()
    number = int_arg("version")
    shown = None
    history = guide.history(org.id)
    if number is not None and history and number == history[0].number:
        return redirect(url_for("disclosure.guide_page"), 301)  # the current version
    if number is not None:
        try:
            shown, values = guide.version(org.id, number)
        except NotFound:
            abort(404)
    else:
        values = guide.content(org.id)
    return render_template(
        "disclosure/guide.html",
        org=org,
        guide=values,
        shown=shown,
        history=history,
    )


def _node_page(org_id: int, key: str, template: str, *, has_more: bool = False, **context):
    found = listing.node(org_id, key)
    if found is None:
        abort(404)
    try:
        per_page = current_app.config["PAGE_SIZE"]
        result = listing.documents(found.id, page=page_arg(), per_page=per_page)
    except PageOutOfRange:
        abort(404)
    if result.total == 0 and not (found.page or has_more):
        abort(404)  # an empty column is never shown to residents
    return render_template(template, node=found, result=result, **context)


@org_route(bp, "/disclosure/rules/")
def rules():
    """The organisation's 政府信息公开制度, with 发文字号 and validity."""
    return _node_page(directory.current().id, tree.RULES, "disclosure/rules.html")


@org_route(bp, "/disclosure/catalog/")
def catalog():
    """The catalogue of 法定主动公开内容: its columns with their 54号 metadata."""
    org = directory.current()
    return render_template("disclosure/catalog.html", org=org, roots=listing.public_tree(org))


@org_route(bp, "/disclosure/catalog/<key>/")
def node(key: str):
    """One column: its documents newest first, its sub-columns, its feed."""
    org = directory.current()
    shown = listing.find(listing.public_tree(org), key) if KEY_RE.fullmatch(key) else None
    if shown is None:
        abort(404)
    return _node_page(
        org.id, key, "disclosure/node.html", has_more=bool(shown.children), shown=shown
    )


@org_route(bp, f"/disclosure/catalog/<key>.<{FORMATS}:fmt>")
def node_feed(key: str, fmt: str):
    """A column's newest documents as RSS or Atom (a column residents see)."""
    org = directory.current()
    if not KEY_RE.fullmatch(key) or listing.find(listing.public_tree(org), key) is None:
        abort(404)
    found = listing.node(org.id, key)
    if found is None:
        abort(404)
    spec = feeds.FeedSpec(
        f"{org.code}:catalog:{found.key}:{found.name}",
        found.name if org.is_home else f"{org.short_name} · {found.name}",
        f"{org.short_name}法定主动公开内容“{found.name}”栏目的最新信息。",
        url_for("disclosure.node", key=found.key),
        org.name,
    )
    return serve(spec, fmt, lambda: listing.newest(found.id, current_app.config["FEED_SIZE"]))


def _first_year(org_id: int) -> int:
    """The first year the organisation has anything on record (its reports start there)."""
    firsts = [
        db.session.scalar(
            sa.select(sa.func.min(Document.published_at)).where(
                Document.organisation_id == org_id, Document.status == DocumentStatus.PUBLISHED
            )
        ),
        db.session.scalar(
            sa.select(sa.func.min(InfoRequest.received_at)).where(
                InfoRequest.organisation_id == org_id
            )
        ),
    ]
    this_year = local_date(utcnow()).year
    years = [local_date(moment).year for moment in firsts if moment is not None]
    return max(FIRST_YEAR, min(years, default=this_year))


@org_route(bp, "/disclosure/annual/")
def annual():
    """Every year's 政府信息公开工作年度报告 of the organisation: the published ones with
    their print view and CSV, each year's statistics, and its other published reports."""
    org = directory.current()
    this_year = local_date(utcnow()).year
    reports = publication.public_reports(org.id)
    filed = {doc.id for _, doc in reports.values()}
    published = [
        doc
        for doc in db.session.scalars(
            sa.select(Document)
            .where(
                Document.organisation_id == org.id,
                Document.kind == "report",
                Document.status == DocumentStatus.PUBLISHED,
            )
            .order_by(Document.published_at.desc())
        )
        if doc.id not in filed
    ]
    return render_template(
        "disclosure/annual.html",
        org=org,
        years=list(range(this_year - 1, _first_year(org.id) - 1, -1)),
        this_year=this_year,
        reports=reports,
        published=published,
    )


def _published_report(year: int) -> tuple[directory.Org, DisclosureReport, Document]:
    """The current organisation's published report of ``year`` and its document (404 while
    there is none, or its document was withdrawn)."""
    org = directory.current()
    found = publication.public_reports(org.id).get(year)
    if found is None:
        abort(404)
    return org, *found


@org_route(bp, "/disclosure/annual/<int:year>")
def annual_year(year: int):
    """A year's published report: its document."""
    _, _, doc = _published_report(year)
    return redirect(doc.url)


@org_route(bp, "/disclosure/annual/<int:year>/print")
def annual_print(year: int):
    """A published report as one printable document (A4), its figures as published."""
    org, row, doc = _published_report(year)
    return render_template(
        "disclosure/annual_print.html",
        org=org,
        row=row,
        doc=doc,
        report=publication.frozen(row),
        columns=APPLICANT_COLUMNS,
        review_groups=REVIEW_GROUPS,
        review_results=REVIEW_RESULTS,
    )


@org_route(bp, "/disclosure/annual/<int:year>.csv")
def annual_csv(year: int):
    """A published report's figures, as published, as CSV (UTF-8 with BOM, opens in Excel)."""
    org, row, _ = _published_report(year)
    body = report_csv(publication.frozen(row), org.name, published=row)
    return csv_download(body, None if org.is_home else org.code, year, "published")
