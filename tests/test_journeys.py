"""Residents' journeys in a real browser, with an axe-core scan of every page type.

Headless Debian Chromium (``/usr/bin/chromium``) through Playwright drives the app, loaded
with the demo content of ``content/``, on a loopback port, at a phone's 360 x 800 viewport:

- browse: home → a list (nav link) → a detail (a policy, an enforcement item, a consultation);
- search 执法 from the header box → the 执法公示 facet → a result;
- the 订阅 page and its copy button;
- leave a message (after a validation error) → tracking number and query code → ``/track``;
- file an information request → ``/track``;
- the annual report, open data, the API help page and a 404 page;
- browser zoom at 200% (长者模式 and the other display settings: ``test_elders``).

On every page: axe-core (``axe-playwright-python``) finds no ``serious`` or ``critical``
violation, the page does not scroll sideways at 360 px, and screenshots at 360 x 800 and
1280 x 800 go to ``test-artifacts/screenshots/`` (axe results to ``test-artifacts/axe/``;
git-ignored, kept by CI as artifacts). A test collects every problem it meets and reports
them together. Skipped when Chromium, Playwright or axe-playwright-python is missing, unless
``E2E_REQUIRE_BROWSER=1`` (as in CI), where that is a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
from collections.abc import Iterator

import pytest
from flask import Flask

from tests import browser_support
from tests.conftest import ROOT, empty_database
from tests.synthetic_ids import make_id

live_server = browser_support.live_server  # fixtures
module_browser = browser_support.module_browser


def _missing() -> str | None:
    missing = browser_support.browser_missing()
    if missing is None and importlib.util.find_spec("axe_playwright_python") is None:
        missing = "axe-playwright-python is not installed"
    return missing


if _missing():
    if os.environ.get("E2E_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"E2E_REQUIRE_BROWSER=1 but {_missing()}")
    pytest.skip(_missing(), allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
AXE_RESULTS = ARTIFACTS / "axe"
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 800}
BLOCKING = {"serious", "critical"}
AXE = Axe()


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The test app (as in conftest) with the demo content loaded once for the module."""
    app = browser_support.demo_app(database_url, tmp_path_factory.mktemp("journeys"))
    for folder in (SHOTS, AXE_RESULTS):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    yield app
    empty_database(app)


