"""Public pages: home, the list and detail page of every kind, attachments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from portal import timeutil
from portal.documents import catalog, content_types, filing, uploads
from portal.documents.models import Attachment, Document
from portal.extensions import db
from portal.orgs import directory
from portal.orgs.models import KIND_ORDER
from portal.states import DocumentStatus
from portal.web.args import int_arg, page_arg
from portal.web.orgroutes import org_route
from portal.web.pagination import PageOutOfRange

bp = Blueprint("public", __name__)


def today() -> str:
    """Today's date in Asia/Shanghai, ISO formatted."""
    return timeutil.today().isoformat()


@org_route(bp, "/")
def home():
    """An organisation's home: its newest items of every kind, open consultations, counts."""
    org = directory.current()
    return render_template(
        "home.html",
        org=org,
        latest=catalog.latest_per_kind(org.id, limit=5),
        counts=catalog.counts_per_kind(org.id),
        open_consultations=catalog.open_consultations(org.id, today()),
    )


@bp.get("/orgs/")
def organisations():
    """Every organisation of the platform, grouped by kind, with its counts and newest item."""
    orgs = directory.all_orgs()
    summaries = catalog.org_summaries([org.id for org in orgs])
    groups = [
        (kind, [org for org in orgs if org.kind == kind])
        for kind in KIND_ORDER
        if any(org.kind == kind for org in orgs)
    ]
    return render_template("orgs.html", groups=groups, summaries=summaries)


@org_route(bp, "/<kind:kind>/")
def listing(kind: str):
    """List one kind's published items, newest first, filtered by year and topic."""
    content_type = content_types.get(kind)
    page = page_arg()
    year = int_arg("year")
    if year is not None and not 1949 <= year <= 2100:
        abort(404)
    topic = request.args.get("topic") or None
    if topic is not None and topic not in content_types.TOPIC_BY_CODE:
        abort(404)
    org = directory.current()
    try:
        result = catalog.list_documents(
            org.id,
            kind,
            page=page,
            per_page=current_app.config["PAGE_SIZE"],
            year=year,
            topic=topic,
        )
    except PageOutOfRange:
        abort(404)
    return render_template(
        "list.html",
        content_type=content_type,
        result=result,
        org=org,
        options=catalog.filter_options(org.id, kind),
        year=year,
        topic=topic,
    )


@org_route(bp, "/<kind:kind>/<slug>")
def detail(kind: str, slug: str):
    """Show one item with its 公开目录 metadata, body, attachments and neighbours."""
    doc = catalog.get_public(directory.current().id, kind, slug)
    if doc is None:
        abort(404)
    return render_detail(doc)


def render_detail(doc: Document, *, status: int = 200, **part_args: Any):
    """The detail page of ``doc``; a kind's own part (``DETAIL_PARTS``) is built from
    ``part_args`` (a consultation's form shown again with its errors, or why a submission
    was refused)."""
    older, newer = catalog.neighbours(doc)
    interpretation = catalog.resolve_ref(doc.organisation_id, doc.extra.get("interpretation"))
    interprets = catalog.referring(doc, "interpretation") if doc.kind != "policy" else []
    return render_template(
        "detail.html",
        doc=doc,
        org=doc.organisation,
        content_type=doc.content_type,
        older=older,
        newer=newer,
        interpretation=interpretation,
        interprets=interprets,
        columns=filing.columns_of(doc.id) if doc.status == DocumentStatus.PUBLISHED else [],
        today=today(),
        **_parts(doc, part_args),
    ), status


#: Parts of the detail page that another area owns, by kind: the template variable and
#: the function that builds it (consultations add the opinion form, opinions and results).
#: Registered by that area's ``init_app``, so this module never imports it.
DETAIL_PARTS: dict[str, tuple[str, Callable[..., Any]]] = {}


def _parts(doc: Document, part_args: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {name: None for name, _ in DETAIL_PARTS.values()}
    context.setdefault("consultation", None)
    if doc.kind in DETAIL_PARTS:
        name, build = DETAIL_PARTS[doc.kind]
        context[name] = build(doc, **part_args)
    return context


@bp.get("/attachments/<id:attachment_id>/<path:filename>")
def attachment(attachment_id: int, filename: str):
    """Download an attachment of a public document."""
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.filename != filename or not item.document.is_public:
        abort(404)
    return uploads.send_attachment(item)
