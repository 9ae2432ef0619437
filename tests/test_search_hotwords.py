"""Hot words (热词) from the anonymised search log, the staff screen that hides them, and
``/search/suggest``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.auth.actor import Actor
from portal.extensions import db
from portal.search import hotwords
from portal.search.models import SearchQueryLog, SearchSalt
from portal.search.views import POPULAR_TOPICS
from tests import browser_support
from tests.staff import csrf, login_as

WORD = "劳动仲裁"
T0 = datetime(2026, 6, 4, 2, 0, tzinfo=UTC)  # the start of a period (a Thursday, UTC)


def search_as(app, n: int, q: str, agent: str = "Mozilla/5.0 测试", **args: str):
    """Search ``q`` as client ``n`` (its own address)."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": f"198.51.100.{n}", "HTTP_USER_AGENT": agent}
    return client.get("/search", query_string={"q": q, **args}, environ_base=environ)


def popular_on(app, q: str = "") -> list[str]:
    """The 大家常搜 words on ``/search?q=`` (this process's 30 s copy dropped first)."""
    with app.app_context():
        hotwords.forget()
    html = (
        app.test_client().get("/search", query_string={"q": q} if q else {}).get_data(as_text=True)
    )
    if q:
        block = html.split("试试大家常搜的主题：", 1)[1].split("</li>", 1)[0]
    else:
        block = html.split("<h2>大家常搜</h2>", 1)[1].split("</ul>", 1)[0]
    return re.findall(r">([^<>]+)</a>", block)


def test_five_clients_make_a_hot_word_on_the_search_page_and_the_no_result_page(app):
    assert popular_on(app) == list(POPULAR_TOPICS)  # none yet: the fixed topics
    for n in range(5):
        assert search_as(app, n, f"  {WORD} ").status_code == 200
    assert popular_on(app) == [WORD]
    assert WORD in popular_on(app, "一个没有结果的词语组合")


def test_four_clients_or_one_client_ten_times_make_no_hot_word(app):
    for n in range(4):
        search_as(app, n, WORD)
    for _ in range(10):
        search_as(app, 9, "行政许可")
    assert popular_on(app) == list(POPULAR_TOPICS)
    search_as(app, 4, WORD)
    assert popular_on(app) == [WORD]


def test_the_same_address_with_another_browser_counts_as_another_client(app):
    for n in range(5):
        search_as(app, 1, WORD, agent=f"Browser/{n}")
    assert popular_on(app) == [WORD]


def test_queries_with_personal_data_or_many_digits_never_appear(app):
    for q in ("13812345678", "投诉 138 1234 5678", "2024年12345号", "zhang@example.com"):
        for n in range(6):
            search_as(app, n, q)
    assert popular_on(app) == list(POPULAR_TOPICS)
    with app.app_context():
        assert hotwords.candidates() == []
        assert hotwords.starting_with("1", 8) == []
        # Such queries are not even kept in the log.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchQueryLog)) == 0


def test_later_pages_are_not_logged_and_empty_queries_neither(app):
    search_as(app, 1, WORD, page="2")
    search_as(app, 1, "   ")
    search_as(app, 1, "")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchQueryLog)) == 0


def test_the_log_holds_no_address_and_at_most_fifty_characters(app):
    search_as(app, 77, "物业" * 40)
    with app.app_context():
        rows = db.session.execute(sa.select(SearchQueryLog.__table__)).all()
        salts = db.session.execute(sa.select(SearchSalt.__table__)).all()
    assert len(rows) == 1
    for row in [*rows, *salts]:
        for value in row:
            assert "198.51.100" not in str(value)
    assert rows[0].word == "物业" * 25
    assert len(rows[0].client) == 64


def test_a_kept_search_page_still_logs_the_search(app):
    for n in range(5):  # the same address each time: the second one is a kept page
        assert search_as(app, n, WORD).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchQueryLog)) == 5


