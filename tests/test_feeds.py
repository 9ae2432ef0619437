"""RSS and Atom feeds: validity, entry rules, conditional GET, discovery."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import pytest

from portal.documents import content_types, publishing
from portal.feeds import builder as feeds
from portal.timeutil import utcnow
from portal.web import conditional
from tests.actors import staff

KIND_FEEDS = [
    f"/feeds/{name}.{fmt}" for name in ["all", *content_types.REGISTRY] for fmt in ("rss", "atom")
]
TOPIC_FEEDS = [
    f"/feeds/topic/{code}.{fmt}" for code, _ in content_types.TOPICS for fmt in ("rss", "atom")
]


def parse(client, url: str, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
    return response, parsed


@pytest.fixture
def site(make_doc, tmp_path):
    """One published item of every kind, a draft, and an item with an attachment."""
    docs = {
        kind: make_doc(kind, title=f"{kind}标题", topic="法治建设")
        for kind in content_types.REGISTRY
    }
    make_doc("news", status="draft", title="草稿不应出现")
    source = tmp_path / "明细.csv"
    source.write_text("项目,金额\n", encoding="utf-8")
    publishing.update(
        docs["finance"],
        {},
        actor=staff("e"),
        attachments=[publishing.AttachmentFile("明细", source)],
    )
    return docs


@pytest.mark.parametrize("url", KIND_FEEDS + TOPIC_FEEDS)
def test_every_feed_parses_cleanly(client, site, url):
    response, parsed = parse(client, url)
    kind = "rss" if url.endswith(".rss") else "atom"
    assert response.content_type == feeds.CONTENT_TYPES[kind]
    if kind == "rss":
        assert parsed.feed.language.lower() == "zh-cn"
    else:
        assert 'xml:lang="zh-CN"' in response.get_data(as_text=True)
    assert "草稿不应出现" not in response.get_data(as_text=True)


def test_entry_content_links_categories_dates_and_author(client, site):
    _, rss = parse(client, "/feeds/policy.rss")
    _, atom = parse(client, "/feeds/policy.atom")
    doc = site["policy"]
    for parsed in (rss, atom):
        entry = parsed.entries[0]
        assert entry.title == "policy标题"
        assert entry.link == f"http://localhost/policy/{doc.slug}"
        assert entry.id.startswith("tag:dongxiao.szlh.gov.cn,") and entry.id.endswith(
            f":document/{doc.id}"
        )
        terms = {tag.term for tag in entry.tags}
        assert terms & {"policy", "政策文件"} and "法治建设" in terms
        assert entry.author == "深圳市罗湖区东晓街道办事处"
        assert "正文第" in entry.content[0].value
        assert entry.summary
        assert entry.published_parsed
    assert "+0800" in client.get("/feeds/policy.rss").get_data(as_text=True)
    assert "+08:00" in client.get("/feeds/policy.atom").get_data(as_text=True)


def test_enclosures_keep_length_and_type(client, site):
    for url in ("/feeds/finance.rss", "/feeds/finance.atom"):
        _, parsed = parse(client, url)
        enclosure = parsed.entries[0].enclosures[0]
        assert enclosure.type == "text/csv"
        assert int(enclosure.length) == len("项目,金额\n".encode())
        assert "/attachments/" in enclosure.href
    atom = client.get("/feeds/finance.atom").get_data(as_text=True)
    assert re.search(r'<link[^>]+rel="enclosure"', atom)


def test_edit_keeps_id_and_moves_updated_withdraw_removes(client, make_doc):
    old = make_doc("news", title="较早的动态", published_at="2024-01-01")
    make_doc("news", title="较新的动态", published_at="2024-02-01")
    _, before = parse(client, "/feeds/news.atom")
    entry_id = next(e.id for e in before.entries if e.title == "较早的动态")
    publishing.update(old, {"title": "较早的动态（更正）"}, actor=staff("e"))
    _, after = parse(client, "/feeds/news.atom")
    edited = next(e for e in after.entries if e.id == entry_id)
    assert edited.title == "较早的动态（更正）"
    assert edited.updated_parsed > edited.published_parsed
    publishing.withdraw(old, reason="有误", actor=staff("r"))
    _, gone = parse(client, "/feeds/news.atom")
    assert entry_id not in {e.id for e in gone.entries}


def test_control_characters_never_break_a_feed(client, make_doc):
    make_doc("news", title="标题\x00含\x0b控制\x1f字符", summary="摘要\x0c", body="正文\x1f内容")
    for url in ("/feeds/news.rss", "/feeds/news.atom", "/feeds/all.rss"):
        _, parsed = parse(client, url)
        assert parsed.entries[0].title == "标题含控制字符"


def test_unknown_kind_or_topic_is_404(client):
    for url in (
        "/feeds/nope.rss",
        "/feeds/topic/nope.atom",
        "/feeds/news.json",
        "/feeds/topic/safety.xml",
    ):
        assert client.get(url).status_code == 404


def test_feed_size_is_configurable(app, client, make_doc):
    app.config["FEED_SIZE"] = 3
    for i in range(5):
        make_doc("notice", published_at=f"2024-03-0{i + 1}")
    _, parsed = parse(client, "/feeds/notice.rss")
    assert len(parsed.entries) == 3


def test_base_url_is_used_for_absolute_links(app, client, make_doc):
    app.config["BASE_URL"] = "https://www.example.gov.cn"
    doc = make_doc("news")
    _, parsed = parse(client, "/feeds/news.rss")
    assert parsed.entries[0].link == f"https://www.example.gov.cn/news/{doc.slug}"


def test_conditional_get_and_caching_headers(client, make_doc, monkeypatch):
    make_doc("news")
    # as if a minute had passed: the change's second is over, so its date is a validator
    monkeypatch.setattr(conditional, "utcnow", lambda: utcnow() + timedelta(minutes=1))
    first = client.get("/feeds/all.rss")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/feeds/all.rss", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/feeds/all.rss", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/feeds/all.atom", headers={"If-None-Match": etag}).status_code == 200
    make_doc("news", title="新的动态")
    again = client.get("/feeds/all.rss", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert "新的动态" in again.get_data(as_text=True)


def test_feed_is_not_rebuilt_when_nothing_changed(client, make_doc):
    make_doc("news")
    client.get("/feeds/news.rss")
    builds = feeds.cache.builds
    for _ in range(3):
        assert client.get("/feeds/news.rss").status_code == 200
    assert feeds.cache.builds == builds
    make_doc("news")
    client.get("/feeds/news.rss")
    assert feeds.cache.builds == builds + 1


def test_search_feed_carries_the_search_filters(client, make_doc):
    make_doc("news", title="垃圾分类执法直播", published_at="2024-05-01")
    make_doc("notice", title="垃圾分类宣传活动通知", published_at="2024-06-01")
    make_doc("news", title="垃圾分类旧闻", published_at="2023-01-01")
    _, everything = parse(client, "/search.rss?q=垃圾分类")
    assert [e.title for e in everything.entries] == [
        "垃圾分类宣传活动通知",
        "垃圾分类执法直播",
        "垃圾分类旧闻",
    ]
    _, news = parse(client, "/search.atom?q=垃圾分类&kind=news&from=2024-01-01")
    assert [e.title for e in news.entries] == ["垃圾分类执法直播"]
    _, empty = parse(client, "/search.rss?q=")
    assert empty.entries == []


def test_pages_advertise_their_own_feeds(client, make_doc):
    doc = make_doc("policy")
    home = client.get("/").get_data(as_text=True)
    assert 'type="application/rss+xml" title="全部信息（RSS）" href="/feeds/all.rss"' in home
    listing = client.get("/policy/").get_data(as_text=True)
    assert 'type="application/rss+xml" title="政策文件（RSS）" href="/feeds/policy.rss"' in listing
    assert (
        'type="application/atom+xml" title="政策文件（Atom）" href="/feeds/policy.atom"' in listing
    )
    assert 'class="subscribe"' in listing
    detail = client.get(f"/policy/{doc.slug}").get_data(as_text=True)
    assert 'href="/feeds/policy.rss"' in detail
    results = client.get("/search?q=测试&kind=policy").get_data(as_text=True)
    assert re.search(
        r'rel="alternate" type="application/rss\+xml"[^>]+href="/search\.rss\?[^"]*q=', results
    )
    assert "kind=policy" in re.search(r'href="(/search\.rss[^"]*)"', results).group(1)
    assert 'class="subscribe"' in results


def test_subscribe_page_lists_every_feed(client):
    html = client.get("/feeds/").get_data(as_text=True)
    assert "什么是订阅" in html
    for name in ["all", *content_types.REGISTRY]:
        assert f"/feeds/{name}.rss" in html and f"/feeds/{name}.atom" in html
    for code, _ in content_types.TOPICS:
        assert f"/feeds/topic/{code}.rss" in html
    assert "js/copy.js" in html and "readonly" in html


def test_last_modified_tracks_the_newest_change(client, make_doc):
    make_doc("news")
    first = client.get("/feeds/all.rss").last_modified
    assert first is not None
    assert timedelta(0) <= first - first.replace(microsecond=0) < timedelta(seconds=1)
