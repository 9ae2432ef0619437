"""Bulk exports (CSV/JSON), the open-data page, sitemap, robots.txt, OpenSearch, canonical links."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from lxml import etree

from portal import opendata
from portal.changelog import DocumentChange
from portal.documents import content_types, publishing
from portal.extensions import db
from portal.interaction import messages, submissions
from portal.interaction.models import Message
from portal.opendata import sitemap
from portal.opendata import views as opendata_views
from portal.orgs import directory
from portal.timeutil import local_midnight_utc, to_local, utcnow
from portal.web import conditional
from portal.web.filters import format_size
from tests.actors import staff
from tests.staff import publish_as_previewed
from tests.test_platform_admin import B, make_org

BOM = b"\xef\xbb\xbf"
SM = f"{{{sitemap.SITEMAP_NS}}}"
OS = f"{{{sitemap.OPENSEARCH_NS}}}"
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
EXPORT_NAMES = list(opendata.EXPORTS)


def read_csv(response) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV download, checking the BOM first."""
    assert response.status_code == 200
    assert response.data.startswith(BOM)
    rows = list(csv.reader(io.StringIO(response.data[len(BOM) :].decode("utf-8"), newline="")))
    return rows[0], rows[1:]


def read_json(response) -> dict:
    assert response.status_code == 200
    return json.loads(response.data)


def unguard(cell: str) -> str:
    """What a guarded CSV cell held before the formula-injection prefix."""
    if cell.startswith("'") and cell[1:2] and cell[1] in opendata.FORMULA_START:
        return cell[1:]
    return cell


@pytest.fixture
def site(make_doc):
    """One published item of every kind, plus items that must never be exported."""
    docs = {
        kind: make_doc(kind, title=f"{content_types.get(kind).label}：东晓街道测试")
        for kind in content_types.REGISTRY
    }
    make_doc("news", status="draft", title="草稿不应出现")
    make_doc("news", status="in_review", title="待审核不应出现")
    make_doc("news", status="withdrawn", title="已撤回不应出现")
    return docs


def public_message(subject: str, content: str, *, name: str, contact: str, token: str) -> None:
    submissions.submit_message(
        {
            "subject": subject,
            "content": content,
            "category": "城市管理",
            "name": name,
            "contact": contact,
            "consent": True,
        },
        form_token=token,
    )
    message = db.session.scalar(sa.select(Message).where(Message.form_token == token))
    messages.answer_message(
        message, reply="已安排处理。", department="城管办", actor=staff("staff")
    )
    publish_as_previewed(message, "staff")


# -- CSV and JSON -------------------------------------------------------------------------


def test_csv_has_bom_chinese_headers_and_intact_text(client, site):
    response = client.get("/open-data/policy.csv")
    assert response.content_type == "text/csv; charset=utf-8"
    header, rows = read_csv(response)
    assert header == [c.label for c in opendata.EXPORTS["policy"].columns]
    assert header[:4] == ["索引号", "类型代码", "信息类型", "标题"]
    assert {"发文字号", "成文日期", "有效性"} <= set(header)
    assert "政策解读" not in header  # public=False
    (row,) = rows
    record = dict(zip(header, row, strict=True))
    assert record["标题"] == "政策文件：东晓街道测试"
    assert record["发文字号"] == "深罗东办〔2024〕1号"
    assert record["信息类型"] == "政策文件" and record["类型代码"] == "policy"
    assert record["发布时间"] == "2024-05-01T10:00:00+08:00"
    assert record["网址"] == "http://localhost/policy/" + site["policy"].slug
    assert record["索引号"] == site["policy"].index_no


def test_download_names_are_ascii_with_an_rfc5987_chinese_name(client, site):
    disposition = client.get("/open-data/news.json").headers["Content-Disposition"]
    match = re.fullmatch(
        r"attachment; filename=\"(dongxiao-news-\d{8}\.json)\"; filename\*=UTF-8''(\S+)",
        disposition,
    )
    assert match, disposition
    assert match.group(1).isascii()
    assert match.group(2) == quote(f"东晓街道-工作动态-{match.group(1)[14:22]}.json")


