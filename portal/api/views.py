"""The open-data JSON API, v1: ``/api/v1/…``, its OpenAPI document and its help page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from portal.api import queries, serialize
from portal.api.operations import Api
from portal.api.params import (
    DOCUMENT_ORG,
    KIND,
    ORG,
    PAGE,
    PATH_KIND,
    PATH_SLUG,
    PER_PAGE,
    QUERY,
    TOPIC,
    UPDATED_SINCE,
    YEAR,
    ApiError,
)
from portal.documents import catalog, content_types
from portal.errors import json_error
from portal.opendata import LICENSE
from portal.orgs import directory
from portal.web import pagination
from portal.web.urls import absolute

bp = Blueprint("api", __name__, url_prefix="/api")
HTML = "text/html"
api = Api(bp, "/api")


def licence() -> str:
    """The same terms as the open-data downloads."""
    return LICENSE.format(org=current_app.config["ORG_NAME"])


def info() -> dict[str, Any]:
    return {
        "title": f"{current_app.config['SITE_NAME']} · 开放数据接口",
        "version": "1.0.0",
        "summary": "东晓街道公开信息、网友留言和统计数字的只读 JSON 接口。",
        "description": (
            "只读、免登录的 JSON 接口，内容与网站公开页面一致：只包含已发布的信息"
            "（已撤回的信息在详情中注明撤回时间和原因），留言只包含已答复并公开的部分，"
            "个人信息已遮盖。时间为 ISO 8601 北京时间（+08:00）。\n\n"
            "分页：page、per_page（默认 20，最多 100），响应头 Link 给出 first、prev、next、"
            "last 链接。缓存：每个响应带 ETag，用 If-None-Match 重新请求时未变化返回 304；"
            "Cache-Control: public, max-age=60。跨域：Access-Control-Allow-Origin: *。"
            '错误统一为 {"error": {"code", "message", "field"}}。\n\n'
            f"数据使用：{licence()}"
        ),
        "contact": {"name": current_app.config["ORG_NAME"], "url": absolute("/")},
        "license": {
            "name": "免费使用，注明来源",
            "url": absolute(url_for("api.index") + "#licence"),
        },
    }


@bp.errorhandler(ApiError)
def api_error(exc: ApiError):
    return json_error(exc.code, exc.message, exc.field)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    return json_error(exc.code, response=exc.get_response())


@bp.after_request
def cross_origin(response):
    """Anyone may read the API from any site (no cookies are involved)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.method == "OPTIONS":  # a CORS preflight
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        wanted = request.headers.get("Access-Control-Request-Headers")
        if wanted:
            response.headers["Access-Control-Allow-Headers"] = wanted
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _link(n: int, args: dict[str, Any]) -> str:
    query: dict[str, Any] = {
        k: request.args[k] for k in args if k != "page" and request.args.get(k, "") != ""
    }
    if n > 1:
        query["page"] = str(n)
    return absolute(url_for(request.endpoint or "", **(request.view_args or {}), **query))


def paginated(items: list[dict[str, Any]], args: dict[str, Any], total: int):
    """The page envelope and its RFC 8288 ``Link`` header (absolute URLs)."""
    page, per_page = args["page"], args["per_page"]
    pages = pagination.pages(total, per_page)
    links = [(1, "first")]
    if page > 1:
        links.append((min(page - 1, pages), "prev"))
    if page < pages:
        links.append((page + 1, "next"))
    links.append((pages, "last"))
    header = ", ".join(f'<{_link(n, args)}>; rel="{rel}"' for n, rel in links)
    body = {"items": items, "page": page, "per_page": per_page, "total": total, "pages": pages}
    return body, {"Link": header}


@api.get(
    "/v1/documents",
    summary="信息列表",
    description=(
        "已发布的信息，按发布时间从新到旧（给出 q 时按相关度）。"
        "草稿、待审核和已撤回的信息不会出现。"
    ),
    tag="信息",
    params=(ORG, KIND, TOPIC, YEAR, QUERY, UPDATED_SINCE, PAGE, PER_PAGE),
    response="DocumentPage",
    cache=("documents", "orgs"),
    paginated=True,
)
def documents(args: dict[str, Any]):
    """List published documents, newest first (best first with ``q``), filtered and paged."""
    filters = queries.DocumentFilters(
        kind=args["kind"],
        org=args["org"],
        topic=args["topic"],
        year=args["year"],
        q=args["q"],
        updated_since=args["updated_since"],
    )
    items, total = queries.list_documents(filters, page=args["page"], per_page=args["per_page"])
    return paginated([serialize.document_summary(doc) for doc in items], args, total)


