"""What residents notice of the smarter search: corrected slips (您是不是要找), pinyin and
initials, traditional characters, completion; and the query plan and lexicon underneath."""

from __future__ import annotations

import html
import re
import time

import pytest

from portal import search
from portal.search import analysis, lexicon, query, smart
from portal.search.index import get_index
from portal.search.lexicon import Lexicon
from portal.search.plan import Alternative, QueryPlan, build_plan


@pytest.fixture(autouse=True)
def fresh_lexicon(monkeypatch):
    """Each test's index gets its own lexicon at once (not one of an earlier test's)."""
    monkeypatch.setattr(lexicon, "REBUILD_EVERY", 0.0)
    lexicon.reset()
    yield
    lexicon.reset()


def slugs(q: str, **options) -> list[str]:
    return [hit.document.slug for hit in search.search(q, **options).hits]


@pytest.fixture
def weijian(make_doc):
    """Documents about illegal buildings, business licences and typhoons."""
    return {
        "faq": make_doc(
            "news",
            slug="weijian-faq",
            title="发现有人违法建筑，应该怎样反映",
            body="居民发现违法建筑可以向街道综合行政执法队反映。",
        ),
        "news": make_doc(
            "news",
            slug="weijian-news",
            title="东晓街道消除存量违法建筑2.9万平方米",
            body="全年拆除违法建筑，完成率104%。",
        ),
        "licence": make_doc(
            "news",
            slug="licence",
            title="个体户办理营业执照指引",
            body="申请营业执照需要携带身份证件。",
        ),
        "typhoon": make_doc(
            "news", slug="typhoon", title="台风期间的安全提示", body="台风来临前请加固门窗。"
        ),
    }


# -- 您是不是要找 ---------------------------------------------------------------------------


def test_a_homophone_slip_shows_the_corrected_results_with_a_way_back(client, weijian):
    page = client.get("/search", query_string={"q": "违法见筑"}).get_data(as_text=True)
    assert "已为您显示“<strong>违法建筑</strong>”的结果" in page
    assert "weijian-faq" in page and "weijian-news" in page
    assert 'value="违法见筑"' in page  # the search box keeps what the resident typed
    link = re.search(r'<a href="([^"]+)">仍然搜索“违法见筑”</a>', page)
    assert link is not None
    back = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert "nofix=1" in html.unescape(link.group(1))
    assert "已为您显示" not in back and "您是不是要找" not in back
    assert 'value="违法见筑"' in back
    assert "没有同时包含所有关键词" in back  # what 违法见筑 itself finds: only 违法


def test_the_corrected_search_is_reported_in_the_results(ctx, weijian):
    found = search.search("违法见筑")
    assert found.corrected_from == "违法见筑"
    assert found.suggestion == "违法建筑"
    assert found.request.q == "违法见筑"
    assert {h.document.slug for h in found.hits} == {"weijian-faq", "weijian-news"}
    assert "<mark>违法建筑</mark>" in str(found.hits[0].title_html)
    exact = search.search("违法见筑", correct=False)
    assert exact.corrected_from is None and exact.suggestion is None


def test_an_unsure_correction_is_only_suggested(client, weijian):
    # A character that only looks alike (筑/巩) is not the same pinyin: suggest, not replace.
    found = search.search("违法建巩")
    assert found.corrected_from is None
    assert found.suggestion == "违法建筑"
    page = client.get("/search", query_string={"q": "违法建巩"}).get_data(as_text=True)
    assert "您是不是要找：" in page and ">违法建筑</a>" in page


def test_a_document_number_is_never_corrected(ctx, make_doc):
    make_doc("policy", title="东晓街道便民服务中心管理办法", doc_number="东晓办〔2024〕21号")
    make_doc("news", title="东晓办事指南", body="东晓办理事项一览。")
    assert smart.protected("东晓办〔2024〕12号") == [(0, 12)]
    for q in ("东晓办〔2024〕12号", "东晓半〔2024〕21号", "11440303mb2c/2024-00012"):
        found = search.search(q)
        assert found.corrected_from is None and found.suggestion is None, q


def test_a_term_with_its_own_results_is_never_corrected(ctx, make_doc, weijian):
    make_doc("news", slug="jian", title="违法见闻的报道", body="记者的违法见闻。")
    found = search.search("违法见闻")
    assert found.corrected_from is None and found.suggestion is None
    assert slugs("违法见闻") == ["jian"]
    lex = Lexicon({"复议": 3, "复义": 1, "行政复议": 2})
    assert smart.correct("复义", lex) is None  # itself a word with results
    assert smart.correct("复", lex) is None  # single characters are not terms
    assert smart.correct("行政复义", lex) == smart.Correction(
        "行政复议", True, (("行政复义", "行政复议"),)
    )