def test_a_log_failure_never_fails_the_search(app, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(hotwords, "record", broken)
    response = search_as(app, 1, "13800001111 的投诉")
    assert response.status_code == 200
    assert "search query log not written" in caplog.text
    assert "13800001111" not in caplog.text and "198.51.100" not in caplog.text


def test_ended_periods_lose_their_salt_and_old_rows_are_purged(app, runner):
    with app.app_context():
        hotwords.record(WORD, "203.0.113.1", "UA", now=T0)
        first = db.session.scalar(sa.select(SearchSalt.period))
        hotwords.record(WORD, "203.0.113.1", "UA", now=T0 + timedelta(days=1))
        db.session.rollback()
        assert db.session.scalars(sa.select(SearchSalt.period)).all() == [first]
        # A new period: a new salt, the old one gone, so its hashes cannot be linked on.
        hotwords.record(WORD, "203.0.113.1", "UA", now=T0 + timedelta(days=8))
        db.session.rollback()  # a fresh read (the log is written on its own connection)
        assert db.session.scalars(sa.select(SearchSalt.period)).all() == [first + 1]
        clients = set(db.session.scalars(sa.select(SearchQueryLog.client)))
        assert len(clients) == 2  # the same client is another hash in another period
        # 92 days on: the first two rows are purged when the period's salt is made.
        hotwords.record(WORD, "203.0.113.1", "UA", now=T0 + timedelta(days=92))
        db.session.rollback()  # a fresh read (the log is written on its own connection)
        times = db.session.scalars(sa.select(SearchQueryLog.created_at)).all()
        assert sorted(times) == [T0 + timedelta(days=8), T0 + timedelta(days=92)]
        assert hotwords.purge(now=T0 + timedelta(days=200)) == 2
    result = runner.invoke(args=["search", "purge-log"])
    assert result.exit_code == 0 and "Deleted 0" in result.output


def test_hot_words_count_the_current_and_the_previous_period_only(app):
    with app.app_context():
        for n in range(5):
            hotwords.record(WORD, f"203.0.113.{n}", "UA", now=T0)
        assert hotwords.hot_words(now=T0 + timedelta(days=8)) == [WORD]
        assert hotwords.hot_words(now=T0 + timedelta(days=15)) == []


def make_hot(app, *words: str) -> None:
    with app.app_context():
        for word in words:
            for n in range(5):
                hotwords.record(word, f"203.0.113.{n}", "UA")
        hotwords.forget()


def test_staff_hide_a_hot_word_and_show_it_again(app, make_user):
    make_hot(app, WORD, "垃圾分类")
    chief = login_as(app, make_user("chief", "admin"))
    page = chief.get("/admin/search/hotwords").get_data(as_text=True)
    assert WORD in page and "搜索热词" in page
    token = csrf(chief, "/admin/search/hotwords")
    response = chief.post(
        "/admin/search/hotwords", data={"csrf_token": token, "word": WORD, "action": "hide"}
    )
    assert response.status_code == 302
    assert WORD not in popular_on(app) and "垃圾分类" in popular_on(app)
    with app.app_context():
        row = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "hotword_hidden")
        ).one()
        assert row.actor == "chief" and row.detail["word"] == WORD
    assert "已隐藏" in chief.get("/admin/search/hotwords").get_data(as_text=True)
    token = csrf(chief, "/admin/search/hotwords")
    chief.post(
        "/admin/search/hotwords", data={"csrf_token": token, "word": WORD, "action": "unhide"}
    )
    assert WORD in popular_on(app)


def test_an_organisation_admin_may_hide_but_an_editor_may_not(app, make_user):
    make_hot(app, WORD)
    editor = login_as(app, make_user("editor1", "editor"))
    assert editor.get("/admin/search/hotwords").status_code == 403
    token = csrf(editor, "/admin/")
    refused = editor.post(
        "/admin/search/hotwords", data={"csrf_token": token, "word": WORD, "action": "hide"}
    )
    assert refused.status_code == 403
    assert WORD in popular_on(app)
    org_admin = login_as(app, make_user("admin1", "admin", platform_admin=False))
    assert org_admin.get("/admin/search/hotwords").status_code == 200
    assert "搜索热词" in org_admin.get("/admin/").get_data(as_text=True)


def test_hiding_needs_the_csrf_token(app, make_user):
    make_hot(app, WORD)
    chief = login_as(app, make_user("chief", "admin"))
    response = chief.post("/admin/search/hotwords", data={"word": WORD, "action": "hide"})
    assert response.status_code == 400
    assert WORD in popular_on(app)


# -- /search/suggest ---------------------------------------------------------------------


def suggest(client, q: str, **args: str):
    return client.get("/search/suggest", query_string={"q": q, **args})


def test_suggest_offers_titles_and_hot_words(app, client, make_doc):
    doc = make_doc("faq", title="劳动仲裁申请需要哪些材料", question="劳动仲裁怎么申请？")
    with app.test_request_context():
        url = doc.url
    make_hot(app, "劳动合同")
    db.session.remove()  # the test's own context (make_doc's) reads afresh
    response = suggest(client, "劳动")
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert data["q"] == "劳动"
    kinds = {item["text"]: item for item in data["suggestions"]}
    assert kinds["劳动仲裁申请需要哪些材料"]["type"] == "title"
    assert kinds["劳动仲裁申请需要哪些材料"]["url"] == url
    assert kinds["劳动合同"]["type"] == "hot"
    assert len(data["suggestions"]) <= 8
    assert suggest(client, "ldht").get_json()["suggestions"][0]["text"] == "劳动合同"  # pinyin


