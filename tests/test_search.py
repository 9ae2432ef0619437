"""Full-text search: analysis, index lifecycle, repair, hostile input, facets, highlighting."""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from whoosh import index as whoosh_index

from portal import search
from portal.documents import publishing
from portal.documents.models import Document
from portal.errors import ValidationError
from portal.extensions import db
from portal.search import analysis
from portal.search.index import SearchIndex, get_index
from tests.actors import staff


@pytest.fixture
def other_index():
    """Open the same index directory as another worker process would."""
    opened: list[SearchIndex] = []

    def _open(root: Path) -> SearchIndex:
        opened.append(SearchIndex(root))
        return opened[-1]

    yield _open
    for index in opened:
        index.close()


def found(q: str, **options) -> list[str]:
    return [hit.document.slug for hit in search.search(q, **options).hits]


# -- analysis -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("2024年共接收行政复议案件3宗", "复议"),
        ("辖区33名法律明白人完成年度培考", "明白人"),
        ("组织学习《中华人民共和国行政诉讼法》", "行政诉讼"),
        ("2024年东晓街道法治政府建设年度报告", "2024年"),
        ("依托AI赋能+多元处置机制提升治理效率", "AI赋能"),
        ("依托AI赋能+多元处置机制提升治理效率", "ＡＩ赋能"),  # full-width folds to half-width
        ("开展“双随机、一公开”抽查", "“双随机、一公开”"),
        ("２０２４年第三季度抽查", "2024年"),
    ],
)
def test_query_words_are_all_found_in_the_document_tokens(text, query):
    tokens = set(analysis.index_tokens(text))
    words = analysis.query_words(query)
    assert words and all(word in tokens for word in words), (words, tokens)


def test_stop_words_and_punctuation_are_dropped():
    assert analysis.query_words("请问怎么申请政府信息公开？") == ["申请", "政府信息公开"]
    assert analysis.query_words("的了吗？！") == []


def test_synonyms_come_from_the_data_file():
    assert "违法建筑" in analysis.synonyms("违建")
    assert "违建" in analysis.synonyms("违法建筑")
    assert "依申请公开" in analysis.synonyms("依申请")


# -- kept in step ---------------------------------------------------------------------


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
    monkeypatch.setattr(SearchIndex, "sync", lambda self, **kw: 0)
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


def test_a_commit_in_another_process_is_seen_by_an_existing_searcher(
    app, ctx, make_doc, other_index
):
    reader = other_index(get_index().root)  # another worker's view of the same index
    assert [
        h.document.slug for h in search.query.search(reader, search.SearchRequest("禁火令")).hits
    ] == []
    doc = make_doc("notice", title="围岭公园禁火令")
    hits = search.query.search(reader, search.SearchRequest("禁火令")).hits
    assert [h.document.slug for h in hits] == [doc.slug]


def test_changes_missed_by_a_crashed_writer_are_applied_from_the_change_log(
    ctx, make_doc, monkeypatch
):
    search.rebuild()
    monkeypatch.setattr(SearchIndex, "sync", lambda self, **kw: 0)  # the writer "died"
    doc = make_doc("faq", title="居民如何参加法德讲堂", question="居民如何参加法德讲堂？")
    monkeypatch.undo()
    assert search.verify().missing == [doc.id]
    # The next search notices the log is ahead of the index and catches up.
    assert found("法德讲堂") == [doc.slug]
    assert search.verify().ok


# -- repair ---------------------------------------------------------------------------


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
    monkeypatch.setattr(SearchIndex, "sync", lambda self, **kw: 0)
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


def test_missing_index_is_rebuilt_on_first_use(ctx, make_doc, app, other_index):
    doc = make_doc("news", title="应急第一响应人培训")
    root = Path(app.config["SEARCH_INDEX"])
    for path in root.iterdir():
        if path.is_dir():
            for item in path.iterdir():
                item.unlink()
            path.rmdir()
        else:
            path.unlink()
    fresh = other_index(root)
    hits = search.query.search(fresh, search.SearchRequest("第一响应人")).hits
    assert [h.document.slug for h in hits] == [doc.slug]


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_corrupt_index_is_rebuilt_not_a_crash(ctx, make_doc, app, other_index):
    doc = make_doc("news", title="智慧社区建设")
    index = get_index()
    generation = index.root / index.current_generation()
    for toc in generation.glob("*.toc"):
        toc.write_bytes(b"garbage")
    fresh = other_index(index.root)
    hits = search.query.search(fresh, search.SearchRequest("智慧社区")).hits
    assert [h.document.slug for h in hits] == [doc.slug]


