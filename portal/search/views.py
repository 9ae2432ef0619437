"""The search page: ``/search?q=&kind=&org=&from=&to=&sort=&page=``.

Every organisation is searched unless ``org`` names one (its code); an organisation's
pages send it from the header's "在本单位内搜索". An unknown code is dropped with a notice,
as other odd values are.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request

from portal import search
from portal.documents import content_types
from portal.documents.models import Document
from portal.extensions import db, limiter
from portal.orgs import directory
from portal.search import analysis, hotwords, suggest
from portal.search.analysis import MAX_QUERY_CHARS
from portal.search.query import title_fallback
from portal.search.solr_client import SolrUnavailable
from portal.web.args import date_arg, page_arg

bp = Blueprint("search", __name__)

MAX_PAGE = 1000
#: Shown as 大家常搜 until the query log has hot words of its own.
POPULAR_TOPICS = ("政府信息公开", "行政复议", "劳资纠纷", "法律明白人", "违法建筑", "垃圾分类")
SUGGEST_RATE = "120/minute"


def popular() -> tuple[str, ...]:
    """The hot words, or the fixed topics while there are none yet."""
    return tuple(hotwords.hot_words()) or POPULAR_TOPICS


def parse_request() -> tuple[search.SearchRequest, dict[str, str]]:
    """Read the query string; odd values are dropped with a note, never an error."""
    notes: dict[str, str] = {}
    q = request.args.get("q", "")[: MAX_QUERY_CHARS * 10]
    kind = request.args.get("kind") or None
    if kind is not None and kind not in content_types.REGISTRY:
        notes["kind"] = "信息类型无效，已忽略"
        kind = None
    org = request.args.get("org") or None
    if org is not None and directory.by_code(org) is None:
        notes["org"] = f"没有代码为“{org[:32]}”的单位，已在全部单位中搜索"
        org = None
    date_from, date_to = date_arg("from"), date_arg("to")
    if request.args.get("from") and date_from is None:
        notes["from"] = "开始日期格式应为 YYYY-MM-DD，已忽略"
    if request.args.get("to") and date_to is None:
        notes["to"] = "结束日期格式应为 YYYY-MM-DD，已忽略"
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    sort = request.args.get("sort", "relevance")
    if sort not in {"relevance", "date"}:
        sort = "relevance"
    page = page_arg()
    if page > MAX_PAGE:  # nobody reads that far; deep pages are costly to rank
        abort(404)
    return (
        search.SearchRequest(
            q=q,
            kind=kind,
            org=org,
            date_from=date_from,
            date_to=date_to,
            sort=sort,
            page=page,
            per_page=current_app.config["SEARCH_PAGE_SIZE"],
            correct=request.args.get("nofix") != "1",
        ),
        notes,
    )


def _faqs(org: directory.Org | None, limit: int = 6) -> list[Document]:
    query = sa.select(Document).where(Document.kind == "faq", Document.status == "published")
    if org is not None:
        query = query.where(Document.organisation_id == org.id)
    return list(db.session.scalars(query.order_by(Document.published_at.desc()).limit(limit)))


def org_facet(counts: dict[str, int]) -> list[tuple[directory.Org, int]]:
    """The organisations with matches, most matches first (then in the directory's order)."""
    order = {org.code: n for n, org in enumerate(directory.all_orgs())}
    found = [(org, count) for code, count in counts.items() if (org := directory.by_code(code))]
    return sorted(found, key=lambda item: (-item[1], order[item[0].code]))


@bp.get("/search")
def results():
    """Search every published item; suggest topics and FAQs when nothing is found."""
    search_request, notes = parse_request()
    scope = directory.by_code(search_request.org) if search_request.org else None
    try:
        found = search.search(**search_request.__dict__)
    except SolrUnavailable:
        # The search cluster does not answer: say so, and offer a title search meanwhile.
        words = analysis.query_words(search_request.q)
        page = render_template(
            "search.html",
            found=search.SearchResults(request=search_request, words=words),
            req=search_request,
            notes=notes,
            scope=scope,
            platform=directory.is_platform(),
            orgs=[],
            search_query=search_request.q,
            popular=[],
            faqs=[],
            unavailable=True,
            fallback=title_fallback(search_request),
        )
        return page, 503, {"Retry-After": "30"}
    if found.total and search_request.page > found.pages:
        abort(404)
    return render_template(
        "search.html",
        found=found,
        req=search_request,
        notes=notes,
        scope=scope,
        platform=directory.is_platform(),
        orgs=org_facet(found.org_counts),
        search_query=search_request.q,
        popular=popular(),
        faqs=_faqs(scope) if not found.total else [],
    )


@bp.get("/search/suggest")
@limiter.limit(SUGGEST_RATE)
def suggestions():
    """What to offer while a resident types: titles, hot words and dictionary words."""
    q = request.args.get("q", "")[: MAX_QUERY_CHARS * 10]
    org = request.args.get("org") or None
    if org is not None and directory.by_code(org[:32]) is None:
        org = None
    text, found = suggest.suggest(q, org=org)
    body = json.dumps({"q": text, "suggestions": found}, ensure_ascii=False)
    response = Response(body, content_type="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(hashlib.blake2b(body.encode(), digest_size=12).hexdigest())
    return response.make_conditional(request)
