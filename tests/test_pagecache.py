"""Rendered public pages are reused until the documents change, and never served stale."""

from __future__ import annotations

import re

from flask import request, session

from portal import create_app
from portal.documents import publishing
from portal.documents.models import Document
from portal.extensions import db
from portal.web.pagecache import Page, PageCache
from tests.actors import staff


def text(response) -> str:
    return re.sub(r"</?mark>", "", response.get_data(as_text=True))  # search highlights


def test_a_repeated_page_renders_nothing_again(client, make_doc, count_queries, monkeypatch):
    from portal.web import pagecache

    lookups = []
    real = pagecache.change_position
    monkeypatch.setattr(
        pagecache, "change_position", lambda engine: lookups.append(1) or real(engine)
    )
    make_doc(title="东晓街道垃圾分类宣传周")
    first = client.get("/news/")
    with count_queries() as statements:
        again = client.get("/news/")
    assert again.get_data() == first.get_data()
    assert statements == [] and len(lookups) == 2  # one change-log lookup per request
    assert again.headers["Cache-Control"] == "public, no-cache"


def test_etag_answers_304(client, make_doc):
    make_doc(slug="news-etag")
    etag = client.get("/news/news-etag").headers["ETag"]
    assert client.get("/news/news-etag", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/news/news-etag", headers={"If-None-Match": etag}).status_code == 304


def test_a_withdrawn_item_disappears_at_once_from_every_cached_page(app, client, make_doc):
    doc = make_doc(slug="news-gone", title="即将撤回的通知")
    for path in ("/", "/news/", "/news/news-gone", "/search?q=撤回"):
        assert "即将撤回的通知" in text(client.get(path)), path
    publishing.withdraw(doc, reason="信息有误", actor=staff("t"))
    for path in ("/", "/news/", "/search?q=撤回"):
        assert "即将撤回的通知" not in text(client.get(path)), path
    assert "信息有误" in client.get("/news/news-gone").get_data(as_text=True)


def test_a_change_made_by_another_worker_is_seen(app, client, make_doc, tmp_path):
    """Another process (here: a second app on the same database) withdraws; this worker's
    cached pages are not served again."""
    make_doc(slug="news-other", title="另一进程撤回的信息")
    assert "另一进程撤回的信息" in client.get("/news/").get_data(as_text=True)
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SEARCH_INDEX": str(tmp_path / "other-index"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
    )
    with other.app_context():
        doc = db.session.query(Document).filter_by(slug="news-other").one()
        publishing.withdraw(doc, reason="已过期", actor=staff("t"))
        other.extensions["portal.search"].close()
        db.session.remove()
        db.engine.dispose()
    db.session.commit()  # end this test's own transaction, as every request's end does
    assert "另一进程撤回的信息" not in client.get("/news/").get_data(as_text=True)


def test_pages_with_a_form_or_session_are_not_kept(client, make_doc):
    make_doc("consultation", slug="consult-open", opens_on="2020-01-01", closes_on="2099-12-31")
    first = client.get("/consultation/consult-open")
    assert first.status_code == 200 and "ETag" not in first.headers
    assert client.get("/messages/new").headers.get("Cache-Control") != "public, no-cache"


def test_the_cache_stays_within_its_size():
    cache = PageCache(max_bytes=1000)
    for n in range(20):
        cache.put(("p", n), Page(b"x" * 100, "text/html", str(n)))
    assert cache.size <= 1000 and len(cache.pages) == 10
    assert cache.get(("p", 0)) is None and cache.get(("p", 19)) is not None
    cache.put(("big",), Page(b"x" * 900, "text/html", "big"))  # over 1/8 of the budget
    assert cache.get(("big",)) is None


