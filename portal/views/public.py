"""Public pages: home, the list and detail page of every kind, attachments."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, send_file

from .. import catalog, content_types
from ..consultations import page
from ..extensions import db
from ..models import Attachment, Document

bp = Blueprint("public", __name__)


def today() -> str:
    """Today's date in Asia/Shanghai, ISO formatted."""
    return catalog.today().isoformat()


def _int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,6}", raw):
        abort(404)
    return int(raw)


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
    page = _int_arg("page", 1)
    year = _int_arg("year")
    if year is not None and not 1949 <= year <= 2100:
        abort(404)
    topic = request.args.get("topic") or None
    if topic is not None and topic not in content_types.TOPIC_BY_CODE:
        abort(404)
    try:
        result = catalog.list_documents(
            kind,
            page=page or 0,
            per_page=current_app.config["PAGE_SIZE"],
            year=year,
            topic=topic,
        )
    except catalog.PageOutOfRange:
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


def render_detail(doc: Document, *, status: int = 200, **consultation: Any):
    """The detail page of ``doc``; a consultation's part is built from ``consultation``
    (a form shown again with its errors, or why a submission was refused)."""
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
        consultation=page.build(doc, **consultation) if doc.kind == "consultation" else None,
    ), status


@bp.get("/attachments/<id:attachment_id>/<path:filename>")
def attachment(attachment_id: int, filename: str):
    """Download an attachment of a public document."""
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.filename != filename or not item.document.is_public:
        abort(404)
    path = Path(current_app.config["UPLOAD_DIR"]) / item.stored_name
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=item.mime_type, as_attachment=True, download_name=item.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
