"""A district platform's search, API, exports and sitemap: every organisation is covered,
``org=`` scopes, each item names its organisation; a one-office site stays as it was."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from portal import search
from portal.auth.actor import SYSTEM
from portal.creditcode import check_char
from portal.extensions import db
from portal.orgs import directory, service
from portal.search.index import get_index
from portal.search.views import parse_request

OTHER = "cuizhu"


def credit(serial: int) -> str:
    first = f"91440300MA5F{serial:05d}"
    return first + check_char(first)


def add_org(code: str, short: str, serial: int, **more) -> None:
    service.create(
        SYSTEM,
        code=code,
        name=f"深圳市罗湖区{short}办事处",
        short_name=short,
        kind="street",
        credit_code=credit(serial),
        **more,
    )


@pytest.fixture
def platform(ctx, make_doc):
    """The home organisation (东晓) with one fire-safety item, 翠竹街道 with two, one of them
    with the same kind and slug as the home one's."""
    add_org(OTHER, "翠竹街道", 1, phone="0755-12345678")
    docs = {
        "home": make_doc("news", slug="fire", title="东晓消防安全检查"),
        "other": make_doc("news", slug="fire", title="翠竹消防安全演练", org=OTHER),
        "notice": make_doc("notice", slug="fire-exit", title="翠竹消防通道清理", org=OTHER),
    }
    db.session.commit()
    return docs


def home_code() -> str:
    return directory.home().code


def get_json(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def read_csv(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(header, row, strict=True)) for row in rows]


# -- search ----------------------------------------------------------------------------


def test_search_covers_every_organisation_and_counts_each(platform):
    found = search.search("消防")
    assert found.total == 3
    assert found.org_counts == {home_code(): 1, OTHER: 2}
    assert {hit.document.organisation.code for hit in found.hits} == {home_code(), OTHER}
    # The suggestion box's call still works, across every organisation.
    assert search.search("消防", per_page=5).total == 3


def test_org_scopes_the_search_and_each_facet_ignores_only_its_own_filter(platform):
    scoped = search.search("消防", org=OTHER)
    assert scoped.total == 2
    assert {hit.document.slug for hit in scoped.hits} == {"fire", "fire-exit"}
    assert all(
        hit.document.organisation_id == platform["other"].organisation_id for hit in scoped.hits
    )
    assert scoped.kind_counts == {"news": 1, "notice": 1}
    assert scoped.org_counts == {home_code(): 1, OTHER: 2}  # the other choices stay visible
    assert search.search("消防", kind="notice").org_counts == {OTHER: 1}
    assert search.search("消防", org=home_code()).total == 1
    both = search.search("消防", org=OTHER, kind="news")
    assert [hit.document.title for hit in both.hits] == ["翠竹消防安全演练"]


def test_search_page_shows_organisations_and_the_facet(client, platform):
    html = client.get("/search?q=消防").get_data(as_text=True)
    assert "找到 3 条结果" in html
    assert "按单位" in html and "翠竹街道（2）" in html and "东晓街道（1）" in html
    assert "org=cuizhu" in html
    assert 'href="/org/cuizhu/news/fire"' in html and 'href="/news/fire"' in html
    assert html.count('class="doc-org"') == 3


def test_search_page_scoped_to_one_organisation(client, platform):
    html = client.get("/search?q=消防&org=cuizhu").get_data(as_text=True)
    assert "找到 2 条结果（翠竹街道）" in html
    assert 'href="/org/cuizhu/news/fire"' in html and 'href="/news/fire"' not in html
    assert re.search(r'name="org" value="cuizhu" checked', html)  # kept for the next search
    assert 'aria-current="true">翠竹街道（2）' in html
    # The feed of this search keeps the scope.
    assert re.search(r"/search\.rss\?[^\"']*org=cuizhu", html)


def test_unknown_organisation_is_a_notice_not_an_error(client, platform):
    response = client.get("/search?q=消防&org=nowhere")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "没有代码为“nowhere”的单位，已在全部单位中搜索" in html
    assert "找到 3 条结果" in html


def test_the_feed_request_carries_the_organisation(app, platform):
    with app.test_request_context("/search.rss?q=消防&org=cuizhu"):
        wanted, notes = parse_request()
    assert wanted.org == OTHER and not notes
    with app.test_request_context("/search.rss?q=消防&org=nowhere"):
        wanted, notes = parse_request()
    assert wanted.org is None and "org" in notes


def test_the_index_stores_each_documents_organisation(platform):
    get_index().rebuild()
    with get_index().searcher() as (_, searcher):
        stored = {
            fields["id"]: fields.get("org")
            for _, fields in searcher.reader().iter_docs()
            if fields["id"] != "__state__"
        }
    assert stored == {
        str(platform["home"].id): home_code(),
        str(platform["other"].id): OTHER,
        str(platform["notice"].id): OTHER,
    }


