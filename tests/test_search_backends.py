"""Search behaviour both backends share, run on each: the embedded Whoosh index and a real
two-node SolrCloud (``pytest -k solr`` selects the Solr half; see ``tests/solr_backend.py``).

Following publications, hostile input, facets, filters, highlighting, exact numbers,
synonyms, pagination, verify and repair. Whoosh's own index lifecycle is in
``tests/test_search.py``, Solr's faults in ``tests/test_search_solr.py``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal import search
from portal.documents import publishing
from tests.actors import staff


@pytest.fixture
def search_config(both_backends: dict[str, Any]) -> dict[str, Any]:
    return both_backends


def found(q: str, **options) -> list[str]:
    return [hit.document.slug for hit in search.search(q, **options).hits]


HOSTILE = [
    '"',
    '"未闭合的引号',
    "AND",
    "OR NOT",
    "行政 AND 复议 OR (",
    "*",
    "?",
    "复议*",
    "title:复议",
    "[2024 TO 2025]",
    "((((",
    "\x00\x0b\x1f控制字符",
    "行" * 2000,
    "<script>alert(1)</script>",
    "%",
    "\\",
    "😀",
    "   ",
]


def test_publish_update_withdraw_follow_in_search(ctx, make_doc):
    doc = make_doc("news", title="东晓街道开展有限空间专项整治", body="检查仓储企业4家。")
    assert found("有限空间") == [doc.slug]
    publishing.update(
        doc, {"body": "检查燃气用户，整改隐患297处。", "title": "燃气安全检查"}, actor=staff("e")
    )
    assert found("燃气") == [doc.slug]
    assert found("有限空间") == []
    publishing.withdraw(doc, reason="重复发布", actor=staff("r"))
    assert found("燃气") == []
    assert search.verify().ok


def test_drafts_and_in_review_never_appear(ctx, make_doc):
    make_doc("news", status="draft", title="草稿里的秘密词")
    make_doc("news", status="in_review", title="审核中的秘密词")
    assert found("秘密词") == []


def test_stale_index_never_shows_a_withdrawn_item(ctx, make_doc, monkeypatch):
    doc = make_doc("policy", title="即将废止的制度")
    assert found("废止") == [doc.slug]
    # The index misses the withdrawal (its update is lost), yet results are re-read.
    monkeypatch.setattr(type(search.get_backend()), "sync", lambda self, **kw: 0)
    publishing.withdraw(doc, reason="已废止", actor=staff("r"))
    assert found("废止") == []
    monkeypatch.undo()
    report = search.verify()
    assert report.extra == [doc.id]


def test_result_cache_never_serves_a_withdrawn_item(ctx, make_doc):
    docs = [make_doc("news", title=f"垃圾分类宣传第{i}场") for i in range(3)]
    assert len(found("垃圾分类")) == 3
    assert len(found("垃圾分类")) == 3  # cached
    publishing.withdraw(docs[0], reason="信息有误", actor=staff("r"))
    assert docs[0].slug not in found("垃圾分类")


def test_rebuild_gives_identical_results(ctx, make_doc):
    for i in range(12):
        make_doc("news", title=f"普法宣传活动第{i}场", body="普法 宣传 法治" * (i + 1))
    queries = ["普法", "宣传 活动", "法治"]
    before = [found(q) for q in queries]
    search.rebuild()
    first = [found(q) for q in queries]
    search.rebuild()
    assert first == [found(q) for q in queries]
    assert [set(x) for x in before] == [set(x) for x in first]


def test_verify_finds_drift_and_fix_repairs_it(ctx, runner, make_doc, monkeypatch):
    kept = make_doc("news", title="保留的信息")
    changed = make_doc("news", title="会被修改的信息")
    monkeypatch.setattr(type(search.get_backend()), "sync", lambda self, **kw: 0)
    missing = make_doc("news", title="索引里没有的信息")
    publishing.update(changed, {"title": "已经修改的信息"}, actor=staff("e"))
    monkeypatch.undo()
    report = search.verify()
    assert (report.missing, report.stale, report.extra) == ([missing.id], [changed.id], [])
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 1 and "missing: 1" in result.output and "stale: 1" in result.output
    result = runner.invoke(args=["search", "verify", "--fix"])
    assert result.exit_code == 0, result.output
    assert search.verify().ok
    assert kept.id not in report.missing


def test_rebuild_cli_reports_count(runner, make_doc):
    make_doc("news")
    make_doc("notice", status="draft")
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 published documents." in result.output


@pytest.mark.parametrize("q", HOSTILE)
def test_any_query_is_safe(client, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "args",
    [
        {"q": "复议", "kind": "nonsense"},
        {"q": "复议", "from": "yesterday"},
        {"q": "复议", "to": "2024-02-30"},
        {"q": "复议", "sort": "random"},
        {"q": "复议", "from": "2025-01-01", "to": "2024-01-01"},
    ],
)
def test_odd_filter_values_never_fail(client, args):
    assert client.get("/search", query_string=args).status_code == 200


def test_bad_page_numbers_are_404(client, make_doc):
    make_doc("news", title="复议")
    for page in ("0", "x", "-1", "99"):
        assert client.get("/search", query_string={"q": "复议", "page": page}).status_code == 404


def test_no_results_suggest_topics_and_faqs(client, make_doc):
    make_doc("faq", title="如何申请政府信息公开？", question="如何申请政府信息公开？")
    html = client.get("/search", query_string={"q": "火星探测器"}).get_data(as_text=True)
    assert "没有找到" in html
    assert "知识问答" in html and "如何申请政府信息公开？" in html
    assert "大家常搜" in html or "试试大家常搜的主题" in html


def test_results_page_shows_count_snippets_and_keeps_the_query(client, make_doc):
    doc = make_doc(
        "news", title="东晓街道行政复议工作", body="2024年共接收行政复议案件3宗，均按时完成答复。"
    )
    html = client.get("/search", query_string={"q": "复议"}).get_data(as_text=True)
    assert "找到 1 条结果" in html
    assert f'href="/news/{doc.slug}"' in html
    assert "<mark>行政复议</mark>" in html
    assert 'value="复议"' in html
    assert html.count('role="search"') == 2


def test_snippets_escape_document_text(client, make_doc):
    make_doc(
        "news",
        title="安全提示",
        body="不要在页面中输入 <script>alert(1)</script> 之类的代码，注意安全。",
    )
    html = client.get("/search", query_string={"q": "安全"}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_facets_filters_date_range_and_sort(client, make_doc):
    make_doc("news", title="普法讲座一", published_at="2023-05-01")
    make_doc("news", title="普法讲座二", published_at="2024-05-01")
    make_doc("notice", title="普法讲座预告", published_at="2024-06-01")
    results = search.search("普法讲座")
    assert results.total == 3
    assert results.kind_counts == {"news": 2, "notice": 1}
    assert results.year_counts == {2024: 2, 2023: 1}
    assert search.search("普法讲座", kind="news").total == 2
    assert search.search("普法讲座", kind="news").kind_counts == {"news": 2, "notice": 1}
    from datetime import date

    in_2024 = search.search("普法讲座", date_from=date(2024, 1, 1), date_to=date(2024, 12, 31))
    assert in_2024.total == 2 and in_2024.year_counts == {2024: 2}
    by_date = [h.document.title for h in search.search("普法讲座", sort="date").hits]
    assert by_date == ["普法讲座预告", "普法讲座二", "普法讲座一"]
    html = client.get("/search", query_string={"q": "普法讲座"}).get_data(as_text=True)
    assert re.search(r'href="/search\?q=[^"]*kind=news[^"]*">工作动态（2）</a>', html)
    assert re.search(r'href="/search\?[^"]*from=2023-01-01[^"]*">2023 年（1）</a>', html)


def test_exact_index_number_and_document_number_find_the_document(make_doc, ctx):
    doc = make_doc(
        "policy", title="东晓街道便民服务中心管理办法", doc_number="深罗东办〔2024〕15号"
    )
    make_doc("policy", title="另一份制度", doc_number="深罗东办〔2024〕16号")
    assert found("深罗东办〔2024〕15号")[0] == doc.slug
    assert found(doc.index_no)[0] == doc.slug


def test_synonym_finds_the_official_term(ctx, make_doc):
    doc = make_doc("news", title="消除存量违法建筑2.9万平方米")
    assert found("违建") == [doc.slug]


def test_pagination_of_results(ctx, make_doc):
    for i in range(13):
        make_doc("news", title=f"民生诉求办理情况{i}")
    first = search.search("民生诉求", per_page=10)
    second = search.search("民生诉求", per_page=10, page=2)
    assert first.total == 13 and first.pages == 2
    assert len(first.hits) == 10 and len(second.hits) == 3
    assert not {h.document.id for h in first.hits} & {h.document.id for h in second.hits}


def test_a_document_the_index_cannot_take_does_not_stop_indexing(ctx, make_doc, monkeypatch):
    from portal.search import schema as index_module

    original = index_module.document_fields

    def broken(doc):
        if doc.title == "坏文档":
            raise ValueError("cannot index")
        return original(doc)

    monkeypatch.setattr(index_module, "document_fields", broken)
    make_doc("news", title="坏文档")
    good = make_doc("news", title="好文档之后发布")
    assert found("好文档") == [good.slug]