def test_only_published_documents_are_exported(client, site):
    for url in ("/open-data/all.csv", "/open-data/news.csv", "/open-data/all.json"):
        text = client.get(url).get_data(as_text=True)
        assert "东晓街道测试" in text
        for title in ("草稿不应出现", "待审核不应出现", "已撤回不应出现"):
            assert title not in text, (url, title)
    _, rows = read_csv(client.get("/open-data/all.csv"))
    assert len(rows) == len(content_types.REGISTRY)
    _, news = read_csv(client.get("/open-data/news.csv"))
    assert len(news) == 1


def test_non_public_registry_fields_are_never_exported(client, make_doc):
    make_doc("enforcement", party="张三", party_type="person")
    make_doc("faq", question="内部问题文本不公开吗？")
    header, rows = read_csv(client.get("/open-data/enforcement.csv"))
    assert "当事人类型" not in header
    assert "person" not in rows[0] and "organisation" not in rows[0]
    assert dict(zip(header, rows[0], strict=True))["当事人"] == "张某"
    everything = client.get("/open-data/all.json").get_data(as_text=True)
    assert "party_type" not in everything and "内部问题文本" not in everything
    assert "interpretation" not in everything and "result_summary" not in everything


def test_formula_injection_is_neutralised_in_csv_only(client, make_doc):
    make_doc(
        "news",
        title='=HYPERLINK("http://evil.example","点我")',
        summary="+1+1",
        publisher="@SUM(A1)",
        tags=["-2"],
    )
    header, (row,) = read_csv(client.get("/open-data/news.csv"))
    record = dict(zip(header, row, strict=True))
    assert record["标题"] == '\'=HYPERLINK("http://evil.example","点我")'
    assert record["摘要"] == "'+1+1"
    assert record["发布机构"] == "'@SUM(A1)"
    assert record["标签"] == "'-2"
    assert all(not cell.startswith(opendata.FORMULA_START) for cell in row)
    (item,) = read_json(client.get("/open-data/news.json"))["items"]
    assert item["title"] == '=HYPERLINK("http://evil.example","点我")'
    assert item["summary"] == "+1+1"


def test_tab_and_carriage_return_cells_are_guarded():
    assert opendata.csv_cell("\tcmd") == "'\tcmd"
    assert opendata.csv_cell("\rcmd") == "'\rcmd"
    assert opendata.csv_cell("") == ""
    assert opendata.csv_cell("东晓=街道") == "东晓=街道"


@pytest.mark.parametrize("name", EXPORT_NAMES)
def test_json_export_equals_the_csv_rows(client, site, ctx, name):
    public_message("路灯不亮", "小区门口路灯坏了。", name="李四", contact="13900001111", token="m1")
    header, rows = read_csv(client.get(f"/open-data/{name}.csv"))
    data = read_json(client.get(f"/open-data/{name}.json"))
    assert [f["label"] for f in data["fields"]] == header
    names = [f["name"] for f in data["fields"]]
    assert [[item[n] for n in names] for item in data["items"]] == [
        [unguard(cell) for cell in row] for row in rows
    ]
    assert rows, name
    assert data["dataset"] == name and "东晓街道" in data["license"]
    assert W3C_DATETIME.match(data["updated_at"])


def test_all_export_has_every_kinds_public_fields(client, site):
    header, rows = read_csv(client.get("/open-data/all.csv"))
    labels = [c.label for c in opendata.EXPORTS["all"].columns]
    assert header == labels and len(set(labels)) == len(labels)
    by_kind = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_kind["finance"]["金额（元）"] == "1250000.00"
    assert by_kind["finance"]["发文字号"] == ""
    assert by_kind["report"]["报告年度"] == "2024"


def test_export_urls_honour_the_base_url(app, client, site):
    app.config["BASE_URL"] = "https://www.example.gov.cn"
    data = read_json(client.get("/open-data/all.json"))
    assert all(item["url"].startswith("https://www.example.gov.cn/") for item in data["items"])