def test_a_page_from_the_cache_has_every_header_the_app_sends(client, make_doc):
    make_doc(slug="news-headers")
    rendered = client.get("/news/news-headers")
    cached = client.get("/news/news-headers")
    assert cached.get_data() == rendered.get_data()
    skip = {"Content-Security-Policy", "Content-Length", "Date", "Server"}
    assert {k: v for k, v in cached.headers if k not in skip} == {
        k: v for k, v in rendered.headers if k not in skip
    }
    nonce = re.compile(r"'nonce-[^']+'")
    csp = (rendered.headers["Content-Security-Policy"], cached.headers["Content-Security-Policy"])
    assert nonce.sub("", csp[0]) == nonce.sub("", csp[1]) and csp[0] != csp[1]  # fresh nonce
    assert "Strict-Transport-Security" not in cached.headers
    secure = client.get("/news/news-headers", base_url="https://localhost")
    assert "Strict-Transport-Security" in secure.headers


def test_a_foreign_host_header_gets_400_and_never_a_cached_page(client, make_doc):
    """``Host: evil.example`` once poisoned the cache: the next resident's page linked there."""
    make_doc(slug="news-host")
    poisoned = client.get("/news/news-host", headers={"Host": "evil.example"})
    assert poisoned.status_code == 400
    body = poisoned.get_data(as_text=True)
    assert "evil.example" not in body and "请求有误" in body
    page = client.get("/news/news-host").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/news/news-host">' in page
    assert "evil.example" not in page
    cached = client.get("/news/news-host", headers={"Host": "evil.example"})  # now kept
    assert cached.status_code == 400 and "evil.example" not in cached.get_data(as_text=True)


def test_the_cache_keeps_each_allowed_host_apart(app, make_doc, tmp_path):
    make_doc(slug="news-hosts")
    multi = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SEARCH_INDEX": str(tmp_path / "multi-index"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "ALLOWED_HOSTS": "www.example.gov.cn, example.gov.cn",
        }
    )
    try:
        client = multi.test_client()
        for host in ("www.example.gov.cn", "example.gov.cn", "www.example.gov.cn"):
            for scheme in ("http", "https"):
                page = client.get("/news/news-hosts", base_url=f"{scheme}://{host}")
                expected = f'<link rel="canonical" href="{scheme}://{host}/news/news-hosts">'
                assert expected in page.get_data(as_text=True), (scheme, host)
    finally:
        multi.extensions["portal.search"].close()
        with multi.app_context():
            db.engine.dispose()


def test_a_base_url_decides_every_absolute_link_whatever_the_host(app, make_doc, tmp_path):
    make_doc(slug="news-base")
    based = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SEARCH_INDEX": str(tmp_path / "based-index"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "BASE_URL": "https://www.example.gov.cn",
        }
    )
    try:
        client = based.test_client()
        for host in ("localhost", "127.0.0.1:8000", "www.example.gov.cn"):
            page = client.get("/news/news-base", headers={"Host": host}).get_data(as_text=True)
            assert 'href="https://www.example.gov.cn/news/news-base"' in page, host
        assert client.get("/news/news-base", headers={"Host": "evil.example"}).status_code == 400
    finally:
        based.extensions["portal.search"].close()
        with based.app_context():
            db.engine.dispose()


def test_a_page_that_reads_the_session_is_not_kept(app, make_doc, tmp_path):
    """What the cache relies on in Flask: the session the app's session interface opens is
    the one the request uses, and using it through ``flask.session`` (even only reading)
    sets its ``accessed`` flag. Should a Flask upgrade change either, a page showing what
    one visitor's session holds could be served to the next: this test then fails."""
    make_doc(slug="news-session")
    peeking = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SEARCH_INDEX": str(tmp_path / "peeking-index"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
    )

    @peeking.before_request
    def peek() -> None:
        if "peek" in request.args:
            session.get("uid")  # a read, as a page showing who is signed in would do

    try:
        client = peeking.test_client()
        kept = client.get("/news/news-session")
        assert "ETag" in kept.headers and "Cookie" not in kept.headers.get("Vary", "")
        for _ in range(2):
            peeked = client.get("/news/news-session?peek=1")
            assert peeked.status_code == 200 and "ETag" not in peeked.headers
            assert "Cookie" in peeked.headers["Vary"]  # Flask saw the read too
    finally:
        peeking.extensions["portal.search"].close()
        with peeking.app_context():
            db.engine.dispose()
