"""Public pages: home, the list and detail page of every kind, attachments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from portal import timeutil
from portal.documents import catalog, content_types, uploads
from portal.documents.models import Attachment, Document
from portal.extensions import db
from portal.web.args import int_arg, page_arg
from portal.web.pagination import PageOutOfRange

bp = Blueprint("public", __name__)


def today() -> str:
    """Today's date in Asia/Shanghai, ISO formatted."""
    return timeutil.today().isoformat()


@bp.get("/")
def home():
    """Show the newest items of every kind, open consultations and counts."""
    return render_template(
        "home.html",
        latest=catalog.latest_per_kind(limit=5),
        counts=catalog.counts_per_kind(),
        open_consultations=catalog.open_consultations(today()),
    )


@bp.get("/<kind:kind>/")
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
    try:
        result = catalog.list_documents(
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
        options=catalog.filter_options(kind),
        year=year,
        topic=topic,
    )


@bp.get("/<kind:kind>/<slug>")
def detail(kind: str, slug: str):
    """Show one item with its 公开目录 metadata, body, attachments and neighbours."""
    doc = catalog.get_public(kind, slug)
    if doc is None:
        abort(404)
    return render_detail(doc)


def render_detail(doc: Document, *, status: int = 200, **part_args: Any):
    """The detail page of ``doc``; a kind's own part (``DETAIL_PARTS``) is built from
    ``part_args`` (a consultation's form shown again with its errors, or why a submission
    was refused)."""
    older, newer = catalog.neighbours(doc)
    interpretation = catalog.resolve_ref(doc.extra.get("interpretation"))
    interprets = catalog.referring(doc, "interpretation") if doc.kind != "policy" else []
    return render_template(
        "detail.html",
        doc=doc,
        content_type=doc.content_type,
        older=older,
        newer=newer,
        interpretation=interpretation,
        interprets=interprets,
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