def test_corrections_from_the_lexicon():
    lex = Lexicon({"违法建筑": 9, "违法建设": 3, "行政复议": 5, "政府": 20, "信息公开": 8})
    assert lex.corrections("违法见筑")[0] == ("违法建筑", True)  # same pinyin
    assert ("违法建筑", False) in lex.corrections("违法建巩")  # one character
    assert ("违法建筑", True) in lex.corrections("违发建筑")
    assert lex.corrections("违法建筑") == []  # a known word
    near = Lexicon({"政策": 4, "市场": 2})
    assert near.corrections("正测") == [("政策", True)]  # zheng ce: the same pinyin
    assert ("市场", False) in near.corrections("四场")  # si/shi: near pinyin
    fixed = smart.correct("正府信息公开", lex)
    assert fixed is not None and fixed.query == "政府信息公开" and fixed.confident
    # 政复 sounds like 政府 but cuts 行政 in two: the slip is 复义 (复议).
    split = smart.correct("行政复义", Lexicon({"行政": 5, "政府": 9, "复议": 3}))
    assert split is not None and split.query == "行政复议"


# -- pinyin, initials, traditional characters ------------------------------------------------


@pytest.mark.parametrize("q", ["weifajianzhu", "wei fa jian zhu", "WeiFa JianZhu", "wfjz"])
def test_pinyin_and_initials_find_the_chinese_word(ctx, weijian, q):
    found = search.search(q)
    assert {h.document.slug for h in found.hits} == {"weijian-faq", "weijian-news"}
    assert found.corrected_from is None and found.suggestion is None
    assert any("<mark>违法建筑</mark>" in str(h.title_html) for h in found.hits)


def test_mixed_pinyin_and_chinese(ctx, weijian):
    assert slugs("yingye执照") == ["licence"]
    assert slugs("营业zhizhao") == ["licence"]


def test_the_resident_own_words_rank_above_pinyin_conversions(ctx, make_doc, weijian):
    # Latin text the document really holds (a code) ranks above its Chinese reading.
    make_doc("news", slug="code", title="WFJZ 系统升级公告", body="系统代码 wfjz。")
    assert slugs("wfjz")[0] == "code"
    assert set(slugs("wfjz")) == {"code", "weijian-faq", "weijian-news"}


def test_an_alternative_weight_orders_otherwise_equal_documents(ctx, make_doc):
    make_doc("news", slug="a", title="违法建筑巡查", body="巡查。")
    make_doc("news", slug="b", title="违章建筑巡查", body="巡查。")
    index = get_index()
    request = query.SearchRequest(q="x")

    def ranked(weight_a: float, weight_b: float) -> list[int]:
        plan = QueryPlan(
            ((Alternative(("违法建筑",), weight_a), Alternative(("违章建筑",), weight_b)),),
            None,
            (),
        )
        return query.rank(index, plan, request).ids

    first, second = ranked(1.0, 0.8), ranked(0.8, 1.0)
    assert len(first) == 2 and first == second[::-1]


def test_traditional_characters_find_simplified_text(ctx, weijian):
    assert slugs("營業執照") == ["licence"]
    assert slugs("颱風") == ["typhoon"]
    assert analysis.normalize("違法建築 ＡＩ") == "违法建筑 ai"


# -- the plan and the lexicon ----------------------------------------------------------------


def test_plan_has_words_synonyms_pinyin_exact_key_and_highlight():
    lex = Lexicon({"违法建筑": 3, "营业": 2, "执照": 2})
    plan = build_plan("违建 yingye", lex)
    assert plan.words[0][0] == Alternative(("违建",))
    assert Alternative(("违法建筑",)) in plan.words[0]
    assert plan.words[1][0] == Alternative(("yingye",))
    assert plan.words[1][1].tokens == ("营业",) and plan.words[1][1].weight < 1
    assert plan.exact == "违建yingye"
    assert {"违建", "违法建筑", "违法建设", "营业", "yingye"} <= set(plan.highlight)
    assert [len(t) for t in plan.highlight] == sorted(map(len, plan.highlight), reverse=True)
    assert build_plan("wei fa jian zhu", lex).words == (
        (Alternative(("wei", "fa", "jian", "zhu")), Alternative(("违法建筑",), 0.8)),
    )
    assert build_plan("yingye", None).words == ((Alternative(("yingye",)),),)
    assert not build_plan("的了吗", lex)
    assert hash(plan) == hash(build_plan("违建 yingye", lex))  # a cache key