def test_an_index_of_the_previous_schema_is_rebuilt(platform):
    from portal.search import schema
    from portal.search.index import SearchIndex

    index = get_index()
    index.close()
    _, ix = index.open_index()
    with ix.writer() as writer:
        schema.State(last_change_id=0, schema=schema.SCHEMA_VERSION - 1).save(writer)
    old = index.current_generation()
    fresh = SearchIndex(index.root)
    try:
        fresh.open_index()  # sees the old schema: rebuilds into a new generation
        assert fresh.current_generation() != old
        assert search.search("消防", org=OTHER).total == 2
    finally:
        fresh.close()


# -- API -------------------------------------------------------------------------------


def test_api_lists_every_organisation_and_filters_by_org(client, platform):
    data = get_json(client, "/api/v1/documents")
    assert data["total"] == 3
    by_title = {item["title"]: item for item in data["items"]}
    other = by_title["翠竹消防安全演练"]
    assert other["organisation"] == {"code": OTHER, "name": "深圳市罗湖区翠竹街道办事处"}
    assert other["url"] == "http://localhost/org/cuizhu/news/fire"
    assert other["api_url"] == "http://localhost/api/v1/documents/news/fire?org=cuizhu"
    home = by_title["东晓消防安全检查"]
    assert home["organisation"]["code"] == home_code()
    assert home["api_url"] == "http://localhost/api/v1/documents/news/fire"

    scoped = get_json(client, "/api/v1/documents?org=cuizhu")
    assert scoped["total"] == 2
    assert {item["organisation"]["code"] for item in scoped["items"]} == {OTHER}
    assert get_json(client, "/api/v1/documents?org=cuizhu&kind=notice")["total"] == 1
    assert get_json(client, "/api/v1/documents?org=cuizhu&q=消防")["total"] == 2
    assert get_json(client, f"/api/v1/documents?org={home_code()}&q=消防")["total"] == 1


@pytest.mark.parametrize("query", ["org=nowhere", "org=", "org=Cuizhu", "q=消防&org=x"])
def test_api_unknown_organisation_is_400_in_chinese(client, platform, query):
    error = get_json(client, f"/api/v1/documents?{query}", 400)["error"]
    assert error["code"] == 400 and error["field"] == "org"
    assert re.search(r"[\u4e00-\u9fff]", error["message"])
    detail = get_json(client, f"/api/v1/documents/news/fire?{query}", 400)["error"]
    assert detail["field"] == "org"


def test_api_detail_picks_the_organisation(client, platform):
    home = get_json(client, "/api/v1/documents/news/fire")
    assert home["title"] == "东晓消防安全检查"
    assert home["organisation"]["code"] == home_code()
    other = get_json(client, "/api/v1/documents/news/fire?org=cuizhu")
    assert other["title"] == "翠竹消防安全演练"
    assert other["organisation"]["code"] == OTHER
    assert get_json(client, f"/api/v1/documents/news/fire?org={home_code()}") == home
    get_json(client, "/api/v1/documents/notice/fire-exit", 404)  # not the home one's
    assert get_json(client, "/api/v1/documents/notice/fire-exit?org=cuizhu")["slug"] == "fire-exit"