def test_refresh_after_many_small_commits_and_merges_counts_each_document_once(ctx, make_doc):
    docs = [make_doc("news", title=f"第{i}条动态") for i in range(30)]
    for doc in docs[:10]:
        publishing.update(doc, {"body": "更新后的内容"}, actor=staff("e"))
    with get_index().searcher() as (_, searcher):
        assert searcher.doc_count() == 30 + 1  # plus the change-log state record
    assert len(found("更新后的内容", per_page=50)) == 10
    ix = whoosh_index.open_dir(str(get_index().root / get_index().current_generation()))
    assert len(ix._segments()) < 10  # small segments were merged


def _publish_in_child(database_url: str, index_dir: str, upload_dir: str, worker: int) -> None:
    from portal import create_app
    from portal.documents import publishing

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SEARCH_INDEX": index_dir,
            "UPLOAD_DIR": upload_dir,
            "SECRET_KEY": "test",
        }
    )
    with app.app_context():
        for n in range(8):
            doc = publishing.create(
                "news",
                f"w{worker}-n{n}",
                {"title": f"并发发布测试 {worker} {n}", "topic": "综合政务", "body": "并发"},
                actor=staff(f"worker-{worker}"),
            )
            publishing.publish(doc, actor=staff(f"worker-{worker}"))


def test_two_processes_publishing_concurrently_lose_nothing(app, ctx, database_url):
    search.rebuild()
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(
            target=_publish_in_child,
            args=(database_url, app.config["SEARCH_INDEX"], app.config["UPLOAD_DIR"], w),
        )
        for w in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Document))
    assert total == 16
    index_nos = db.session.scalars(sa.select(Document.index_no)).all()
    assert len(set(index_nos)) == 16
    assert search.verify().ok
    assert len(found("并发", per_page=50)) == 16


# -- the search page ------------------------------------------------------------------

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


def test_empty_query_is_a_helpful_page(client):
    html = client.get("/search").get_data(as_text=True)
    assert "请输入您要查找的内容" in html and "大家常搜" in html


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


def test_dates_outside_the_supported_range_are_refused(ctx):
    from portal.documents.content_types import FieldError, clean_datetime

    with pytest.raises(FieldError):
        clean_datetime("1924-09-12")
    with pytest.raises(ValidationError):
        publishing.create(
            "policy",
            "old",
            {
                "title": "旧制度",
                "topic": "综合政务",
                "doc_number": "1号",
                "issued_on": "1800-01-01",
                "validity": "有效",
            },
            actor=staff("e"),
        )


def test_results_cached_for_one_index_are_not_served_for_another(app, tmp_path):
    """A process may hold two indexes (tests do; so does a host after its index directory
    was replaced): a cached ranking must never answer for the other index."""
    from portal import create_app
    from portal.orgs.service import ensure_home
    from tests.conftest import empty_database

    with app.app_context():
        doc = publishing.create(
            "news", "boat", {"title": "龙舟竞渡活动", "topic": "综合政务"}, actor=staff("t")
        )
        publishing.publish(doc, actor=staff("t"))
        assert found("龙舟") == ["boat"]
        doc_id = doc.id
    empty_database(app)  # a new database whose ids start again
    second = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SEARCH_INDEX": str(tmp_path / "second_index"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
    )
    try:
        with second.app_context():
            ensure_home()  # the emptied database has no organisation any more
            other = publishing.create(
                "news", "horse", {"title": "赛马活动", "topic": "综合政务"}, actor=staff("t")
            )
            publishing.publish(other, actor=staff("t"))
            # On SQLite the id is handed out again, which is what made a stale hit look real.
            assert other.id == doc_id or db.engine.dialect.name != "sqlite"
            assert found("龙舟") == []
            assert found("赛马") == ["horse"]
    finally:
        empty_database(second)
