"""长者模式 and the phone-first navigation in Chromium, against the 适老化 rules
(工信部《互联网网站适老化通用设计规范》).

For the home page, a list, a detail page, search, the message form and ``/disclosure/``, at
360 x 800 and 1280 x 800, in the normal site and in 长者模式: axe-core finds no serious or
critical violation; nothing scrolls sideways; on a phone the page's first heading starts
within the first 300 px; in 长者模式 body text is at least 1.5x its normal size with a line
height of at least 1.5, body and link text have a contrast of at least 7:1 against what is
behind them, and every target that is not a link inside running text is at least 48 x 48 px
and overlaps no other. The switches work with JavaScript off and persist across pages and
visits; the high-contrast and dark schemes and 纯文本 are their own switches; 朗读 hands the
page's text to the browser's speech synthesis and is absent where there is none.
Screenshots go to ``test-artifacts/elders/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator

import pytest
from flask import Flask

from tests import browser_support
from tests.conftest import ROOT, empty_database

live_server = browser_support.live_server  # fixtures
module_browser = browser_support.module_browser

_missing = browser_support.browser_missing()
if _missing is None:
    import importlib.util

    if importlib.util.find_spec("axe_playwright_python") is None:
        _missing = "axe-playwright-python is not installed"
if _missing:
    if os.environ.get("E2E_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"E2E_REQUIRE_BROWSER=1 but {_missing}")
    pytest.skip(_missing, allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402

SHOTS = ROOT / "test-artifacts" / "elders"
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 800}
AXE = Axe()
FIRST_HEADING_MAX = 300  # px from the top of a 360 x 800 screen
DETAIL = "/policy/bianmin-fuwu-zhongxin-guanli-banfa-2024"
PAGES = {
    "home": "/",
    "list": "/notice/",
    "detail": DETAIL,
    "search": "/search?q=执法",
    "message-form": "/messages/new",
    "disclosure": "/disclosure/",
}


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = browser_support.demo_app(database_url, tmp_path_factory.mktemp("elders"))
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    yield app
    empty_database(app)


#: What the checks measure on a page, in one call: the first heading's top, sideways
#: scrolling, the body text's size and line height, contrast of text and links against
#: their effective background, and the targets.
MEASURE = """() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  const ratio = (el) => {
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  // checkVisibility: not display:none, not inside a closed <details> (content-visibility).
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0
      && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
      && !el.closest('.visually-hidden, .skip-link, [aria-hidden="true"]');
  };
  const ownText = (el) => [...el.childNodes].some(
    (n) => n.nodeType === 3 && n.textContent.trim().length > 0);
  const main = document.querySelector('main');
  const h1 = main.querySelector('h1');
  const texts = [...main.querySelectorAll('p, li, td, th, dd, label, .message-body, .body div')]
    .filter((e) => visible(e) && ownText(e));
  const links = [...document.querySelectorAll('main a, footer a, header a')]
    .filter((e) => visible(e) && e.textContent.trim());
  // A link inside running text is exempt from the target size (WCAG 2.5.5's "inline").
  const inline = (el) => el.tagName === 'A' && getComputedStyle(el).display === 'inline';
  const targets = [...document.querySelectorAll('a, button, select, textarea, summary, input')]
    .filter((e) => e.type !== 'hidden' && visible(e) && !inline(e))
    .map((e) => {
      // A check box's target is the box with its label (a tap on either ticks it).
      let box = e;
      let r = e.getBoundingClientRect();
      if ((e.type === 'checkbox' || e.type === 'radio') && e.labels && e.labels.length) {
        box = e.labels[0];
        const l = box.getBoundingClientRect();
        const left = Math.min(r.left, l.left), top = Math.min(r.top, l.top);
        r = {left, top, width: Math.max(r.right, l.right) - left,
             height: Math.max(r.bottom, l.bottom) - top};
      }
      const label = (e.textContent.trim() || e.name || e.type).slice(0, 20);
      const name = e.tagName.toLowerCase() + ':' + label;
      return {name, x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height,
              box: box === e};
    });
  const fs = (el) => parseFloat(getComputedStyle(el).fontSize);
  const lh = (el) => {
    const v = getComputedStyle(el).lineHeight;
    return v === 'normal' ? 1.2 * fs(el) : parseFloat(v);
  };
  // The most side-by-side boxes in any one grid (panels, the figures on the home page).
  const lefts = (selector) => Math.max(0, ...[...document.querySelectorAll(selector)].map(
    (grid) => new Set([...grid.children].filter(visible)
      .map((e) => Math.round(e.getBoundingClientRect().left))).size));
  const tops = [...main.querySelectorAll('.form-field')].filter(visible)
    .map((e) => Math.round(e.getBoundingClientRect().top));
  return {
    heading: h1 ? h1.getBoundingClientRect().top + scrollY : null,
    columns: lefts('main .columns, main .stats'),
    fieldRows: tops.length === new Set(tops).size,
    scroll: document.documentElement.scrollWidth, inner: innerWidth,
    text: texts.map((e) => ({name: e.tagName + ':' + e.textContent.trim().slice(0, 12),
                             size: fs(e), line: lh(e), contrast: ratio(e)})),
    links: links.map((e) => ({name: e.textContent.trim().slice(0, 12), contrast: ratio(e)})),
    targets,
  };
}"""


class Check:
    """Collects every problem met on every page, to report them all at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.measures: dict[str, dict] = {}

    def page(self, page, name: str, *, elder: bool, phone: bool) -> dict:
        page.wait_for_load_state()
        page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
        m = page.evaluate(MEASURE)
        self.measures[name] = m
        if m["scroll"] > m["inner"]:
            self.problems.append(f"{name}: scrolls sideways ({m['scroll']} > {m['inner']})")
        if phone and (m["heading"] is None or m["heading"] > FIRST_HEADING_MAX):
            self.problems.append(f"{name}: first heading at {m['heading']} px")
        for v in AXE.run(page).response["violations"]:
            if v["impact"] in {"serious", "critical"}:
                where = "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
                self.problems.append(f"{name}: axe {v['id']} ({v['impact']}) {where}")
        if elder:
            self.elder(name, m)
        return m

    def elder(self, name: str, m: dict) -> None:
        if m["columns"] > 1:  # one column: panels and figures one under the other
            self.problems.append(f"{name}: {m['columns']} columns")
        if not m["fieldRows"]:
            self.problems.append(f"{name}: two form fields on one line")
        for t in m["text"]:
            if t["line"] < 1.5 * t["size"] - 0.5:
                self.problems.append(f"{name}: line height {t['line']} < 1.5 x {t['size']}: {t}")
            if t["contrast"] < 7:
                self.problems.append(f"{name}: text contrast {t['contrast']:.2f} < 7: {t}")
        for link in m["links"]:
            if link["contrast"] < 7:
                self.problems.append(f"{name}: link contrast {link['contrast']:.2f}: {link}")
        targets = m["targets"]
        for t in targets:
            if t["w"] < 47.5 or t["h"] < 47.5:
                self.problems.append(f"{name}: target {t['name']} is {t['w']:.0f}x{t['h']:.0f}")
        for i, a in enumerate(targets):
            for b in targets[i + 1 :]:
                if a["box"] and b["box"] and _overlap(a, b):
                    self.problems.append(f"{name}: targets {a['name']} and {b['name']} overlap")

    def finish(self) -> None:
        (SHOTS / "measures.json").write_text(
            json.dumps(self.measures, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        assert self.problems == [], "\n".join(self.problems)


def _overlap(a: dict, b: dict) -> bool:
    nested = (a["x"] <= b["x"] and a["y"] <= b["y"] and a["x"] + a["w"] >= b["x"] + b["w"]) or (
        b["x"] <= a["x"] and b["y"] <= a["y"] and b["x"] + b["w"] >= a["x"] + a["w"]
    )
    if nested:  # e.g. a label around its own input
        return False
    dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
    dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
    return dx > 1 and dy > 1


def body_size(m: dict) -> float:
    """The size most of the page's text is set in."""
    sizes = sorted(t["size"] for t in m["text"])
    return sizes[len(sizes) // 2]


def html_class(page) -> str:
    return page.evaluate("document.documentElement.className")


def test_every_page_in_both_modes_at_both_widths(module_browser, live_server):
    check = Check()
    normal_sizes: dict[str, float] = {}
    for mode in ("normal", "elder"):
        for width, viewport in (("360", PHONE), ("1280", DESKTOP)):
            context = module_browser.new_context(
                viewport=viewport, locale="zh-CN", base_url=live_server
            )
            page = context.new_page()
            if mode == "elder":  # switched on as a resident does, from the header
                page.goto("/")
                page.get_by_role("banner").get_by_role("link", name="长者模式").click()
                page.wait_for_load_state()
                assert "view-elder" in html_class(page)
            for name, path in PAGES.items():
                page.goto(path)
                m = check.page(
                    page, f"{name}-{mode}-{width}", elder=mode == "elder", phone=width == "360"
                )
                if mode == "normal":
                    normal_sizes[f"{name}-{width}"] = body_size(m)
                elif body_size(m) < 1.5 * normal_sizes[f"{name}-{width}"] - 0.5:
                    check.problems.append(
                        f"{name}-{width}: elder text {body_size(m)} px is not 1.5x "
                        f"{normal_sizes[f'{name}-{width}']} px"
                    )
            if mode == "elder":  # the focus ring is plain to see: 4 px and a halo
                page.goto(DETAIL)
                page.keyboard.press("Tab")
                page.keyboard.press("Tab")
                ring = page.evaluate(
                    "(() => { const s = getComputedStyle(document.activeElement);"
                    " return [parseFloat(s.outlineWidth), s.outlineStyle, s.boxShadow]; })()"
                )
                if ring[0] < 4 or ring[1] == "none" or ring[2] == "none":
                    check.problems.append(f"elder-{width}: focus ring {ring}")
            context.close()
    check.finish()


def test_the_further_step_and_the_colour_schemes(module_browser, live_server):
    check = Check()
    context = module_browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server)
    page = context.new_page()
    page.goto(DETAIL)
    normal = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("banner").get_by_role("link", name="长者模式").click()
    menu = page.locator("details.menu")
    menu.locator("summary").click()
    menu.get_by_role("link", name="文字再放大").click()
    page.wait_for_load_state()
    assert (
        page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        >= 2 * normal - 0.5
    )
    check.page(page, "detail-larger-360", elder=True, phone=True)
    for scheme, link in (("contrast", "高对比度"), ("dark", "深色模式")):
        page.locator("details.menu summary").click()
        page.locator("details.menu").get_by_role("link", name=link).click()
        page.wait_for_load_state()
        assert f"view-{scheme}" in html_class(page)
        check.page(page, f"detail-{scheme}-360", elder=True, phone=True)
        page.goto("/messages/new")
        check.page(page, f"message-form-{scheme}-360", elder=True, phone=True)
        page.goto(DETAIL)
    context.close()
    check.finish()


def test_switches_work_without_javascript_and_persist(module_browser, live_server, tmp_path):
    context = module_browser.new_context(
        viewport=PHONE, locale="zh-CN", base_url=live_server, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/notice/")
    font = "parseFloat(getComputedStyle(document.documentElement).fontSize)"
    normal = page.evaluate(font)
    page.get_by_role("banner").get_by_role("link", name="长者模式").click()
    page.wait_for_url(re.compile(r"/notice/$"))  # back on the same page
    assert "view-elder" in html_class(page) and page.evaluate(font) >= 1.5 * normal - 0.5
    # The 菜单 opens without JavaScript and leads on; the setting follows.
    page.locator("details.menu summary").click()
    page.locator("details.menu").get_by_role("link", name="网友留言").click()
    page.wait_for_url(re.compile(r"/messages/$"))
    assert "view-elder" in html_class(page)
    state = tmp_path / "state.json"
    context.storage_state(path=state)
    context.close()

    # A later visit (the browser's saved cookies) still has it; one tap takes it away.
    context = module_browser.new_context(
        viewport=PHONE, base_url=live_server, java_script_enabled=False, storage_state=state
    )
    page = context.new_page()
    page.goto(DETAIL)
    assert "view-elder" in html_class(page)
    page.get_by_role("banner").get_by_role("link", name="退出长者模式").click()
    page.wait_for_url(f"**{DETAIL}")
    assert html_class(page) == "" and page.evaluate(font) == normal

    # 纯文本: no images, colours or layout; then back.
    page.locator("footer").get_by_role("link", name="纯文本").click()
    page.wait_for_url(f"**{DETAIL}")
    sheets = page.evaluate("[...document.styleSheets].map(s => s.href || '')")
    assert any(s.endswith("/css/text.css") for s in sheets)
    assert not any(s.endswith("/css/site.css") for s in sheets)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in (
        "rgba(0, 0, 0, 0)",
        "rgb(255, 255, 255)",
    )
    assert page.locator("img:visible").count() == 0
    assert page.locator("main h1").is_visible()
    page.screenshot(path=SHOTS / "detail-text-only-360.png", full_page=True)
    page.locator("footer").get_by_role("link", name="退出纯文本").click()
    page.wait_for_url(f"**{DETAIL}")
    assert any(
        s.endswith("/css/site.css")
        for s in page.evaluate("[...document.styleSheets].map(s => s.href || '')")
    )
    context.close()


SPY = """
window.__spoken = [];
window.__calls = [];
const synth = window.speechSynthesis;
if (synth) {
  synth.speak = (u) => { window.__spoken.push({text: u.text, lang: u.lang, rate: u.rate}); };
  synth.pause = () => window.__calls.push('pause');
  synth.resume = () => window.__calls.push('resume');
  synth.cancel = () => window.__calls.push('cancel');
}
"""


def test_read_aloud_speaks_the_page_text_in_mandarin(module_browser, live_server):
    context = module_browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server)
    page = context.new_page()
    page.add_init_script(SPY)
    page.goto(DETAIL)
    title = page.locator("main h1").inner_text().strip()
    body = page.locator(".document .body").first.inner_text()
    page.get_by_role("button", name="朗读").click()
    spoken = page.evaluate("window.__spoken")
    text = "".join(s["text"] for s in spoken)
    assert spoken and all(s["lang"] == "zh-CN" for s in spoken)
    assert title.replace(" ", "")[:10] in text.replace(" ", "")
    first_sentence = re.split(r"[。！？\n]", body.strip())[0].strip()
    assert first_sentence and first_sentence.replace(" ", "") in text.replace(" ", "")
    for nav_word in ("办事服务", "报告本页错误", "长者模式"):  # never the navigation
        assert nav_word not in text
    page.get_by_role("button", name="暂停").click()
    page.get_by_role("button", name="继续").click()
    page.get_by_role("button", name="停止").click()
    assert page.evaluate("window.__calls")[-3:] == ["pause", "resume", "cancel"]
    # A slower rate is passed on.
    page.get_by_label("语速").select_option("0.75")
    page.get_by_role("button", name="朗读").click()
    assert page.evaluate("window.__spoken")[-1]["rate"] == 0.75
    context.close()

    # Where the browser has no speech synthesis, there is no button.
    context = module_browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server)
    page = context.new_page()
    page.add_init_script(
        "Object.defineProperty(window, 'speechSynthesis', {value: undefined});"
        "Object.defineProperty(window, 'SpeechSynthesisUtterance', {value: undefined});"
    )
    page.goto(DETAIL)
    assert page.locator(".read-aloud").count() == 1
    assert not page.get_by_role("button", name="朗读").is_visible()
    context.close()