class Journey:
    """A resident's page in Chromium, checking each page it reaches; ``finish()`` reports."""

    def __init__(self, page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.expected_console: list[str] = []  # e.g. the 404 of a page meant to be missing
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: {e}"))

    def _console(self, message) -> None:
        if message.type == "error" and not any(
            text in message.text for text in self.expected_console
        ):
            self.problems.append(f"{self.page.url}: console error: {message.text}")

    def check(self, name: str, *, scan: bool = True) -> None:
        """No sideways scrolling at 360 px, screenshots and axe-core at both widths."""
        page = self.page
        page.wait_for_load_state()
        self.no_sideways_scroll(name)
        page.screenshot(path=SHOTS / f"{name}-360.png", full_page=True)
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=SHOTS / f"{name}-1280.png", full_page=True)
        if scan:
            self.scan(f"{name}-1280")
        page.set_viewport_size(PHONE)
        if scan:
            self.scan(name)

    def no_sideways_scroll(self, name: str) -> None:
        scroll, inner = self.page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll > inner:
            wide = self.page.evaluate(WIDEST_ELEMENTS)
            self.problems.append(
                f"{name} ({self.page.url}): scrolls sideways at {inner} px "
                f"(content {scroll} px wide; widest: {wide})"
            )

    def scan(self, name: str) -> None:
        results = AXE.run(self.page).response
        violations = results["violations"]
        (AXE_RESULTS / f"{name}.json").write_text(
            json.dumps(violations, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        for v in violations:
            if v["impact"] in BLOCKING:
                targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
                self.problems.append(
                    f"{name} ({self.page.url}): axe {v['id']} ({v['impact']}): {v['help']}"
                    f" — {targets}"
                )

    def finish(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


#: The elements sticking out furthest to the right, to say why a page scrolls sideways.
WIDEST_ELEMENTS = """() => {
  const out = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.right > window.innerWidth + 1) {
      const name = e.tagName.toLowerCase() + (e.className ? '.' + e.className : '');
      out.push([Math.round(r.right), name]);
    }
  }
  out.sort((a, b) => b[0] - a[0]);
  return out.slice(0, 5);
}"""


@pytest.fixture
def journey(module_browser, live_server) -> Iterator[Journey]:
    context = module_browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server)
    try:
        yield Journey(context.new_page())
    finally:
        context.close()


def nav_link(page, name: str):
    """A page of the main navigation: on a phone behind 菜单, on a wide screen under its
    section (both ``<details>``), opened as a resident would."""
    menu = page.locator("details.menu")
    if menu.is_visible():
        if not menu.evaluate("d => d.open"):
            menu.locator("summary").click()
        return menu.get_by_role("link", name=name, exact=True)
    link = page.locator(".site-nav").get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        group = page.locator(".site-nav details.nav-group", has=link)
        group.locator("summary").click()
    return link


def test_browse_home_to_list_to_detail(journey):
    page = journey.page
    page.goto("/")
    assert page.title().endswith("东晓街道政府信息公开")
    journey.check("home")

    nav_link(page, "政策文件").click()
    page.wait_for_url("**/policy/")
    assert page.get_by_role("heading", level=1).inner_text() == "政策文件"
    journey.check("list-policy")

    first = page.locator(".doc-list .doc-title").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/policy/[a-z0-9-]+$"))
    assert title in page.get_by_role("heading", level=1).inner_text()
    catalog = page.get_by_role("table", name="公开目录信息")
    assert catalog.get_by_role("rowheader", name="发文字号").count() == 1
    journey.check("detail-policy")

    nav_link(page, "执法公示").click()
    page.wait_for_url("**/enforcement/")
    journey.check("list-enforcement", scan=False)
    page.locator(".doc-list .doc-title", has_text="行政处罚").first.click()
    page.wait_for_url(re.compile(r"/enforcement/[a-z0-9-]+$"))
    assert page.get_by_role("rowheader", name="决定书文号").count() == 1
    journey.check("detail-enforcement")

    nav_link(page, "征集调查").click()
    page.wait_for_url("**/consultation/")
    page.get_by_role("link", name=re.compile("普法规划")).first.click()
    page.wait_for_url(re.compile(r"/consultation/[a-z0-9-]+$"))
    assert page.get_by_role("heading", name="填写意见").count() == 1  # open: the form
    journey.check("detail-consultation")
    journey.finish()


def test_search_in_chinese_then_facet_then_result(journey):
    page = journey.page
    page.goto("/")
    box = page.get_by_role("combobox", name="搜索本站信息")  # with suggestions (searchbox.js)
    box.fill("执法")
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    status = page.locator("#results-title")
    assert re.fullmatch(r"找到 \d+ 条结果", status.inner_text())
    assert page.locator(".result-list mark").count() > 0  # highlighted 执法
    journey.check("search")

    facets = page.get_by_role("complementary", name="筛选搜索结果")
    facets.get_by_role("link", name=re.compile(r"^执法公示（\d+）$")).click()
    page.wait_for_url("**kind=enforcement*")
    assert "（执法公示）" in status.inner_text()
    kinds = page.locator(".result .doc-meta span").all_inner_texts()
    assert kinds and set(kinds) == {"执法公示"}
    journey.check("search-facet", scan=False)

    result = page.locator(".result-list .doc-title").first
    title = result.inner_text()
    result.click()
    page.wait_for_url(re.compile(r"/enforcement/[a-z0-9-]+$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith(title)
    journey.check("search-result", scan=False)
    journey.finish()


def test_subscribe_page_and_copy_button(journey, live_server):
    page = journey.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name=re.compile("订阅更新")).click()
    page.wait_for_url("**/feeds/")
    journey.check("feeds")
    button = page.get_by_role("button", name="复制 RSS 地址").first
    button.click()
    page.get_by_role("status").get_by_text("已复制订阅地址").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server}/feeds/all.rss"
    journey.finish()


def read_codes(page) -> tuple[str, str]:
    codes = page.locator(".codes dd").all_inner_texts()
    assert len(codes) == 2, codes
    return codes[0].strip(), codes[1].strip()


def track(page, tracking_no: str, code: str) -> None:
    page.get_by_role("link", name="查询办理进度").click()
    page.wait_for_url("**/track")
    page.get_by_label("查询编号").fill(tracking_no)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    page.get_by_role("heading", name=tracking_no).wait_for()


def test_leave_a_message_then_track_it(journey):
    page = journey.page
    page.goto("/")
    nav_link(page, "网友留言").click()
    page.wait_for_url("**/messages/")
    assert page.locator(".message").count() > 0  # the demo messages (示例)
    journey.check("messages")

    page.get_by_role("link", name="我要留言").click()
    page.wait_for_url("**/messages/new")
    journey.check("message-form")

    journey.expected_console.append("status of 400")  # the form comes back with a 400
    page.get_by_role("button", name="提交留言").click()  # nothing filled in
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "留言标题" in summary.inner_text()
    assert page.get_by_label("留言标题").get_attribute("aria-invalid") == "true"
    journey.check("message-form-errors")

    page.get_by_label("留言标题").fill("小区门口路灯不亮")
    page.get_by_label("留言类别").select_option("城市管理")
    page.get_by_label("留言内容", exact=True).fill(
        "东晓路某小区门口的路灯已经坏了一个星期，晚上出行不方便，请尽快修理。"
    )
    page.get_by_label("同意公开留言内容").check()
    page.get_by_role("button", name="提交留言").click()
    page.get_by_role("heading", name="您的留言已提交").wait_for()
    tracking_no, code = read_codes(page)
    assert re.fullmatch(r"LY-\d{4}-\d{6}", tracking_no) and len(code) == 8
    journey.check("message-submitted")

    track(page, tracking_no, code)
    assert "小区门口路灯不亮" in page.locator(".track-result").inner_text()
    assert page.get_by_role("cell", name="已受理").count() == 1
    journey.check("track-message")
    journey.finish()


def test_file_an_information_request_then_track_it(journey):
    page = journey.page
    page.goto("/")
    nav_link(page, "依申请公开").click()
    page.wait_for_url("**/requests/new")
    journey.check("request-form")

    page.get_by_label("自然人").check()
    page.get_by_label("姓名或名称").fill("李明")
    page.get_by_label("证件类型").select_option("居民身份证")
    page.get_by_label("证件号码或统一社会信用代码").fill(make_id())
    page.get_by_label("联系电话").fill("13800138000")
    page.get_by_label("所需信息的名称").fill("东晓街道2024年老旧小区改造项目的实施方案和资金安排。")
    page.get_by_label("电子", exact=True).check()
    page.get_by_label("自行领取").check()
    page.get_by_role("button", name="提交申请").click()
    page.get_by_role("heading", name="您的申请已提交").wait_for()
    tracking_no, code = read_codes(page)
    assert re.fullmatch(r"YSQ-\d{4}-\d{6}", tracking_no) and len(code) == 8
    journey.check("request-submitted")

    track(page, tracking_no, code)
    result = page.locator(".track-result").inner_text()
    assert "政府信息公开申请" in result and "答复期限" in result
    journey.check("track-request")
    journey.finish()


def test_report_about_service_open_data_api_and_not_found_pages(journey):
    page = journey.page
    for name, path, status in (
        ("annual-report", "/reports/annual/2024", 200),
        ("about", "/about/", 200),
        ("service-list", "/service/", 200),
        ("service-guide", "/service/bianmin-fuwu-zhongxin", 200),
        ("open-data", "/open-data/", 200),
        ("api", "/api/", 200),
        ("not-found", "/no-such-page", 404),
    ):
        if status == 404:
            journey.expected_console.append("the server responded with a status of 404")
        response = page.goto(path)
        assert response is not None and response.status == status, path
        journey.check(name)
    journey.finish()


def test_the_disclosure_section_its_guide_catalogue_rules_and_reports(journey):
    page = journey.page
    page.goto("/")
    nav_link(page, "政府信息公开").click()
    assert page.get_by_role("heading", level=1).inner_text() == "政府信息公开"
    journey.check("disclosure")
    page.get_by_role("link", name="政府信息公开指南").click()
    flow = page.get_by_role("img", name="依申请公开办理流程图")
    assert flow.is_visible()
    journey.check("disclosure-guide")
    for name, path in (
        ("disclosure-rules", "/disclosure/rules/"),
        ("disclosure-catalog", "/disclosure/catalog/"),
        ("disclosure-column", "/disclosure/catalog/gzdt/"),
        ("disclosure-parent-column", "/disclosure/catalog/fgwj/"),
        ("disclosure-annual", "/disclosure/annual/"),
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        journey.check(name)
    journey.finish()


def test_report_an_error_on_a_page_then_track_it(journey):
    page = journey.page
    page.goto("/news/")
    page.get_by_role("link", name="报告本页错误（纠错）").click()
    page.wait_for_url(re.compile(r"/feedback/new\?page="))
    assert page.get_by_label("出错的页面（选填）").input_value() == "/news/"
    journey.check("feedback-form")

    journey.expected_console.append("status of 400")  # the form comes back with a 400
    page.get_by_role("button", name="提交纠错").click()  # nothing chosen or described
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "错误类型" in summary.inner_text() and "问题描述" in summary.inner_text()
    assert page.get_by_label("问题描述").get_attribute("aria-invalid") == "true"
    journey.check("feedback-form-errors")

    page.get_by_label("链接打不开").check()
    page.get_by_label("问题描述").fill("列表第一条的附件链接打不开，显示页面不存在。")
    page.get_by_role("button", name="提交纠错").click()
    page.get_by_role("heading", name="您的纠错已提交").wait_for()
    tracking_no, code = read_codes(page)
    assert re.fullmatch(r"JC-\d{4}-\d{6}", tracking_no) and len(code) == 8
    journey.check("feedback-submitted")

    track(page, tracking_no, code)
    result = page.locator(".track-result").inner_text()
    assert "链接打不开" in result and "/news/" in result and "已受理" in result
    journey.check("track-feedback")
    journey.finish()


def test_privacy_statement_site_map_and_a_footer_with_every_item(journey, app, tmp_path):
    from tests.test_site_identity import ALL_ITEMS, png

    badge = tmp_path / "conac.png"
    badge.write_bytes(png())
    saved = {name: app.config[name] for name in [*ALL_ITEMS, "CONAC_BADGE"]}
    app.config.update(ALL_ITEMS, CONAC_BADGE=str(badge))
    try:
        page = journey.page
        page.goto("/sitemap.html")
        assert page.get_by_role("heading", level=1).inner_text() == "网站地图"
        footer = page.get_by_role("contentinfo")
        image = footer.get_by_role("link", name=re.compile("党政机关网站标识"))
        assert image.get_attribute("href") == ALL_ITEMS["CONAC_URL"]
        assert footer.locator("img").evaluate("img => img.complete && img.naturalWidth") == 1
        journey.check("sitemap-html")
        page.get_by_role("main").get_by_role("link", name="隐私声明").click()
        page.wait_for_url("**/privacy")
        assert page.get_by_role("heading", name="保存多久").count() == 1
        journey.check("privacy")
        page.goto("/messages/new")
        page.get_by_role("link", name="《隐私声明》").click()
        page.wait_for_url("**/privacy")
    finally:
        app.config.update(saved)
    journey.finish()


def test_browser_zoom_at_200_percent_reflows(module_browser, live_server):
    """Without JavaScript, browser zoom at 200% on a 1280-px window (640 CSS px at twice the
    pixel density) reflows without sideways scrolling, and the footer says how to zoom and
    where 长者模式 is. (长者模式 itself: ``test_elders``.)"""
    context = module_browser.new_context(
        viewport={"width": 640, "height": 400},
        device_scale_factor=2,
        base_url=live_server,
        java_script_enabled=False,
    )
    zoomed = Journey(context.new_page())
    try:
        for path in ("/", "/policy/", "/search?q=执法", "/requests/new", "/reports/annual/2024"):
            zoomed.page.goto(path)
            zoomed.no_sideways_scroll(f"zoom-200 {path}")
        note = zoomed.page.locator("#text-size-help").inner_text()
        assert "Ctrl" in note and "长者模式" in note
        zoomed.finish()
    finally:
        context.close()
