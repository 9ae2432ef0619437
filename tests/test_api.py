"""The open-data JSON API: routes, filters, paging, privacy, errors, caching and its spec."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api import serialize
from portal.changelog import DocumentChange
from portal.documents import content_types, publishing
from portal.documents.models import Document
from portal.extensions import db
from portal.interaction import messages, submissions
from portal.interaction.models import Message
from portal.timeutil import SHANGHAI
from tests.actors import staff
from tests.staff import publish_as_previewed

ALL_KINDS = list(content_types.REGISTRY)


def get_json(client, url: str, status: int = 200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def assert_error(response, code: int, field: str | None = None) -> dict:
    assert response.status_code == code
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", error["message"]), "message should be Chinese"
    assert error.get("field") == field
    return error


def slugs(payload: dict) -> list[str]:
    return [item["slug"] for item in payload["items"]]


def message_data(**overrides) -> dict:
    return {
        "subject": "小区门口占道经营",
        "category": "城市管理",
        "content": "我是王小明，电话13812345678，小区门口有流动摊贩占道经营，请处理。",
        "name": "王小明",
        "contact": "13812345678",
        "consent": True,
        **overrides,
    }


def published_message(token: str, **overrides) -> Message:
    sub = submissions.submit_message(message_data(**overrides), form_token=token)
    message = db.session.scalar(sa.select(Message).where(Message.tracking_no == sub.tracking_no))
    messages.answer_message(
        message,
        reply="已安排执法队处理，王小明您好。",
        department="综合行政执法队",
        actor=staff("s"),
    )
    publish_as_previewed(message, "s")
    return message


# -- documents ---------------------------------------------------------------------------


def test_list_shows_only_published_documents_newest_first(client, make_doc):
    old = make_doc("news", slug="old", published_at="2023-01-05 09:00")
    same_a = make_doc("notice", slug="same-a", published_at="2024-06-01 09:00")
    same_b = make_doc("policy", slug="same-b", published_at="2024-06-01 09:00")
    make_doc("news", slug="draft", status="draft")
    make_doc("news", slug="review", status="in_review")
    make_doc("news", slug="gone", status="withdrawn")
    payload = get_json(client, "/api/v1/documents")
    # Same publication time: the later-created (higher id) first, so paging is stable.
    assert slugs(payload) == [same_b.slug, same_a.slug, old.slug]
    assert payload["total"] == 3 and payload["pages"] == 1
    assert payload["page"] == 1 and payload["per_page"] == 20
    item = payload["items"][2]
    assert item["published_at"] == "2023-01-05T09:00:00+08:00"
    assert item["url"] == "http://localhost/news/old"
    assert item["api_url"] == "http://localhost/api/v1/documents/news/old"
    assert item["kind_label"] == "工作动态" and item["topic_code"] == "general"
    assert "body_markdown" not in item and "attachments" not in item


def test_list_filters_by_kind_topic_and_year(client, make_doc):
    make_doc("news", slug="n-2023", published_at="2023-12-31 23:30", topic="安全应急")
    make_doc("news", slug="n-2024", published_at="2024-01-01 00:10", topic="城市管理")
    make_doc("policy", slug="p-2024", published_at="2024-03-01 10:00", topic="安全应急")
    assert slugs(get_json(client, "/api/v1/documents?kind=news")) == ["n-2024", "n-2023"]
    assert slugs(get_json(client, "/api/v1/documents?topic=safety")) == ["p-2024", "n-2023"]
    # Years are counted in Asia/Shanghai: 2023-12-31 23:30 belongs to 2023.
    assert slugs(get_json(client, "/api/v1/documents?year=2023")) == ["n-2023"]
    assert slugs(get_json(client, "/api/v1/documents?kind=news&year=2024")) == ["n-2024"]
    assert get_json(client, "/api/v1/documents?kind=report")["items"] == []
    policy = get_json(client, "/api/v1/documents?kind=policy")["items"][0]
    assert policy["fields"] == {
        "doc_number": "深罗东办〔2024〕1号",
        "issued_on": "2024-03-01",
        "validity": "有效",
    }


def test_full_text_search_finds_published_documents_only(client, make_doc):
    make_doc("news", slug="sort", title="街道推进垃圾分类工作", published_at="2024-02-01 09:00")
    make_doc("faq", slug="ask", title="如何参加垃圾分类志愿服务", topic="民生服务")
    make_doc("news", slug="other", title="安全生产检查")
    make_doc("news", slug="draft", title="垃圾分类草稿", status="draft")
    make_doc("news", slug="review", title="垃圾分类待审", status="in_review")
    make_doc("news", slug="gone", title="垃圾分类撤回", status="withdrawn")
    payload = get_json(client, "/api/v1/documents?q=垃圾分类")
    assert sorted(slugs(payload)) == ["ask", "sort"] and payload["total"] == 2
    assert slugs(get_json(client, "/api/v1/documents?q=垃圾分类&topic=livelihood")) == ["ask"]
    assert slugs(get_json(client, "/api/v1/documents?q=垃圾分类&kind=news")) == ["sort"]
    assert slugs(get_json(client, "/api/v1/documents?q=垃圾分类&year=2023")) == []
    paged = get_json(client, "/api/v1/documents?q=垃圾分类&per_page=1&page=2")
    assert paged["total"] == 2 and paged["pages"] == 2 and len(paged["items"]) == 1
    assert get_json(client, "/api/v1/documents?q=不存在的词语")["total"] == 0


def test_updated_since_reads_naive_times_as_shanghai(client, make_doc, app):
    doc = make_doc("news", slug="edited")
    stamp = datetime(2024, 5, 1, 10, 0, tzinfo=SHANGHAI)
    db.session.execute(sa.update(Document).values(updated_at=stamp))
    db.session.execute(sa.update(DocumentChange).values(created_at=stamp))
    db.session.commit()

    def found(since: str) -> bool:
        payload = get_json(client, "/api/v1/documents", query_string={"updated_since": since})
        return slugs(payload) == [doc.slug]

    assert found("2024-05-01T10:00:00")
    assert not found("2024-05-01T10:00:01")
    assert found("2024-05-01 10:00")
    assert found("2024-05-01T02:00:00Z")
    assert not found("2024-05-01T02:00:01+00:00")
    assert found("2024-05-01") and not found("2024-05-02")


def test_updated_since_includes_a_document_published_today_with_an_older_date(client, make_doc):
    make_doc("news", slug="backdated", published_at="2023-01-01 09:00")
    today = datetime.now(UTC).astimezone(SHANGHAI).date().isoformat()
    assert slugs(get_json(client, f"/api/v1/documents?updated_since={today}")) == ["backdated"]


def test_pagination_envelope_link_header_and_cap(client, make_doc, app):
    for day in range(1, 6):
        make_doc("news", slug=f"day-{day}", published_at=f"2024-05-0{day} 09:00")
    app.config["BASE_URL"] = "https://www.example.gov.cn"
    response = client.get("/api/v1/documents?kind=news&per_page=2&page=2")
    payload = response.get_json()
    assert slugs(payload) == ["day-3", "day-2"]
    envelope = {key: payload[key] for key in ("page", "per_page", "total", "pages")}
    assert envelope == {"page": 2, "per_page": 2, "total": 5, "pages": 3}
    links = {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])
    }
    base = "https://www.example.gov.cn/api/v1/documents?kind=news&per_page=2"
    assert links == {
        "first": base,
        "prev": base,
        "next": base + "&page=3",
        "last": base + "&page=3",
    }
    assert payload["items"][0]["url"] == "https://www.example.gov.cn/news/day-3"
    first = client.get("/api/v1/documents?kind=news&per_page=2")
    assert 'rel="prev"' not in first.headers["Link"]
    last = client.get("/api/v1/documents?kind=news&per_page=2&page=3")
    assert 'rel="next"' not in last.headers["Link"] and len(last.get_json()["items"]) == 1
    assert get_json(client, "/api/v1/documents?page=9")["items"] == []
    assert len(get_json(client, "/api/v1/documents?per_page=100")["items"]) == 5
    assert_error(client.get("/api/v1/documents?per_page=101"), 400, "per_page")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=x", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=99999999999999999999", "page"),
        ("per_page=1000", "per_page"),
        ("per_page=0", "per_page"),
        ("year=abc", "year"),
        ("year=1800", "year"),
        ("kind=nope", "kind"),
        ("kind=", "kind"),
        ("page=", "page"),
        ("topic=nope", "topic"),
        ("topic=综合政务", "topic"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2024-13-01", "updated_since"),
        ("updated_since=0001-01-01", "updated_since"),
        ("updated_since=2024-05-01T25:00", "updated_since"),
        ("q=" + "字" * 201, "q"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, query, field):
    error = assert_error(client.get(f"/api/v1/documents?{query}"), 400, field)
    assert field in error["message"]


def test_bad_page_on_messages_is_400(client):
    assert_error(client.get("/api/v1/messages?page=x"), 400, "page")
    assert_error(client.get("/api/v1/messages?per_page=101"), 400, "per_page")


def test_detail_has_all_public_metadata_attachments_and_sanitised_body(client, make_doc, tmp_path):
    source = tmp_path / "明细.csv"
    source.write_bytes("项目,金额\n预算,100\n".encode())
    doc = make_doc(
        "enforcement",
        slug="case-1",
        party="张三",
        party_type="person",
        tags=["占道经营"],
        body='处罚决定。\n\n<script>alert("x")</script>[链接](javascript:alert(1))',
    )
    publishing.update(
        doc, {}, actor=staff("e"), attachments=[publishing.AttachmentFile("决定书", source)]
    )
    payload = get_json(client, "/api/v1/documents/enforcement/case-1")
    assert payload["status"] == "published"
    assert payload["withdrawn_at"] is None and payload["withdrawn_reason"] is None
    assert payload["fields"]["party"] == "张某"
    assert payload["fields"]["decision_no"] == "深罗东执罚〔2024〕第0001号"
    assert payload["index_no"] == doc.index_no and payload["tags"] == ["占道经营"]
    assert payload["publisher"] == "深圳市罗湖区东晓街道办事处"
    assert "<script>" in payload["body_markdown"]
    assert "<script" not in payload["body_html"] and "href" not in payload["body_html"]
    assert payload["published_at"].endswith("+08:00") and payload["updated_at"].endswith("+08:00")
    raw = json.dumps(payload, ensure_ascii=False)
    assert "party_type" not in raw and "person" not in raw and "张三" not in raw
    [attachment] = payload["attachments"]
    assert attachment["title"] == "决定书" and attachment["filename"] == "明细.csv"
    assert attachment["size"] == source.stat().st_size
    assert attachment["mime_type"] == "text/csv"
    assert attachment["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert attachment["url"].startswith("http://localhost/attachments/")
    download = client.get(attachment["url"].removeprefix("http://localhost"))
    assert download.status_code == 200 and download.data == source.read_bytes()
    download.close()


def test_detail_shows_what_the_page_shows_for_faq_consultation_and_policy(client, make_doc):
    make_doc("faq", slug="q1", question="如何申请？", body="到便民服务中心申请。")
    faq = get_json(client, "/api/v1/documents/faq/q1")
    assert faq["fields"] == {"question": "如何申请？"}
    make_doc("consultation", slug="c1", result_summary="共收到 **12** 条意见。")
    consultation = get_json(client, "/api/v1/documents/consultation/c1")
    assert consultation["fields"]["result_summary"] == "共收到 **12** 条意见。"
    assert consultation["fields_html"] == {
        "result_summary": "<p>共收到 <strong>12</strong> 条意见。</p>\n"
    }
    make_doc("news", slug="jiedu", title="政策解读")
    make_doc("policy", slug="p1", interpretation="news/jiedu")
    make_doc("policy", slug="p2", interpretation="news/not-published")
    policy = get_json(client, "/api/v1/documents/policy/p1")
    assert policy["interpretation"]["title"] == "政策解读"
    assert policy["interpretation"]["api_url"] == "http://localhost/api/v1/documents/news/jiedu"
    assert "interpretation" not in policy["fields"]
    assert get_json(client, "/api/v1/documents/policy/p2")["interpretation"] is None
    news = get_json(client, "/api/v1/documents/news/jiedu")
    assert [ref["slug"] for ref in news["interprets"]] == ["p1"]


def test_withdrawn_document_is_shown_with_reason_but_drafts_are_404(client, make_doc):
    make_doc("notice", slug="gone", status="withdrawn")
    payload = get_json(client, "/api/v1/documents/notice/gone")
    assert payload["status"] == "withdrawn"
    assert payload["withdrawn_reason"] == "信息已过时"
    assert payload["withdrawn_at"].endswith("+08:00")
    make_doc("notice", slug="draft", status="draft")
    make_doc("notice", slug="review", status="in_review")
    assert_error(client.get("/api/v1/documents/notice/draft"), 404)
    assert_error(client.get("/api/v1/documents/notice/review"), 404)
    assert_error(client.get("/api/v1/documents/notice/missing"), 404)
    assert_error(client.get("/api/v1/documents/unknown/gone"), 404, "kind")


def test_every_registry_field_is_published_linked_or_internal():
    for content_type in content_types.REGISTRY.values():
        published = {f.name for f in serialize.published_fields(content_type)}
        for field in content_type.fields:
            assert (field.name in published) + (field.name in serialize.LINKED) + (
                field.name in serialize.INTERNAL
            ) == 1, f"{content_type.name}.{field.name}: decide whether the API shows it"
            if not field.public:
                assert field.name not in published or field.name in serialize.SHOWN_ON_PAGE


def test_list_queries_are_bounded_and_skip_bodies(client, make_doc, count_queries, tmp_path):
    source = tmp_path / "a.txt"
    source.write_text("附件", encoding="utf-8")
    for n in range(12):
        doc = make_doc(ALL_KINDS[n % len(ALL_KINDS)])
        attachments = [publishing.AttachmentFile(f"附件{i}", source) for i in range(3)]
        publishing.update(doc, {}, actor=staff("e"), attachments=attachments)
    with count_queries() as statements:
        assert len(get_json(client, "/api/v1/documents?per_page=50")["items"]) == 12
    assert len(statements) <= 3
    assert not any("document.body" in s for s in statements)
    with count_queries() as statements:
        assert len(get_json(client, f"/api/v1/documents/{doc.kind}/{doc.slug}")["attachments"]) == 3
    assert len(statements) <= 6
    with count_queries() as statements:
        get_json(client, "/api/v1/statistics")
    assert len(statements) <= 15


# -- kinds, topics, messages, statistics ----------------------------------------------


def test_kinds_and_topics_count_published_documents(client, make_doc):
    make_doc("news", topic="安全应急")
    make_doc("news", topic="安全应急")
    make_doc("policy", topic="城市管理")
    make_doc("news", status="draft", topic="城市管理")
    kinds = {k["name"]: k for k in get_json(client, "/api/v1/kinds")["items"]}
    assert list(kinds) == ALL_KINDS
    assert kinds["news"]["count"] == 2 and kinds["policy"]["count"] == 1
    assert kinds["report"]["count"] == 0 and kinds["news"]["label"] == "工作动态"
    assert kinds["news"]["api_url"] == "http://localhost/api/v1/documents?kind=news"
    enforcement = {f["name"]: f for f in kinds["enforcement"]["fields"]}
    assert "party_type" not in enforcement
    assert enforcement["subtype"]["choices"] == list(content_types.ENFORCEMENT_SUBTYPES)
    topics = {t["code"]: t for t in get_json(client, "/api/v1/topics")["items"]}
    assert list(topics) == [code for code, _ in content_types.TOPICS]
    assert topics["safety"]["count"] == 2 and topics["urban"]["count"] == 1
    assert topics["safety"]["name"] == "安全应急"


def test_messages_are_published_answers_with_personal_data_masked(client, ctx):
    published_message("t-1")
    submissions.submit_message(message_data(subject="还没有答复的留言"), form_token="t-2")
    answered = submissions.submit_message(message_data(subject="答复但未公开"), form_token="t-3")
    message = db.session.scalar(
        sa.select(Message).where(Message.tracking_no == answered.tracking_no)
    )
    messages.answer_message(message, reply="答复", department="党政办", actor=staff("s"))
    response = client.get("/api/v1/messages")
    payload = response.get_json()
    assert payload["total"] == 1
    [item] = payload["items"]
    raw = response.get_data(as_text=True)
    assert "13812345678" not in raw and "王小明" not in raw
    assert "138****5678" in item["content"]
    assert item["reply_department"] == "综合行政执法队"
    assert set(item) == {
        "subject",
        "content",
        "category",
        "received_on",
        "reply_department",
        "reply",
        "replied_on",
        "working_days",
        "illustrative",
    }
    assert item["working_days"] >= 0 and item["illustrative"] is False
    assert "还没有答复" not in raw and "答复但未公开" not in raw


def test_statistics_count_documents_messages_and_requests(client, make_doc, ctx):
    make_doc("news", published_at="2023-06-01 09:00")
    make_doc("news", published_at="2024-06-01 09:00")
    make_doc("policy", published_at="2024-07-01 09:00")
    make_doc("news", status="draft")
    published_message("t-1")
    submissions.submit_message(message_data(), form_token="t-2")
    submissions.submit_message(message_data(), form_token="t-3", quarantine="honeypot")
    stats = get_json(client, "/api/v1/statistics")
    documents = stats["documents"]
    assert documents["total"] == 3
    assert documents["by_kind"]["news"] == 2 and documents["by_kind"]["report"] == 0
    years = {y["year"]: y for y in documents["by_year"]}
    assert list(years) == [2024, 2023]
    assert years[2024]["total"] == 2 and years[2024]["by_kind"]["policy"] == 1
    messages = stats["messages"]
    assert (messages["received"], messages["answered"], messages["published"]) == (2, 1, 1)
    this_year = messages["by_year"][0]
    assert this_year["year"] == datetime.now(UTC).astimezone(SHANGHAI).year
    assert this_year["received"] == 2 and this_year["answered"] == 1
    assert stats["requests"] == {"received": 0, "closed": 0, "by_year": []}


# -- errors, CORS, caching ---------------------------------------------------------------


def test_errors_under_api_are_json_and_elsewhere_html(client):
    assert_error(client.get("/api/v1/nothing-here"), 404)
    assert_error(client.get("/api/nothing"), 404)
    error = client.post("/api/v1/documents")
    assert_error(error, 405)
    assert "GET" in error.headers["Allow"]
    assert_error(client.delete("/api/v1/kinds"), 405)
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_unexpected_error_is_a_json_500(client, monkeypatch):
    def broken() -> dict:
        raise RuntimeError("boom")

    monkeypatch.setattr("portal.api.queries.topic_counts", broken)
    assert_error(client.get("/api/v1/topics"), 500)


def test_cors_headers_and_preflight(client):
    response = client.get("/api/v1/kinds", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert client.get("/api/v1/nothing").headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/documents",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "If-None-Match"


@pytest.mark.parametrize(
    "url", ["/api/v1/documents", "/api/v1/kinds", "/api/v1/topics", "/api/v1/statistics"]
)
def test_etag_answers_304_until_a_publish_changes_it(client, make_doc, url):
    make_doc("news")
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    weak = client.get(url, headers={"If-None-Match": "W/" + etag})
    assert weak.status_code == 304
    make_doc("news", status="draft")
    draft_made = client.get(url, headers={"If-None-Match": etag})
    assert draft_made.status_code == 200  # any change moves the log; a cheap, safe tag
    doc = make_doc("policy", status="in_review")
    etag = client.get(url).headers["ETag"]
    publishing.publish(doc, actor=staff("r"))
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag


def test_detail_etag_and_other_urls_have_other_tags(client, make_doc):
    doc = make_doc("news", slug="a")
    detail = client.get("/api/v1/documents/news/a")
    listing = client.get("/api/v1/documents")
    assert detail.headers["ETag"] != listing.headers["ETag"]
    assert client.get("/api/v1/documents?page=1").headers["ETag"] != listing.headers["ETag"]
    publishing.update(doc, {"title": "新标题"}, actor=staff("e"))
    changed = client.get(
        "/api/v1/documents/news/a", headers={"If-None-Match": detail.headers["ETag"]}
    )
    assert changed.status_code == 200 and changed.get_json()["title"] == "新标题"


def test_messages_etag_follows_message_changes(client, ctx):
    etag = client.get("/api/v1/messages").headers["ETag"]
    assert client.get("/api/v1/messages", headers={"If-None-Match": etag}).status_code == 304
    published_message("t-1")
    response = client.get("/api/v1/messages", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.get_json()["total"] == 1
    etag = response.headers["ETag"]
    message = db.session.scalar(sa.select(Message))
    messages.unpublish_message(message, actor=staff("s"), reason="当事人要求")
    response = client.get("/api/v1/messages", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.get_json()["total"] == 0


# -- the OpenAPI document and the help page ------------------------------------------


def test_openapi_document_is_valid_3_1_and_matches_the_routes(client, app):
    response = client.get("/api/openapi.json")
    spec = get_json(client, "/api/openapi.json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert (
        client.get(
            "/api/openapi.json", headers={"If-None-Match": response.headers["ETag"]}
        ).status_code
        == 304
    )
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    routes = {
        re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert set(spec["paths"]) == routes
    assert all(set(item) == {"get"} for item in spec["paths"].values())
    listing = spec["paths"]["/api/v1/documents"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "org",
        "kind",
        "topic",
        "year",
        "q",
        "updated_since",
        "page",
        "per_page",
    }
    assert set(listing["responses"]) == {"200", "304", "400", "429", "500"}
    assert spec["components"]["schemas"]["Error"]["required"] == ["error"]


def test_help_page_explains_the_api_in_chinese(client):
    response = client.get("/api/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "开放数据接口" in html and "注明来源" in html
    assert 'href="/api/openapi.json"' in html and 'href="/open-data/"' in html
    assert "/api/v1/documents/{kind}/{slug}" in html


# -- property-based: schemathesis over the spec --------------------------------------


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@pytest.fixture
def api_schema(app, make_doc, tmp_path):
    """The API's own spec, over a small catalogue with every kind, an attachment and messages."""
    source = tmp_path / "明细.csv"
    source.write_text("项目,金额\n预算,100\n", encoding="utf-8")
    for kind in ALL_KINDS:
        doc = make_doc(kind, slug=f"{kind}-a", title=f"垃圾分类{kind}")
    publishing.update(
        doc, {}, actor=staff("e"), attachments=[publishing.AttachmentFile("表", source)]
    )
    make_doc("news", slug="news-gone", status="withdrawn")
    make_doc("news", slug="news-draft", status="draft")
    published_message("t-1")
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_openapi_document(api_schema, mode):
    """Schemathesis over every operation: no 500, and every response as the spec says.

    (Driven with ``@given`` here rather than ``schema.parametrize()``: schemathesis's
    pytest fixture loader reads ``Node._nodeid``, which pytest 9.2 no longer has.)
    """
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # Every operation but the spec itself, which schemathesis leaves out.
    assert {o.path for o in operations} == set(api_schema.raw_schema["paths"]) - {
        "/api/openapi.json"
    }
    for operation in operations:
        spec = api_schema.raw_schema["paths"][operation.path]["get"]
        if mode is GenerationMode.NEGATIVE and not spec.get("parameters"):
            continue  # nothing to get wrong

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def run(case):
            case.call_and_validate(checks=CHECKS)

        run()