def test_messages_export_has_masked_public_messages_only(client, ctx):
    public_message(
        "噪音扰民",
        "晚上施工很吵，请处理。我的电话13812345678。",
        name="王小明",
        contact="13812345678",
        token="m-1",
    )
    unanswered = {"subject": "未答复留言", "content": "尚未答复。", "category": "其他"}
    submissions.submit_message({**unanswered, "consent": True}, form_token="m-2")
    header, rows = read_csv(client.get("/open-data/messages.csv"))
    assert header == [c.label for c in opendata.MESSAGE_COLUMNS]
    (row,) = rows
    record = dict(zip(header, row, strict=True))
    assert record["留言主题"] == "噪音扰民"
    assert "138****5678" in record["留言内容"]
    assert record["答复部门"] == "城管办" and record["答复内容"] == "已安排处理。"
    text = client.get("/open-data/messages.json").get_data(as_text=True)
    text += client.get("/open-data/messages.csv").get_data(as_text=True)
    for secret in ("王小明", "13812345678", "未答复留言", "LY-"):
        assert secret not in text


def test_unpublishing_a_message_changes_the_messages_export(client, ctx):
    public_message("井盖松动", "路口井盖松动。", name="赵六", contact="13700001111", token="m-3")
    first = client.get("/open-data/messages.csv")
    message = db.session.scalar(sa.select(Message))
    messages.unpublish_message(message, actor=staff("staff"), reason="测试")
    again = client.get("/open-data/messages.csv", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert "井盖松动" not in again.get_data(as_text=True)


# -- caching ------------------------------------------------------------------------------


def a_minute_later(monkeypatch) -> None:
    """Serve requests as if a minute had passed since the last change (its second is over)."""
    monkeypatch.setattr(conditional, "utcnow", lambda: utcnow() + timedelta(minutes=1))


def test_etag_last_modified_and_304(app, client, make_doc, monkeypatch):
    make_doc("news", title="第一条")
    a_minute_later(monkeypatch)
    first = client.get("/open-data/news.csv")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/open-data/news.csv", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get("/open-data/news.csv", headers={"If-Modified-Since": modified}).status_code
        == 304
    )
    assert client.get("/open-data/news.json", headers={"If-None-Match": etag}).status_code == 200
    make_doc("news", title="第二条")
    again = client.get("/open-data/news.csv", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert "第二条" in again.get_data(as_text=True)


def test_a_change_in_the_same_second_is_not_answered_304(app, client, make_doc, monkeypatch):
    """Last-Modified has whole seconds: a copy taken between two changes made within one
    second must not be confirmed as current by its date."""
    second = datetime(2024, 3, 2, 2, 0, 0, tzinfo=UTC)

    def changed_at(at: datetime) -> None:
        """Date the changes made since ``second`` (those just made) at ``at``."""
        just_made = DocumentChange.created_at > second + timedelta(seconds=1)
        db.session.execute(sa.update(DocumentChange).where(just_made).values(created_at=at))
        db.session.commit()

    make_doc("news", title="第一条")
    changed_at(second + timedelta(milliseconds=200))
    monkeypatch.setattr(conditional, "utcnow", lambda: second + timedelta(milliseconds=500))
    first = client.get("/open-data/news.csv")
    modified = first.headers["Last-Modified"]
    make_doc("news", title="第二条")
    changed_at(second + timedelta(milliseconds=700))
    a_minute_later(monkeypatch)
    again = client.get("/open-data/news.csv", headers={"If-Modified-Since": modified})
    assert again.status_code == 200 and "第二条" in again.get_data(as_text=True)
    # Once the second is over the date is rounded up, and a client echoing it gets its 304.
    settled = again.headers["Last-Modified"]
    assert parsedate_to_datetime(settled) == second + timedelta(seconds=1)
    repeat = client.get("/open-data/news.csv", headers={"If-Modified-Since": settled})
    assert repeat.status_code == 304


def test_exports_are_built_once_per_change(app, client, make_doc):
    make_doc("news")
    cache = opendata.cache_for(app)
    body = client.get("/open-data/all.csv").data
    builds = cache.builds
    for _ in range(3):
        assert client.get("/open-data/all.csv").data == body
    client.get("/open-data/")  # measures the others, reuses all.csv
    assert cache.builds == builds + 2 * len(opendata.EXPORTS) - 1
    builds = cache.builds
    client.get("/open-data/")
    assert cache.builds == builds
    make_doc("news", title="新的一条")
    assert "新的一条" in client.get("/open-data/all.csv").get_data(as_text=True)


def test_large_exports_are_streamed_not_kept(app, client, make_doc, monkeypatch):
    monkeypatch.setattr(opendata.state, "MAX_CACHED_BYTES", 0)
    for n in range(3):
        make_doc("news", title=f"流式{n}")
    first = client.get("/open-data/news.csv")
    second = client.get("/open-data/news.csv")
    assert first.is_streamed and second.is_streamed
    assert first.data == second.data
    assert all(b.body is None for b in opendata.cache_for(app).entries.values())
    _, rows = read_csv(second)
    assert [r[3] for r in rows] == ["流式2", "流式1", "流式0"]


def test_export_queries_do_not_grow_with_documents(client, make_doc, count_queries, monkeypatch):
    monkeypatch.setattr(opendata.state, "MAX_CACHED_BYTES", 0)  # stream every download
    make_doc("news")
    client.get("/open-data/")
    with count_queries() as few:
        client.get("/open-data/all.csv")
    for _ in range(30):
        make_doc("news")
    client.get("/open-data/")
    with count_queries() as many:
        client.get("/open-data/all.csv")
    assert len(many) == len(few)


def test_unknown_export_is_404(client):
    assert client.get("/open-data/nothing.csv").status_code == 404
    assert client.get("/open-data/news.xml").status_code == 404


# -- the open-data page -------------------------------------------------------------------


def test_open_data_page_lists_every_export_with_size_rows_fields_and_licence(client, site):
    html = client.get("/open-data/").get_data(as_text=True)
    for name in EXPORT_NAMES:
        for fmt in ("csv", "json"):
            body = client.get(f"/open-data/{name}.{fmt}").data
            link = f'href="/open-data/{name}.{fmt}"'
            assert link in html, link
            start = html.index(link)
            assert f"（{format_size(len(body))}）" in html[start : start + 300], (name, fmt)
    rows = re.findall(r"<th scope=\"row\">([^<]+)</th>\s*<td class=\"num\">(\d+) 条</td>", html)
    assert dict(rows)["全部信息"] == str(len(content_types.REGISTRY))
    assert dict(rows)["工作动态"] == "1" and dict(rows)["网友留言"] == "0"
    assert "可自由复制、使用和传播" in html and "东晓街道办事处" in html
    assert "不含个人信息" in html
    for label in ("索引号", "发文字号", "决定书文号", "金额（元）", "留言主题", "答复部门"):
        assert f'<th scope="row">{label}</th>' in html
    assert "当事人类型" not in html and "party_type" not in html
    assert 'href="/api/"' in html


# -- sitemap ------------------------------------------------------------------------------


def parse_xml(response):
    assert response.status_code == 200
    assert response.content_type == "application/xml; charset=utf-8"
    return etree.fromstring(response.data)


def check_urlset(root) -> list[tuple[str, str | None]]:
    """Validate a <urlset> against the sitemaps.org 0.9 structure; returns (loc, lastmod)."""
    assert root.tag == f"{SM}urlset"
    found = []
    for url in root:
        assert url.tag == f"{SM}url"
        children = [c.tag for c in url]
        assert children[0] == f"{SM}loc"
        assert set(children) <= {f"{SM}{n}" for n in ("loc", "lastmod", "changefreq", "priority")}
        loc = url.findtext(f"{SM}loc")
        assert loc.startswith(("http://", "https://")) and len(loc) <= 2048
        lastmod = url.findtext(f"{SM}lastmod")
        assert lastmod is None or W3C_DATETIME.match(lastmod), lastmod
        found.append((loc, lastmod))
    assert 0 < len(found) <= sitemap.MAX_URLS
    return found


def test_sitemap_lists_public_pages_and_published_items_with_lastmod(client, site):
    entries = dict(check_urlset(parse_xml(client.get("/sitemap.xml"))))
    for kind, doc in site.items():
        loc = f"http://localhost/{kind}/{doc.slug}"
        assert entries[loc] == "2024-05-01T10:00:00+08:00"
        assert entries[f"http://localhost/{kind}/"] is not None
    assert entries["http://localhost/"] is not None
    assert "http://localhost/messages/" in entries and "http://localhost/open-data/" in entries
    details = [
        loc
        for loc in entries
        if loc.count("/") == 4 and not loc.endswith("/") and "/disclosure/" not in loc
    ]
    assert len(details) == len(site)


def test_sitemap_lists_each_organisations_about_privacy_and_site_map_pages(app, client):
    make_org(app, B, 2)
    entries = dict(check_urlset(parse_xml(client.get("/sitemap.xml"))))
    for prefix in ("", f"/org/{B}"):
        for path in (
            "/about/",
            "/privacy",
            "/sitemap.html",
            "/service/",
            "/disclosure/",
            "/disclosure/guide",
            "/disclosure/catalog/",
            "/disclosure/annual/",
        ):
            loc = f"http://localhost{prefix}{path}"
            assert loc in entries, loc
            assert client.get(loc).status_code == 200, loc
    with app.app_context():
        home = directory.home().code
    assert not any(f"/org/{home}/" in loc for loc in entries)  # the home one's at the root


def test_sitemap_honours_the_base_url_and_answers_304(app, client, site):
    app.config["BASE_URL"] = "https://www.example.gov.cn/"
    response = client.get("/sitemap.xml")
    locs = [loc for loc, _ in check_urlset(parse_xml(response))]
    assert all(loc.startswith("https://www.example.gov.cn/") for loc in locs)
    etag = response.headers["ETag"]
    assert client.get("/sitemap.xml", headers={"If-None-Match": etag}).status_code == 304


def test_a_new_year_adds_its_annual_report_to_the_sitemap_at_once(client, site, monkeypatch):
    this_year = to_local(utcnow()).year
    first = client.get("/sitemap.xml")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert f"/reports/annual/{this_year + 1}<" not in first.get_data(as_text=True)
    new_year = local_midnight_utc(date(this_year + 1, 1, 1)) + timedelta(hours=1)
    for module in (sitemap, opendata_views, conditional):
        monkeypatch.setattr(module, "utcnow", lambda: new_year)
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}, {}):
        response = client.get("/sitemap.xml", headers=headers)
        assert response.status_code == 200, headers
        assert f"/reports/annual/{this_year + 1}<" in response.get_data(as_text=True)
        assert response.headers["ETag"] != etag


