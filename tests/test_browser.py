"""End to end in a real browser: an editor writes a news item, a reviewer publishes it, and
residents then find it on the list page, in search and in the RSS feed.

Runs headless Debian Chromium (``/usr/bin/chromium``) through Playwright against the app
served on a loopback port. Skipped when Chromium is missing, unless ``E2E_REQUIRE_BROWSER=1``
(as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os

import pytest

from tests import browser_support
from tests.browser_support import CHROMIUM, sign_in, sign_out

live_server = browser_support.live_server  # fixtures
browser = browser_support.browser

if not CHROMIUM.exists():
    if os.environ.get("E2E_REQUIRE_BROWSER") == "1":
        raise RuntimeError("E2E_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
    pytest.skip("Debian chromium is not installed", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def test_editor_writes_reviewer_publishes_residents_find_it(live_server, browser, make_user):
    base = live_server
    editor = make_user("editor1", "editor")
    reviewer = make_user("reviewer1", "reviewer")
    title = "东晓街道开展冬季消防安全大检查"
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()

    # The editor writes a news item and sends it to review.
    sign_in(page, base, editor.username)
    page.get_by_role("link", name="信息发布").click()
    page.get_by_role("link", name="新建工作动态").click()
    page.get_by_label("标题").fill(title)
    page.get_by_label("主题分类").select_option("安全应急")
    page.get_by_label("正文").fill("街道组织各社区对辖区**出租屋**和小商铺开展消防安全检查。")
    page.get_by_role("button", name="保存并提交审核").click()
    page.wait_for_load_state()
    assert "待审核" in page.content()
    # The editor cannot publish: no such button is offered.
    assert page.get_by_role("button", name="发布", exact=True).count() == 0
    sign_out(page)

    # Nothing is public yet.
    page.goto(f"{base}/news/")
    assert title not in page.content()

    # The reviewer publishes it.
    sign_in(page, base, reviewer.username)
    page.get_by_role("link", name="信息发布").click()
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_load_state()
    assert "已发布" in page.content()
    sign_out(page)

    # Residents see it on the list page, in search and in the RSS feed.
    page.goto(f"{base}/news/")
    page.get_by_role("link", name=title).click()
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert page.locator("strong", has_text="出租屋").count() == 1

    page.goto(f"{base}/")
    page.get_by_label("搜索本站信息").fill("消防安全检查")
    page.get_by_label("搜索本站信息").press("Enter")
    page.wait_for_load_state()
    assert page.get_by_role("link", name=title).count() >= 1

    feed = page.request.get(f"{base}/feeds/news.rss")
    assert feed.ok and title in feed.text()
    context.close()
