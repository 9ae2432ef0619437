"""Display settings (长者模式, high contrast, dark, 纯文本) and the grouped navigation, without a
browser: the switches are links that set a cookie and go back, every page is rendered for
the reader's settings, and the page cache never serves one reader's page to another.
(Sizes, contrast, targets and read-aloud are checked in Chromium: ``test_elders``.)"""

from __future__ import annotations

import re

import pytest

from portal.web import display


def html_classes(response) -> str:
    match = re.search(r'<html lang="zh-CN"(?: class="([^"]*)")?>', response.get_data(as_text=True))
    assert match, "no <html> element"
    return match.group(1) or ""


def switch(client, setting: str, back: str = "/news/"):
    return client.get(f"/display/{setting}", query_string={"next": back})


def test_the_elder_switch_sets_a_lasting_cookie_and_returns_to_the_page(client, make_doc):
    make_doc(slug="news-a", title="长者模式测试")
    assert html_classes(client.get("/news/news-a")) == ""
    page = client.get("/news/news-a").get_data(as_text=True)
    assert 'href="/display/elder?next=/news/news-a"' in page and ">长者模式<" in page

    response = switch(client, "elder", "/news/news-a")
    assert response.status_code == 303
    assert response.headers["Location"] == "/news/news-a"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("display=elder;") and "HttpOnly" in cookie
    assert int(re.search(r"Max-Age=(\d+)", cookie).group(1)) >= 360 * 24 * 3600
    assert response.headers["Cache-Control"] == "no-store"

    for path in ("/news/news-a", "/", "/news/"):
        assert html_classes(client.get(path)) == "view-elder", path
    assert "退出长者模式" in client.get("/").get_data(as_text=True)

    # One tap back: the cookie goes and the page is the normal one again.
    response = switch(client, "elder", "/news/news-a")
    assert "display=;" in response.headers["Set-Cookie"]
    assert html_classes(client.get("/news/news-a")) == ""


def test_larger_step_contrast_dark_and_reset(client):
    switch(client, "larger")  # the further step turns 长者模式 on with it
    assert html_classes(client.get("/")) == "view-elder view-larger"
    switch(client, "contrast")
    assert html_classes(client.get("/")) == "view-elder view-larger view-contrast"
    switch(client, "dark")  # one colour scheme at a time
    assert html_classes(client.get("/")) == "view-elder view-larger view-dark"
    switch(client, "elder")  # leaving 长者模式 leaves its larger step too
    assert html_classes(client.get("/")) == "view-dark"
    switch(client, "reset")
    assert html_classes(client.get("/")) == ""


def test_text_only_drops_the_site_stylesheet_and_scripts(client):
    switch(client, "text")
    page = client.get("/").get_data(as_text=True)
    assert "css/text.css" in page and "css/site.css" not in page and "js/nav.js" not in page
    assert "退出纯文本" in page
    switch(client, "text")
    assert "css/site.css" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "news", "", "/a\nb"],
)
def test_the_switch_never_sends_anyone_to_another_site(client, target):
    response = switch(client, "elder", target)
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_unknown_settings_and_junk_cookies_change_nothing(client):
    assert client.get("/display/purple?next=/").status_code == 404
    client.set_cookie("display", "elder.<script>.dark.dark.x" * 50)
    assert html_classes(client.get("/")) == "view-elder view-dark"
    client.set_cookie("display", "larger.contrast")  # the larger step needs 长者模式
    assert html_classes(client.get("/")) == "view-contrast"
    client.set_cookie("display", "%%%")
    assert client.get("/").status_code == 200 and html_classes(client.get("/")) == ""


def test_the_page_cache_keeps_a_page_per_display_setting(app, client, make_doc):
    """A page rendered for a reader in 长者模式 is never served to one without it (and the
    other way round), whichever of them asks first."""
    make_doc(slug="news-cached", title="缓存测试")
    plain = client.get("/news/news-cached")
    assert html_classes(plain) == ""
    client.set_cookie("display", "elder")
    assert html_classes(client.get("/news/news-cached")) == "view-elder"
    assert html_classes(client.get("/news/news-cached")) == "view-elder"  # from the cache
    client.delete_cookie("display")
    again = client.get("/news/news-cached")
    assert html_classes(again) == "" and again.get_data() == plain.get_data()
    assert display.key({"HTTP_COOKIE": "session=x; display=dark.elder"}) == "elder.dark"


def test_robots_keep_crawlers_off_the_switches(client):
    assert "Disallow: /display/" in client.get("/robots.txt").get_data(as_text=True)


def test_the_navigation_is_grouped_and_marks_the_current_section(client, make_doc):
    make_doc(slug="news-nav", title="导航测试")
    page = client.get("/news/news-nav").get_data(as_text=True)
    wide = page[page.index('<nav class="site-nav"') :]
    wide = wide[: wide.index("</nav>")]
    tops = re.findall(r'<summary class="nav-top[^"]*">([^<]+)</summary>', wide)
    assert tops == ["信息公开", "互动交流", "办事服务", "机构概况"]
    assert re.search(r'<summary class="nav-top nav-current">信息公开</summary>', wide)
    assert re.search(r'<a href="/news/" aria-current="page">工作动态</a>', wide)
    # The phone's 菜单: one <details> (opens without JavaScript) with the same sections.
    menu = page[page.index('<details class="menu">') :]
    menu = menu[: menu.index("</details>")]
    assert "<summary>菜单</summary>" in menu
    for label in ("政府信息公开", "网友留言", "依申请公开", "办理查询", "机构概况", "网站地图"):
        assert f">{label}</a>" in menu, label
    # Breadcrumbs and the search box stay.
    assert 'aria-label="当前位置"' in page and 'role="search"' in page


def test_the_page_scripts_parse_on_older_phones():
    """No regular-expression look-behind in the scripts residents' phones run: Safari before
    16.4 (older iPhones, many of them elders') cannot parse it, and the whole script — 朗读,
    the menu — would be lost."""
    from tests.conftest import ROOT

    for script in (ROOT / "portal" / "static" / "js").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert "(?<=" not in text and "(?<!" not in text, script.name
