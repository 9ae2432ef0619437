"""Full-text search: analysis, index lifecycle, repair, hostile input, facets, highlighting."""

from __future__ import annotations

import multiprocessing
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


def test_empty_query_is_a_helpful_page(client):
    html = client.get("/search").get_data(as_text=True)
    assert "请输入您要查找的内容" in html and "大家常搜" in html


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
