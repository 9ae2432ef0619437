"""Bodies are Markdown rendered by markdown-it-py and sanitised by nh3."""

from __future__ import annotations

from html.parser import HTMLParser

from portal.markdown import plain_text, render, sanitize


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = TagCollector()
    parser.feed(html)
    return parser.tags


def assert_harmless(html: str) -> None:
    for tag, attrs in elements(html):
        assert tag not in {"script", "iframe", "object", "style"}
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:")


def test_markdown_renders_headings_lists_and_tables():
    html = render("# 标题\n\n- 一\n- 二\n\n| 项目 | 金额 |\n|---|---|\n| 预算 | 100 |\n")
    assert "<h2>标题</h2>" in html  # the page title is the only h1
    assert "<li>一</li>" in html
    assert "<table>" in html and "<td>预算</td>" in html


HOSTILE = (
    '<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n'
    '[点我](javascript:alert(1))\n\n<a href="#" onclick="x()">a</a>\n\n'
    "![图](javascript:alert(2))"
)


def test_script_and_event_handlers_in_markdown_never_become_elements():
    html = render(HOSTILE)
    assert_harmless(html)
    assert "&lt;script&gt;" in html  # shown as text, not run


def test_sanitizer_strips_dangerous_html():
    html = sanitize('<p onclick="x()">段落</p><script>alert(1)</script><img src="x" onerror="y()">')
    assert_harmless(html)
    assert "alert" not in html
    assert "<p>段落</p>" in html


def test_links_get_noopener():
    assert 'rel="noopener noreferrer"' in render("[罗湖](https://www.szlh.gov.cn/)")


def test_plain_text_strips_markup_and_cuts():
    assert plain_text("**加粗** 文字", limit=4) == "加粗 …"