def test_sitemap_becomes_an_index_past_the_threshold(client, make_doc, monkeypatch):
    for _ in range(8):
        make_doc("news")
    make_doc("news", status="draft")
    whole = check_urlset(parse_xml(client.get("/sitemap.xml")))
    assert client.get("/sitemaps/1.xml").status_code == 404
    monkeypatch.setattr(sitemap, "MAX_URLS", 5)
    root = parse_xml(client.get("/sitemap.xml"))
    assert root.tag == f"{SM}sitemapindex"
    parts = []
    for item in root:
        assert item.tag == f"{SM}sitemap"
        loc = item.findtext(f"{SM}loc")
        assert loc.startswith("http://localhost/sitemaps/") and len(loc) <= 2048
        lastmod = item.findtext(f"{SM}lastmod")  # optional: parts of empty list pages lack it
        assert lastmod is None or W3C_DATETIME.match(lastmod)
        parts.append(check_urlset(parse_xml(client.get(urlsplit(loc).path))))
    assert len(parts) == -(-len(whole) // 5)
    assert [entry for part in parts for entry in part] == whole
    assert client.get(f"/sitemaps/{len(parts) + 1}.xml").status_code == 404
    assert client.get("/sitemaps/0.xml").status_code == 404


# -- robots.txt and OpenSearch ------------------------------------------------------------


def test_robots_disallows_admin_and_names_the_sitemap(app, client):
    response = client.get("/robots.txt")
    assert response.content_type == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert not any(line == "Disallow: /" for line in lines)
    app.config["BASE_URL"] = "https://www.example.gov.cn"
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: https://www.example.gov.cn/sitemap.xml" in text


def test_opensearch_description_is_valid_and_its_templates_work(client, make_doc):
    make_doc("news", title="东晓街道龙舟赛事安排")  # a word no other test searches for
    response = client.get("/opensearch.xml")
    assert response.content_type == "application/opensearchdescription+xml; charset=utf-8"
    root = etree.fromstring(response.data)
    assert root.tag == f"{OS}OpenSearchDescription"
    short = root.findtext(f"{OS}ShortName")
    assert short and len(short) <= 16
    assert root.findtext(f"{OS}Description")
    assert root.findtext(f"{OS}InputEncoding") == "UTF-8"
    image = root.find(f"{OS}Image")
    assert image.text == "http://localhost/static/icon.png"
    with client.get(urlsplit(image.text).path) as icon:
        assert icon.status_code == 200 and icon.content_type == image.get("type")
    urls = {u.get("type"): u.get("template") for u in root.findall(f"{OS}Url")}
    assert urls["text/html"] == "http://localhost/search?q={searchTerms}"
    assert urls["application/rss+xml"] == "http://localhost/search.rss?q={searchTerms}"
    html = client.get(urls["text/html"].replace("{searchTerms}", quote("龙舟"))[16:])
    assert html.status_code == 200 and "赛事安排" in html.get_data(as_text=True)
    rss = client.get(urls["application/rss+xml"].replace("{searchTerms}", quote("龙舟"))[16:])
    assert rss.status_code == 200 and "赛事安排" in rss.get_data(as_text=True)


def test_pages_advertise_the_opensearch_description(client):
    html = client.get("/").get_data(as_text=True)
    assert (
        '<link rel="search" type="application/opensearchdescription+xml" '
        'title="东晓街道政府信息公开" href="/opensearch.xml">'
    ) in html


# -- canonical links ----------------------------------------------------------------------


def canonical(client, url: str) -> str | None:
    response = client.get(url)
    assert response.status_code in (200, 404), url
    found = re.findall(r'<link rel="canonical" href="([^"]+)">', response.get_data(as_text=True))
    assert len(found) <= 1
    return unescape(found[0]) if found else None


def test_canonical_links_are_absolute_without_volatile_parameters(app, client, make_doc):
    app.config["PAGE_SIZE"] = 2
    docs = [make_doc("news") for _ in range(3)]
    assert canonical(client, "/") == "http://localhost/"
    assert canonical(client, "/news/") == "http://localhost/news/"
    assert canonical(client, "/news/?page=1&utm_source=wx") == "http://localhost/news/"
    assert canonical(client, "/news/?page=02&from=feed") == "http://localhost/news/?page=2"
    assert canonical(client, "/news/?topic=general&year=2024") == (
        "http://localhost/news/?year=2024&topic=general"
    )
    assert (
        canonical(client, f"/news/{docs[0].slug}?ref=x") == f"http://localhost/news/{docs[0].slug}"
    )
    assert canonical(client, "/messages/") == "http://localhost/messages/"
    assert canonical(client, "/open-data/") == "http://localhost/open-data/"
    app.config["BASE_URL"] = "https://www.example.gov.cn"
    assert canonical(client, f"/news/{docs[1].slug}") == (
        f"https://www.example.gov.cn/news/{docs[1].slug}"
    )


def test_no_canonical_on_error_search_or_form_pages(client, make_doc):
    make_doc("news")
    assert canonical(client, "/news/no-such-item") is None
    assert canonical(client, "/news/?page=99") is None
    assert canonical(client, "/search?q=东晓") is None
    assert canonical(client, "/messages/new") is None


def test_footer_links_to_open_data(client):
    assert 'href="/open-data/"' in client.get("/").get_data(as_text=True)


def test_withdrawn_item_leaves_exports_and_sitemap(client, make_doc, ctx):
    doc = make_doc("notice", title="即将撤回的通知")
    assert "即将撤回的通知" in client.get("/open-data/notice.csv").get_data(as_text=True)
    assert f"/notice/{doc.slug}<" in client.get("/sitemap.xml").get_data(as_text=True)
    publishing.withdraw(doc, reason="已过期", actor=staff("test"))
    assert "即将撤回的通知" not in client.get("/open-data/notice.csv").get_data(as_text=True)
    assert f"/notice/{doc.slug}<" not in client.get("/sitemap.xml").get_data(as_text=True)
