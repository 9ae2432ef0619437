"""Public pages: home, every kind's list and detail, pagination, filters, 404s."""

from __future__ import annotations

import re

import pytest

from portal.documents import content_types, publishing
from tests.actors import staff
from tests.conftest import BASE_FIELDS

ALL_KINDS = sorted(content_types.REGISTRY)


def titles(html: str) -> list[str]:
    return re.findall(r'class="doc-title" href="[^"]+">([^<]+)</a>', html)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_has_a_list_and_a_detail_page(client, make_doc, kind):
    doc = make_doc(kind, title=f"{kind}样例标题")
    listing = client.get(f"/{kind}/")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    label = content_types.get(kind).label
    assert f"<h1>{label}</h1>" in html
    assert 'aria-label="当前位置"' in html  # breadcrumbs
    assert titles(html) == [f"{kind}样例标题"]

    page = client.get(f"/{kind}/{doc.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"{kind}样例标题" in html
    assert doc.index_no in html
    assert "发布机构" in html and "深圳市罗湖区东晓街道办事处" in html
    assert "主题分类" in html


def test_policy_page_shows_catalog_fields_and_interpretation_link(client, make_doc):
    news = make_doc("news", slug="jiedu", title="一图读懂风险防控制度")
    policy = make_doc("policy", slug="fengxian", title="风险防控制度", interpretation="news/jiedu")
    html = client.get(f"/policy/{policy.slug}").get_data(as_text=True)
    for label, value in [
        ("发文字号", "深罗东办〔2024〕1号"),
        ("成文日期", "2024-03-01"),
        ("有效性", "有效"),
    ]:
        assert re.search(rf"<th scope=\"row\">{label}</th><td>{value}</td>", html), label
    assert 'href="/news/jiedu">一图读懂风险防控制度' in html
    back = client.get(f"/news/{news.slug}").get_data(as_text=True)
    assert "解读的政策文件" in back and 'href="/policy/fengxian">风险防控制度' in back


def test_enforcement_shows_masked_person_and_amounts_format(client, make_doc):
    doc = make_doc("enforcement", party="李四", party_type="person")
    html = client.get(f"/enforcement/{doc.slug}").get_data(as_text=True)
    assert "李某" in html and "李四" not in html
    fin = make_doc("finance", amount="1250000.5")
    assert "1,250,000.50" in client.get(f"/finance/{fin.slug}").get_data(as_text=True)


def test_list_is_newest_first_twenty_per_page(client, make_doc):
    for day in range(1, 26):
        make_doc("news", title=f"第{day:02d}天", published_at=f"2024-03-{day:02d} 09:00")
    first = client.get("/news/").get_data(as_text=True)
    assert titles(first) == [f"第{d:02d}天" for d in range(25, 5, -1)]
    assert "第 1 / 2 页，共 25 条" in first
    assert 'rel="next" href="/news/?page=2"' in first
    second = client.get("/news/?page=2").get_data(as_text=True)
    assert titles(second) == [f"第{d:02d}天" for d in range(5, 0, -1)]
    assert 'rel="prev" href="/news/?page=1"' in second


@pytest.mark.parametrize("page", ["0", "3", "-1", "abc", "1.5", "99999999"])
def test_out_of_range_or_bad_page_is_404(client, make_doc, page):
    for _ in range(21):
        make_doc("news")
    assert client.get(f"/news/?page={page}").status_code == 404


def test_empty_list_page_one_is_fine_but_page_two_is_not(client):
    response = client.get("/report/")
    assert response.status_code == 200
    assert "没有符合条件的信息" in response.get_data(as_text=True)
    assert client.get("/report/?page=2").status_code == 404


def test_year_and_topic_filters_combine(client, make_doc):
    make_doc("news", title="二三年法治", published_at="2023-12-31 23:30", topic="法治建设")
    make_doc("news", title="二四年法治", published_at="2024-01-01 00:30", topic="法治建设")
    make_doc("news", title="二四年城管", published_at="2024-06-01 10:00", topic="城市管理")
    assert titles(client.get("/news/?year=2024").get_data(as_text=True)) == [
        "二四年城管",
        "二四年法治",
    ]
    assert titles(client.get("/news/?topic=rule-of-law").get_data(as_text=True)) == [
        "二四年法治",
        "二三年法治",
    ]
    combined = client.get("/news/?year=2024&topic=rule-of-law").get_data(as_text=True)
    assert titles(combined) == ["二四年法治"]
    assert '<option value="2024" selected>' in combined
    assert "法治建设（2）" in combined  # topic counts in the filter
    assert client.get("/news/?topic=nonsense").status_code == 404
    assert client.get("/news/?year=twenty").status_code == 404
    assert titles(client.get("/news/?year=2019").get_data(as_text=True)) == []


def test_filters_are_kept_across_pages(client, make_doc):
    for _ in range(21):
        make_doc("news", topic="法治建设")
    html = client.get("/news/?topic=rule-of-law").get_data(as_text=True)
    assert 'href="/news/?topic=rule-of-law&amp;page=2"' in html


@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_unpublished_documents_are_404_and_not_listed(client, make_doc, status):
    doc = make_doc("notice", status=status, title="尚未发布的通知")
    assert client.get(f"/notice/{doc.slug}").status_code == 404
    assert "尚未发布的通知" not in client.get("/notice/").get_data(as_text=True)
    assert "尚未发布的通知" not in client.get("/").get_data(as_text=True)


def test_unknown_slug_and_kind_are_chinese_404(client):
    for url in ("/news/no-such-thing", "/bulletins/", "/news/a/b"):
        response = client.get(url)
        assert response.status_code == 404
        assert "页面不存在" in response.get_data(as_text=True)


def test_withdrawn_document_keeps_its_page_with_notice_but_leaves_lists(client, make_doc):
    doc = make_doc("policy", status="withdrawn", title="已撤回的制度")
    html = client.get(f"/policy/{doc.slug}").get_data(as_text=True)
    assert "本信息已撤回" in html and "撤回原因：信息已过时" in html
    assert "已撤回的制度" not in client.get("/policy/").get_data(as_text=True)


def test_previous_and_next_in_the_same_kind(client, make_doc):
    old = make_doc("news", title="较早", published_at="2024-01-01")
    mid = make_doc("news", title="中间", published_at="2024-02-01")
    make_doc("notice", title="别的栏目", published_at="2024-02-15")
    new = make_doc("news", title="较新", published_at="2024-03-01")
    html = client.get(f"/news/{mid.slug}").get_data(as_text=True)
    assert f'较新一篇：<a href="/news/{new.slug}"' in html
    assert f'较早一篇：<a href="/news/{old.slug}"' in html
    assert "别的栏目" not in html


def test_body_is_sanitised_on_the_page(client, make_doc):
    doc = make_doc("news", body='<script>alert("x")</script>\n\n<img src=x onerror=alert(1)>')
    html = client.get(f"/news/{doc.slug}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x onerror" not in html


def test_attachments_are_listed_with_size_and_downloadable(client, make_doc, tmp_path):
    source = tmp_path / "明细.csv"
    source.write_text("项目,金额\n预算,100\n", encoding="utf-8")
    doc = make_doc("finance")
    publishing.update(
        doc, {}, actor=staff("e"), attachments=[publishing.AttachmentFile("资金明细", source)]
    )
    html = client.get(f"/finance/{doc.slug}").get_data(as_text=True)
    assert "资金明细" in html and "（CSV，" in html
    url = re.search(r'href="(/attachments/[^"]+)" download', html).group(1)
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.data == source.read_bytes()
    assert client.get(url.replace("/attachments/", "/attachments/9999")).status_code == 404


def test_home_shows_latest_per_kind_counts_and_open_consultations(client, make_doc):
    for kind in ALL_KINDS:
        make_doc(kind, title=f"{kind}最新")
    make_doc("consultation", title="正在征集的意见", opens_on="2000-01-01", closes_on="2099-12-31")
    html = client.get("/").get_data(as_text=True)
    for kind in ALL_KINDS:
        assert f"{kind}最新" in html
    assert "正在征集意见" in html and "正在征集的意见" in html
    assert 'role="search"' in html


def test_consultation_state_follows_dates(client, make_doc):
    doc = make_doc("consultation", opens_on="2099-01-01", closes_on="2099-02-01")
    assert "未开始" in client.get(f"/consultation/{doc.slug}").get_data(as_text=True)
    done = make_doc("consultation", result_summary="共收到意见 **12** 条。")
    html = client.get(f"/consultation/{done.slug}").get_data(as_text=True)
    assert "已公布结果" in html and "<strong>12</strong>" in html


def test_list_page_runs_a_bounded_number_of_statements(client, make_doc, count_queries):
    make_doc("news")
    with count_queries() as few:
        assert client.get("/news/").status_code == 200
    for _ in range(30):
        make_doc("news")
    with count_queries() as many:
        assert client.get("/news/?page=2").status_code == 200
        assert client.get("/").status_code == 200
    assert len(few) <= 4
    assert len(many) == len(few) + 3  # second list page + the home page's three queries


def test_detail_page_runs_a_bounded_number_of_statements(client, make_doc, count_queries):
    docs = [make_doc("policy") for _ in range(5)]
    with count_queries() as statements:
        assert client.get(f"/policy/{docs[2].slug}").status_code == 200
    # the document, its attachments, two neighbours and its 公开目录 columns
    assert len(statements) <= 6


def test_unexpected_error_shows_chinese_500(app, client, monkeypatch):
    from portal.documents import catalog

    def boom(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(catalog, "counts_per_kind", boom)
    response = client.get("/")
    assert response.status_code == 500
    assert "系统繁忙" in response.get_data(as_text=True)
    assert "database gone" not in response.get_data(as_text=True)


def test_fields_from_base_are_complete():
    # Guard for the fixtures: every registered kind has test data.
    assert set(BASE_FIELDS) == set(content_types.REGISTRY)