def test_api_organisations_lists_codes_contacts_and_counts(client, platform):
    response = client.get("/api/v1/organisations")
    items = response.get_json()["items"]
    assert [item["code"] for item in items] == [home_code(), OTHER]
    home, other = items
    assert home["is_home"] and not other["is_home"]
    assert other["name"] == "深圳市罗湖区翠竹街道办事处" and other["short_name"] == "翠竹街道"
    assert other["kind"] == "street" and other["kind_label"] == "街道办事处"
    assert other["credit_code"] == credit(1) and other["parent"] is None
    assert other["contacts"]["phone"] == "0755-12345678" and other["contacts"]["fax"] == ""
    assert other["count"] == 2 and other["by_kind"]["notice"] == 1
    assert other["by_kind"]["policy"] == 0
    assert home["count"] == 1
    assert other["url"] == "http://localhost/org/cuizhu/"
    assert home["url"] == "http://localhost/"
    assert other["api_url"] == "http://localhost/api/v1/documents?org=cuizhu"

    etag = response.headers["ETag"]
    again = client.get("/api/v1/organisations", headers={"If-None-Match": etag})
    assert again.status_code == 304
    service.update(SYSTEM, OTHER, phone="0755-87654321")
    db.session.commit()
    changed = client.get("/api/v1/organisations", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["items"][1]["contacts"]["phone"] == "0755-87654321"


def test_api_organisations_statements_do_not_grow_with_organisations(
    client, platform, count_queries
):
    directory.forget()  # the requests share the test's app context: load it in each
    with count_queries() as few:
        client.get("/api/v1/organisations")
    add_org("huangbei", "黄贝街道", 2, parent=OTHER)
    add_org("guiyuan", "桂园街道", 3)
    db.session.commit()
    directory.forget()
    with count_queries() as more:
        items = client.get("/api/v1/organisations").get_json()["items"]
    assert len(items) == 4 and len(more) == len(few)
    assert {item["code"]: item["parent"] for item in items}["huangbei"] == OTHER


def test_openapi_declares_the_organisation(client, platform):
    spec = get_json(client, "/api/openapi.json")
    schemas = spec["components"]["schemas"]
    assert "organisation" in schemas["DocumentSummary"]["required"]
    assert "/api/v1/organisations" in spec["paths"]
    detail = spec["paths"]["/api/v1/documents/{kind}/{slug}"]["get"]
    assert "org" in {p["name"] for p in detail["parameters"]}


# -- exports and sitemap ---------------------------------------------------------------


def test_exports_cover_every_organisation_with_its_code_and_name(client, platform):
    rows = read_csv(client.get("/open-data/all.csv"))
    by_title = {row["标题"]: row for row in rows}
    assert set(by_title) == {"东晓消防安全检查", "翠竹消防安全演练", "翠竹消防通道清理"}
    other = by_title["翠竹消防安全演练"]
    assert other["单位代码"] == OTHER and other["所属单位"] == "深圳市罗湖区翠竹街道办事处"
    assert other["网址"] == "http://localhost/org/cuizhu/news/fire"
    home = by_title["东晓消防安全检查"]
    assert home["单位代码"] == home_code() and home["网址"] == "http://localhost/news/fire"
    items = json.loads(client.get("/open-data/news.json").get_data(as_text=True))["items"]
    assert sorted(item["org_code"] for item in items) == sorted([home_code(), OTHER])
    assert "各单位" in client.get("/open-data/").get_data(as_text=True)


def test_sitemap_lists_every_organisations_pages(client, platform):
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    locs = set(re.findall(r"<loc>([^<]+)</loc>", xml))
    for path in (
        "/",
        "/news/fire",
        "/orgs/",
        "/org/cuizhu/",
        "/org/cuizhu/news/",
        "/org/cuizhu/notice/",
        "/org/cuizhu/messages/",
        "/org/cuizhu/news/fire",
        "/org/cuizhu/notice/fire-exit",
    ):
        assert "http://localhost" + path in locs, path
    assert not any("/org/" + home_code() in loc for loc in locs)
    assert any(re.fullmatch(r"http://localhost/org/cuizhu/reports/annual/\d{4}", x) for x in locs)


def test_a_new_organisation_reaches_the_sitemap_and_exports_at_once(client, platform):
    client.get("/sitemap.xml")
    client.get("/open-data/all.csv")
    add_org("huangbei", "黄贝街道", 2)
    db.session.commit()
    assert "/org/huangbei/" in client.get("/sitemap.xml").get_data(as_text=True)
    service.update(SYSTEM, OTHER, name="深圳市罗湖区翠竹街道办事处（新）")
    db.session.commit()
    rows = read_csv(client.get("/open-data/all.csv"))
    assert "深圳市罗湖区翠竹街道办事处（新）" in {row["所属单位"] for row in rows}


# -- a one-office site is as it was --------------------------------------------------


def test_one_office_search_page_has_no_organisation_parts(client, make_doc):
    make_doc("news", slug="fire", title="东晓消防安全检查")
    db.session.commit()
    html = client.get("/search?q=消防").get_data(as_text=True)
    assert "找到 1 条结果" in html
    assert "按单位" not in html and "doc-org" not in html and "全部单位" not in html
    assert search.search("消防").org_counts == {home_code(): 1}


def test_one_office_api_adds_only_the_organisation(client, make_doc):
    make_doc("news", slug="fire", title="东晓消防安全检查")
    db.session.commit()
    item = get_json(client, "/api/v1/documents")["items"][0]
    assert set(item) == {
        "kind",
        "kind_label",
        "slug",
        "title",
        "summary",
        "publisher",
        "organisation",
        "index_no",
        "topic",
        "topic_code",
        "tags",
        "fields",
        "illustrative",
        "published_at",
        "updated_at",
        "url",
        "api_url",
    }
    assert item["organisation"] == directory.as_json(directory.home())
    assert item["url"] == "http://localhost/news/fire"
    assert item["api_url"] == "http://localhost/api/v1/documents/news/fire"
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/orgs/" not in xml and "/org/" not in xml


def test_organisations_of_a_document_are_read_without_extra_statements(
    client, platform, count_queries
):
    """The organisation of every hit comes from the per-request directory: a search page
    runs the same statements whichever organisations its hits belong to."""
    client.get("/search?q=消防&org=cuizhu")
    with count_queries() as scoped:
        client.get("/search?q=消防&org=cuizhu&sort=date")
    with count_queries() as everywhere:
        client.get("/search?q=消防&sort=date")
    assert len(scoped) == len(everywhere)
    assert not any("FROM organisation" in s and "WHERE" in s for s in everywhere), everywhere