def test_suggest_is_cacheable(client):
    first = suggest(client, "行政")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    again = client.get(
        "/search/suggest", query_string={"q": "行政"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert suggest(client, "行政").get_data() == first.get_data()


def test_suggest_never_fails_on_odd_input(client):
    for q in ("", " ", "x" * 10_000, "\x00\x01\x7f违建\u202e", "%", "*?[]()", "　", "' OR 1=1"):
        response = suggest(client, q, org="no-such-org")
        assert response.status_code == 200, q
        assert isinstance(response.get_json()["suggestions"], list)
    assert suggest(client, "").get_json() == {"q": "", "suggestions": []}


def test_suggest_offers_no_personal_data_from_hot_words(app, client):
    make_hot(app, "13812345678", "138投诉")
    texts = [item["text"] for item in suggest(client, "138").get_json()["suggestions"]]
    assert "13812345678" not in texts


def test_suggest_is_rate_limited(client):
    statuses = [suggest(client, "").status_code for _ in range(125)]
    assert statuses[0] == 200 and statuses[-1] == 429


# -- the search box in a browser (WAI-ARIA combobox) -------------------------------------

live_server = browser_support.live_server  # fixtures
browser = browser_support.browser


def test_the_search_box_offers_suggestions_by_keyboard(app, live_server, browser, make_doc):
    """Typing shows options; ArrowDown + Enter opens a title; Escape closes; axe passes."""
    pytest.importorskip("axe_playwright_python")
    from axe_playwright_python.sync_playwright import Axe

    doc = make_doc("faq", title="劳动仲裁申请需要哪些材料", question="劳动仲裁怎么申请？")
    with app.test_request_context():
        url = doc.url
    make_hot(app, "劳动合同")
    db.session.remove()
    page = browser.new_page(viewport={"width": 360, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{live_server}/search")
        box = page.locator("#q")
        assert box.get_attribute("role") == "combobox"
        assert box.get_attribute("aria-expanded") == "false"
        box.press_sequentially("劳动", delay=30)
        listbox = page.locator("#q-listbox")
        listbox.locator("[role=option]").first.wait_for()
        assert box.get_attribute("aria-expanded") == "true"
        assert box.get_attribute("aria-controls") == "q-listbox"
        texts = listbox.locator("[role=option]").all_inner_texts()
        assert any("劳动合同" in t for t in texts) and any("劳动仲裁申请" in t for t in texts)
        page.get_by_role("status").filter(has_text="条建议").wait_for()
        results = Axe().run(page).response["violations"]
        blocking = [v["id"] for v in results if v["impact"] in {"serious", "critical"}]
        assert blocking == []
        box.press("Escape")
        assert box.get_attribute("aria-expanded") == "false"
        assert box.input_value() == "劳动"
        box.press("Escape")  # a second Escape clears the box
        assert box.input_value() == ""
        box.press_sequentially("劳动仲裁申请", delay=30)
        option = listbox.locator("[role=option]", has_text="劳动仲裁申请需要哪些材料")
        option.wait_for()
        shown = listbox.locator("[role=option]").all_inner_texts()
        position = next(n for n, t in enumerate(shown) if "劳动仲裁申请需要" in t)
        for _ in range(position + 1):
            box.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
        with page.expect_navigation():
            box.press("Enter")
        assert page.url.endswith(url)
    finally:
        page.close()
    assert errors == []


def test_suggest_offers_dictionary_words_of_the_index(client, make_doc):
    from portal.search import lexicon

    make_doc("news", title="垃圾分类宣传活动", body="社区开展垃圾分类宣传。")
    lexicon.reset()  # this process's copy may be a minute old (built for another test)
    data = suggest(client, "lajifen").get_json()
    assert any(item["type"] == "word" for item in data["suggestions"]), data


def test_a_hidden_word_is_not_suggested_either(app, client):
    make_hot(app, "劳动合同")
    assert suggest(client, "劳动").get_json()["suggestions"][0]["text"] == "劳动合同"
    with app.app_context():
        hotwords.hide(Actor.staff("chief", "admin"), "劳动合同")
    texts = [item["text"] for item in suggest(client, "劳动 ").get_json()["suggestions"]]
    assert "劳动合同" not in texts