def test_lexicon_pinyin_conversions():
    lex = Lexicon({"违法": 20, "建筑": 9, "违法建筑": 5, "行政": 9, "复议": 4, "银行": 2})
    assert lex.from_pinyin("weifajianzhu")[0] == ("违法建筑",)
    assert lex.from_pinyin("wfjz")[0] == ("违法建筑",)
    assert lex.from_pinyin("xingzhengfuyi")[0] == ("行政", "复议")  # no such word: two
    assert lex.from_pinyin("xzfy")[0] == ("行政", "复议")
    assert lex.from_pinyin("yinhang") == [("银行",)]  # 行 read hang in 银行
    assert lex.from_pinyin("hello") == [] and lex.from_pinyin("x") == []
    assert lex.df("违法建筑") == 5 and lex.df("违法见筑") == 0
    assert len(Lexicon({"a": 1, "违": 2, "违法": 0, "违法建筑": 1})) == 1  # 2-8 CJK, df > 0


def test_completion_by_chinese_and_pinyin_prefix(ctx, weijian):
    lex = query.index_lexicon(get_index())
    assert "违法建筑" in lex.complete("违法", 5)
    assert "违法建筑" in lex.complete("weifaj", 5)
    assert "违法建筑" in lex.complete("wfj", 5)
    assert "营业执照" in lex.complete("yingy", 5)
    assert lex.complete("违法建筑", 5) == [] or "违法建筑" not in lex.complete("违法建筑", 5)
    small = Lexicon({"违法": 9, "违法建筑": 5, "违规": 7, "建筑": 3})
    assert small.complete("违", 2) == ["违法", "违规"]  # most frequent first
    assert small.complete("wei", 10) == ["违法", "违规", "违法建筑"]
    assert small.complete("", 5) == [] and small.complete("违", 0) == []


def test_vocabulary_of_the_index(ctx, weijian):
    words = get_index().vocabulary()
    assert words["违法建筑"] >= 2 and words["营业执照"] >= 1
    assert all(2 <= len(w) <= 8 and not w.isascii() for w in words)


def test_lexicon_cache_follows_the_index_at_most_every_interval(monkeypatch):
    loads: list[int] = []

    def load() -> dict[str, int]:
        loads.append(1)
        return {"违法建筑": len(loads)}

    monkeypatch.setattr(lexicon, "REBUILD_EVERY", 60.0)
    first = lexicon.for_index("a", load)
    assert lexicon.for_index("a", load) is first
    assert lexicon.for_index("b", load) is first  # changed, but rebuilt a minute ago
    monkeypatch.setattr(lexicon._cached, "built", time.monotonic() - 61)
    second = lexicon.for_index("b", load)
    assert second is not first and second.df("违法建筑") == 2
    assert lexicon.for_index("b", load) is second and len(loads) == 2


def test_building_a_lexicon_of_100000_words_is_fast():
    chars = "东晓街道办事处行政复议违法建筑营业执照台风防汛民生诉求每周一议法律明白人重庆银行"
    words = {
        chars[i % 40] + chars[(i // 40) % 40] + chars[(i // 1600) % 40] + chars[i % 7]: i % 50 + 1
        for i in range(100_000)
    }
    lexicon.Lexicon({"预热": 1})  # pypinyin's tables are loaded once per process
    started = time.perf_counter()
    lex = Lexicon(words)
    assert len(lex) > 50_000
    assert time.perf_counter() - started < 5  # about 1 s; generous for a busy test machine


# -- synonyms from a replaceable source ------------------------------------------------------


@pytest.fixture
def synonym_source(monkeypatch):
    state = analysis._synonyms
    monkeypatch.setattr(state, "load", state.load)
    monkeypatch.setattr(state, "version", state.version)
    monkeypatch.setattr(state, "seen", state.seen)
    monkeypatch.setattr(state, "checked", state.checked)
    monkeypatch.setattr(state, "groups", state.groups)
    yield
    state.checked = float("-inf")


def test_synonyms_come_from_a_replaceable_source(synonym_source, monkeypatch):
    assert ["违建", "违法建筑", "违法建设"] in analysis.synonyms_file_groups()
    groups = [["码上办", "扫码办理"]]
    version = [1]
    analysis.use_synonym_source(lambda: [list(g) for g in groups], lambda: version[0])
    assert analysis.synonyms("码上办") == ["扫码办理"]
    assert analysis.query_words("码上办怎么用")[0] == "码上办"  # segmented whole
    groups.append(["一网通办", "网上办"])
    assert analysis.synonyms("一网通办") == []  # same version: not re-read
    version[0] = 2
    monkeypatch.setattr(analysis._synonyms, "checked", float("-inf"))
    assert analysis.synonyms("一网通办") == ["网上办"]