@api.get(
    "/v1/documents/<kind>/<slug>",
    summary="信息详情",
    description="一条已发布或已撤回信息的全部公开内容：公开目录字段、正文、附件和相关链接。",
    tag="信息",
    params=(PATH_KIND, PATH_SLUG, DOCUMENT_ORG),
    response="Document",
    errors=(404,),
    cache=("documents", "consultations", "day", "orgs"),
)
def document(args: dict[str, Any], kind: str, slug: str):
    """Show one public document as its page does, with attachments and related items."""
    if kind not in content_types.REGISTRY:
        raise ApiError(404, "没有这种信息类型", "kind")
    org = args["org"] or directory.home()
    doc = catalog.get_public(org.id, kind, slug)
    if doc is None:
        raise ApiError(404, "没有找到这条信息")
    interpretation = catalog.resolve_ref(
        doc.organisation_id, (doc.extra or {}).get("interpretation")
    )
    interprets = catalog.referring(doc, "interpretation") if kind != "policy" else []
    return serialize.document_detail(doc, interpretation, interprets)


@api.get(
    "/v1/organisations",
    summary="发布单位",
    description=(
        "在本站公开信息的单位（本站主办单位及其他部门、街道）：名称、类型、统一社会信用代码、"
        "上级单位、联系方式和已发布信息条数。用 code 作 /api/v1/documents 的 org 参数。"
    ),
    tag="分类",
    response="OrganisationList",
    cache=("documents", "orgs"),
)
def organisations(args: dict[str, Any]):
    """List the organisations in the directory's order, with their published counts."""
    counts = queries.counts_per_org_and_kind()
    return {
        "items": [
            serialize.organisation(org, counts.get(org.id, {})) for org in directory.all_orgs()
        ]
    }


@api.get(
    "/v1/kinds",
    summary="信息类型",
    description="每类信息的名称、特有字段和已发布条数。",
    tag="分类",
    response="KindList",
    cache=("documents",),
)
def kinds(args: dict[str, Any]):
    """List the content kinds with their fields and how many of each are published."""
    counts = catalog.counts_per_kind(None)
    items = []
    for name, content_type in content_types.REGISTRY.items():
        fields = []
        for field in serialize.published_fields(content_type):
            item: dict[str, Any] = {
                "name": field.name,
                "label": field.label,
                "type": field.type,
                "required": field.required,
            }
            if field.choices:
                item["choices"] = list(field.choices)
            fields.append(item)
        items.append(
            {
                "name": name,
                "label": content_type.label,
                "description": content_type.description,
                "body_label": content_type.body_label,
                "count": counts.get(name, 0),
                "fields": fields,
                "url": absolute(url_for("public.listing", kind=name)),
                "api_url": absolute(url_for("api.documents", kind=name)),
            }
        )
    return {"items": items}


@api.get(
    "/v1/topics",
    summary="主题分类",
    description="主题分类代码、名称和已发布条数。",
    tag="分类",
    response="TopicList",
    cache=("documents",),
)
def topics(args: dict[str, Any]):
    """List the topics with how many published documents each has."""
    counts = queries.topic_counts()
    return {
        "items": [
            {
                "code": code,
                "name": name,
                "count": counts[code],
                "api_url": absolute(url_for("api.documents", topic=code)),
            }
            for code, name in content_types.TOPICS
        ]
    }


@api.get(
    "/v1/messages",
    summary="网友留言",
    description="已答复并由街道公开的留言，按答复时间从新到旧；个人信息已遮盖，不含姓名和联系方式。",
    tag="互动",
    params=(PAGE, PER_PAGE),
    response="MessagePage",
    cache=("interaction",),
    paginated=True,
)
def messages(args: dict[str, Any]):
    """List answered messages the office published, as the /messages/ page shows them."""
    items, total = queries.public_messages(page=args["page"], per_page=args["per_page"])
    return paginated([serialize.message(m) for m in items], args, total)


@api.get(
    "/v1/statistics",
    summary="统计数字",
    description="已发布信息按类型和年份的数量，留言办理情况，依申请公开的汇总数字。",
    tag="统计",
    response="Statistics",
    cache=("documents", "interaction", "year"),
)
def statistics(args: dict[str, Any]):
    """Counts computed from the portal's own records."""
    return {
        "documents": queries.document_statistics(),
        "messages": queries.message_statistics(),
        "requests": queries.request_statistics(),
    }


@api.get(
    "/openapi.json",
    summary="OpenAPI 文档",
    description="本接口的 OpenAPI 3.1 描述。",
    tag="说明",
    schema={"type": "object"},
    etag_from_body=True,
)
def openapi(args: dict[str, Any]):
    """The OpenAPI 3.1 document, built from the registered operations."""
    return api.openapi(absolute("/").rstrip("/"), info())


@api.get("/", summary="接口说明（网页）", tag="说明", schema={"type": "string"}, media_type=HTML)
def index(args: dict[str, Any]):
    """Explain the API to people: what it offers, the licence, examples and the spec."""
    return render_template(
        "api/index.html",
        operations=api.operations,
        prefix=api.prefix,
        licence=licence(),
        base=absolute("/").rstrip("/"),
    )
