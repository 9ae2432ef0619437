"""HTTP hardening: security headers on every kind of response, the CSP nonce, templates free
of inline code, HSTS over HTTPS only, the request-size limit, methods, no debug, a generic
500 page, bandit, and the public pages working under the CSP in a real browser."""

from __future__ import annotations

import importlib.util
import io
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import make_response, render_template_string, request
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal import create_app
from portal.markdown import render
from portal.security import HSTS
from tests import browser_support
from tests.browser_support import sign_in
from tests.staff import csrf, login, login_as

from .test_admin_documents import PDF, form_for
from .test_interaction import csrf_token, message_data

live_server = browser_support.live_server  # fixtures
browser = browser_support.browser

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "portal" / "templates"
STATIC_JS = ROOT / "portal" / "static" / "js"
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{22,})'")


def check_headers(response, *, https: bool = False) -> str:
    """Assert the hardening headers; return the response's CSP nonce."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in csp.split(";"))):
        name, _, value = part.partition(" ")
        directives[name] = value
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    nonces = {name: NONCE.findall(directives[f"{name}-src"]) for name in ("script", "style")}
    assert directives["script-src"].startswith("'self' ")
    assert directives["style-src"].startswith("'self' ")
    assert len(nonces["script"]) == 1 and nonces["script"] == nonces["style"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "camera=()" in headers["Permissions-Policy"]
    assert ("Strict-Transport-Security" in headers) is https
    return nonces["script"][0]


def check_inline_code_has_the_nonce(html: str, nonce: str) -> None:
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html, flags=re.IGNORECASE):
        if tag.lower().startswith("<script") and re.search(r"\ssrc=", tag):
            continue
        assert f'nonce="{nonce}"' in tag, tag


# -- headers on every kind of response ----------------------------------------------------


def test_headers_on_pages_files_feeds_api_and_admin(app, client, make_doc, make_user):
    make_doc("news", slug="toutiao")
    draft = make_doc("news", slug="caogao", status="draft")
    staff = login_as(app, make_user("editor1", "editor"))
    pages = {
        "/": 200,
        "/news/": 200,
        "/news/toutiao": 200,
        "/search?q=测试": 200,
        "/messages/new": 200,
        "/feeds/": 200,
        "/static/css/site.css": 200,
        "/static/js/copy.js": 200,
        "/feeds/all.rss": 200,
        "/feeds/news.atom": 200,
        "/api/v1/kinds": 200,
        "/api/v1/nothing-here": 404,
        "/open-data/": 200,
        "/open-data/all.csv": 200,
        "/sitemap.xml": 200,
        "/robots.txt": 200,
        "/admin/login": 200,
        "/no-such-page": 404,
    }
    for url, status in pages.items():
        response = client.get(url)
        assert response.status_code == status, url
        nonce = check_headers(response)
        if response.mimetype == "text/html":
            check_inline_code_has_the_nonce(response.get_data(as_text=True), nonce)
        response.close()  # exports are streamed
    for url in ("/admin/", "/admin/documents/", f"/admin/documents/{draft.id}/edit"):
        response = staff.get(url)
        assert response.status_code == 200, url
        check_headers(response)
        assert response.headers["Cache-Control"] == "no-store"  # the admin's own header kept


def test_api_keeps_its_cors_headers(client):
    response = client.get("/api/v1/kinds")
    check_headers(response)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    error = client.get("/api/v1/documents?page=x")
    assert error.status_code == 400 and error.is_json
    check_headers(error)
    assert error.headers["Access-Control-Allow-Origin"] == "*"


def test_a_304_from_a_feed_still_has_the_headers(client):
    first = client.get("/feeds/all.rss")
    again = client.get("/feeds/all.rss", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    check_headers(again)


def test_the_nonce_is_new_on_every_request_and_matches_inline_code(app, client):
    @app.get("/_nonce-test")
    def nonce_page():
        return render_template_string(
            '<script nonce="{{ csp_nonce() }}">1</script><style nonce="{{ csp_nonce() }}"></style>'
        )

    @app.get("/_nonce-cached")
    def cached_nonce_page():
        response = make_response(render_template_string('<script nonce="{{ csp_nonce() }}">'))
        response.set_etag("v1")
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    seen = set()
    for _ in range(3):
        response = client.get("/_nonce-test")
        nonce = check_headers(response)
        html = response.get_data(as_text=True)
        assert html.count(f'nonce="{nonce}"') == 2
        check_inline_code_has_the_nonce(html, nonce)
        seen.add(nonce)
    assert len(seen) == 3
    # A body with a nonce is never reused: no validators, no shared caching.
    cached = client.get("/_nonce-cached", headers={"If-None-Match": '"v1"'})
    assert cached.status_code == 200 and "ETag" not in cached.headers
    assert cached.headers["Cache-Control"] == "private, no-cache"
    # Pages without inline code keep their caching (feeds, exports, the page cache).
    assert "ETag" in client.get("/feeds/all.rss").headers


# -- templates and scripts free of inline code -------------------------------------------

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", flags=re.DOTALL)
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b([^>]*)>")
INLINE_ATTRIBUTE = re.compile(r"(?:^|\s)(style|on[a-z]+)\s*=", flags=re.IGNORECASE)
MACRO_ARGUMENT = re.compile(r"[(,]\s*(style|on[a-z]+)\s*=(?!=)", flags=re.IGNORECASE)
NONCE_ATTRIBUTE = 'nonce="{{ csp_nonce() }}"'


def template_problems(path: Path) -> list[str]:
    text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    problems = []
    for expression in JINJA.findall(text):  # e.g. field(form.x, style="…") in a macro call
        for name in MACRO_ARGUMENT.findall(expression):
            problems.append(f"{name}= passed in {expression.strip()}")
    for name, attributes in TAG.findall(JINJA.sub(lambda m: "_" * len(m.group(0)), text)):
        name = name.lower()
        for attribute in INLINE_ATTRIBUTE.findall(attributes):
            problems.append(f"<{name}> has an inline {attribute}= attribute")
        if re.search(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", attributes, re.I):
            problems.append(f"<{name}> has a javascript: URL")
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", text, flags=re.IGNORECASE):
        external = tag.lower().startswith("<script") and re.search(r"\ssrc\s*=", tag)
        if not external and NONCE_ATTRIBUTE not in tag:
            problems.append(f"{tag} is inline code without {NONCE_ATTRIBUTE}")
    return problems


def test_no_template_has_inline_code_without_the_nonce():
    templates = sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.xml"))
    assert len(templates) > 20
    problems = [f"{p.relative_to(ROOT)}: {m}" for p in templates for m in template_problems(p)]
    assert problems == []


def test_the_template_scan_finds_what_it_looks_for(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<p style="color:red">x</p><a href="#" onclick="go()">y</a>\n'
        "<script>alert(1)</script><style>p{}</style>"
        '{{ field(form.name, style="width:1em") }}<a href="javascript:void(0)">z</a>'
        '<button\n  onClick = "x()">b</button>{% if a > b %}<i style=x>{% endif %}',
        encoding="utf-8",
    )
    good = tmp_path / "good.html"
    good.write_text(
        '<script src="/static/js/a.js" defer></script>'
        f"<script {NONCE_ATTRIBUTE}>1</script><style {NONCE_ATTRIBUTE}></style>"
        '<p class="stylish" data-onclick="no">{{ "style=" }}</p><svg><rect fill="red"/></svg>',
        encoding="utf-8",
    )
    assert len(template_problems(bad)) == 8
    assert template_problems(good) == []


def test_scripts_do_not_evaluate_strings_or_set_inline_styles_and_handlers():
    forbidden = re.compile(
        r"\beval\s*\(|new\s+Function\s*\(|set(?:Timeout|Interval)\s*\(\s*['\"`]"
        r"|setAttribute\s*\(\s*['\"](?:style|on[a-z]+)['\"]|\.on[a-z]+\s*=\s*['\"`]"
        r"|\.style\.cssText|insertAdjacentHTML|document\.write",
        flags=re.IGNORECASE,
    )
    scripts = sorted(STATIC_JS.glob("*.js"))
    assert scripts
    assert [f"{s.name}: {m}" for s in scripts for m in forbidden.findall(s.read_text())] == []


def test_markdown_table_alignment_needs_no_inline_style():
    html = render("| 项目 | 金额 |\n|:--|--:|\n| 道路 | 100 |\n")
    assert "style=" not in html
    assert '<th align="left">项目</th>' in html and '<td align="right">100</td>' in html


# -- HSTS only over HTTPS ------------------------------------------------------------------


def test_hsts_only_over_https(app, client):
    check_headers(client.get("/"), https=False)
    response = client.get("/", base_url="https://localhost")
    check_headers(response, https=True)
    assert response.headers["Strict-Transport-Security"] == HSTS
    check_headers(
        client.get("/robots.txt", environ_overrides={"wsgi.url_scheme": "https"}), https=True
    )
    # A forwarded https is believed only from a declared proxy.
    forwarded = {"X-Forwarded-Proto": "https"}
    check_headers(client.get("/", headers=forwarded), https=False)


def test_hsts_behind_a_declared_proxy_or_with_an_https_base_url(database_url, tmp_path):
    common = {"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url}
    proxied = create_app({**common, "PROXY_COUNT": 1, "SEARCH_INDEX": str(tmp_path / "a")})
    response = proxied.test_client().get("/robots.txt", headers={"X-Forwarded-Proto": "https"})
    check_headers(response, https=True)
    response = proxied.test_client().get("/robots.txt")
    check_headers(response, https=False)
    public = create_app(
        {**common, "BASE_URL": "https://www.example.gov.cn", "SEARCH_INDEX": str(tmp_path / "b")}
    )
    check_headers(public.test_client().get("/robots.txt"), https=True)


# -- request size ---------------------------------------------------------------------------


def test_max_content_length_comes_from_the_setting(database_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": database_url})
    assert app.config["MAX_REQUEST_MB"] == 2.0
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": database_url, "MAX_REQUEST_MB": 0.5})
    assert app.config["MAX_CONTENT_LENGTH"] == 512 * 1024


def test_an_oversized_form_gets_a_chinese_413_page(app, client, ctx):
    fields = csrf_token(client, "/messages/new")
    data = {**fields, **message_data(content="长" * 1_000_000)}  # about 3 MB in UTF-8
    response = client.post("/messages/new", data=data)
    assert response.status_code == 413
    check_headers(response)
    html = response.get_data(as_text=True)
    assert "<h1>提交的内容过大</h1>" in html
    assert "最多 2 MB" in html and "删减文字" in html and "重新提交" in html
    assert 'lang="zh-CN"' in html


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_oversized_body_under_admin_is_a_clean_413_with_one_log_line(
    app, make_user, caplog, signed_in
):
    """The staff pages' context built a form from the body being refused: a 500 fallback
    page and a traceback on every such request."""
    client = login_as(app, make_user()) if signed_in else app.test_client()
    body = "csrf_token=x&reason=" + "长" * 1_000_000  # about 9 MB urlencoded
    with caplog.at_level("INFO"):
        response = client.post(
            "/admin/login" if not signed_in else "/admin/logout",
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 413
    check_headers(response)
    html = response.get_data(as_text=True)
    assert "<h1>提交的内容过大</h1>" in html and "系统繁忙" not in html
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is None
    assert "413" in warnings[0].getMessage() and "长" not in warnings[0].getMessage()


def test_file_uploads_from_anyone_but_signed_in_staff_are_refused_unparsed(
    app, client, make_user, monkeypatch
):
    from werkzeug import formparser

    parsed = []
    real = formparser.FormDataParser.parse
    monkeypatch.setattr(
        formparser.FormDataParser,
        "parse",
        lambda self, *args, **kwargs: parsed.append(1) or real(self, *args, **kwargs),
    )

    def upload():
        return {"subject": "附件", "file": (io.BytesIO(b"%PDF-1.4 " * 1000), "a.pdf")}

    for url in ("/messages/new", "/requests/new", "/track", "/admin/login", "/admin/"):
        response = client.post(url, data=upload(), content_type="multipart/form-data")
        assert response.status_code == 415, url
        assert "不支持的提交方式" in response.get_data(as_text=True)
        check_headers(response)
    assert parsed == []
    # Signed-in staff still post multipart to the back office (the document editor) ...
    editor = login_as(app, make_user())
    token = csrf(editor, "/admin/")
    logout = editor.post(
        "/admin/logout", data={"csrf_token": token}, content_type="multipart/form-data"
    )
    assert logout.status_code == 302
    # ... but never to a public form.
    staff = login_as(app, make_user("editor2"))
    refused = staff.post("/messages/new", data=upload(), content_type="multipart/form-data")
    assert refused.status_code == 415


def test_answers_to_a_form_are_never_stored(app, client, make_user):
    assert client.post("/search", data={"q": "x"}).headers["Cache-Control"] == "no-store"
    assert login(client, "nobody", "wrong-password").headers["Cache-Control"] == "no-store"


def test_an_oversized_api_request_gets_a_json_413(app, client):
    @app.post("/api/_upload-test")
    def upload_test():
        return str(len(request.form))

    response = client.post("/api/_upload-test", data={"x": "0" * (3 * 1024 * 1024)})
    assert response.status_code == 413 and response.is_json
    assert response.get_json()["error"]["code"] == 413
    check_headers(response)


def test_the_staff_editor_still_takes_attachments_over_the_public_limit(app, make_user):
    editor = login_as(app, make_user("editor1", "editor"))
    big = PDF + b"0" * (3 * 1024 * 1024)  # over the 2 MB public limit, under UPLOAD_MAX_MB
    url = "/admin/documents/new/news"
    values = {**form_for("news"), "csrf_token": csrf(editor, url), "action": "save"}
    values["attachment_file_0"] = FileStorage(io.BytesIO(big), "大文件.pdf", "attachment_file_0")
    # Encoded in memory: the test client would spool a body this large to an unclosed file.
    boundary, body = encode_multipart(values)
    response = editor.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    check_headers(response)


# -- methods, debug, 429, 500, directories ------------------------------------------------


def _sample_url(app, rule) -> str:
    """A URL that ``rule`` matches, with a plausible value for each argument."""
    values: dict[str, str] = {}
    for name, converter in rule._converters.items():
        if hasattr(converter, "items"):  # any(rss, atom)
            values[name] = sorted(converter.items)[0]
            continue
        candidates = ("1", "news", "x")
        values[name] = next(c for c in candidates if re.fullmatch(converter.regex, c))
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def test_trace_and_unknown_methods_are_405_on_every_route_and_options_works(app, client):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 40
    for rule in rules:
        assert "TRACE" not in rule.methods
        url = _sample_url(app, rule)
        for method in ("TRACE", "TRACK", "PROPFIND"):
            response = client.open(url, method=method)
            assert response.status_code == 405, (method, url, response.status_code)
            assert "TRACE" not in response.headers["Allow"]
            check_headers(response)
    options = client.open("/", method="OPTIONS")
    assert options.status_code == 200 and "GET" in options.headers["Allow"]
    html = client.open("/", method="TRACE").get_data(as_text=True)
    assert "请求方式不被允许" in html


def test_directories_are_never_listed(client):
    for url in ("/static/", "/static/css/", "/static/js", "/static/../portal/", "/static/%2e%2e/"):
        response = client.get(url)
        assert response.status_code == 404, url
        check_headers(response)
        assert "copy.js" not in response.get_data(as_text=True)  # no listing of the folder


def test_rate_limited_form_answers_429_with_the_headers(app, client, ctx):
    app.config["MESSAGE_RATE"] = "1 per hour"
    for expected in (200, 429):
        fields = csrf_token(client, "/messages/new")
        response = client.post("/messages/new", data={**fields, **message_data()})
        assert response.status_code == expected
    check_headers(response)
    assert "操作过于频繁" in response.get_data(as_text=True)


def test_500_is_a_generic_page_without_a_traceback(app, client):
    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret-detail-in-the-exception")

    @app.get("/api/_boom")
    def api_boom():
        raise RuntimeError("secret-detail-in-the-exception")

    response = client.get("/_boom")
    assert response.status_code == 500
    check_headers(response)
    html = response.get_data(as_text=True)
    assert "<h1>系统繁忙</h1>" in html and "请稍后再试" in html
    for leak in ("secret-detail", "Traceback", "RuntimeError", "File &#34;", 'File "'):
        assert leak not in html
    api = client.get("/api/_boom")
    assert api.status_code == 500 and api.get_json()["error"]["code"] == 500
    assert "secret-detail" not in api.get_data(as_text=True)
    check_headers(api)


def test_500_when_even_the_error_page_fails(app, client, monkeypatch):
    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret-detail-in-the-exception")

    def broken(*args, **kwargs):
        raise RuntimeError("the template needs the database, which is down")

    monkeypatch.setattr("portal.errors.render_template", broken)
    response = client.get("/_boom")
    assert response.status_code == 500
    check_headers(response)
    html = response.get_data(as_text=True)
    assert "系统繁忙" in html and "secret-detail" not in html and "database" not in html


def test_production_refuses_debug(database_url):
    settings = {
        "ENV": "production",
        "SECRET_KEY": "a-real-secret",
        "BASE_URL": "https://www.example.gov.cn",
        "DATABASE_URL": database_url,
    }
    assert not create_app(settings).debug
    with pytest.raises(RuntimeError, match="Debug mode"):
        create_app({**settings, "DEBUG": True})
    assert create_app({**settings, "ENV": "development", "DEBUG": True}).debug


# -- bandit ---------------------------------------------------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("bandit") is None, reason="bandit not installed")
def test_bandit_finds_no_high_severity_issue():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "portal", "-lll", "-q", "-f", "txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- the CSP in a real browser -------------------------------------------------------------


def test_public_and_staff_pages_work_under_the_csp_in_chromium(
    app, live_server, browser, make_doc, make_user
):
    base = live_server
    doc = make_doc(
        "news",
        slug="table-doc",
        title="街道消防安全检查情况",
        body="检查结果如下：\n\n| 社区 | 场所 |\n|:--|--:|\n| 东晓 | 28 |\n",
    )
    make_doc("faq", slug="faq-fire", title="消防安全检查怎么预约", question="如何预约消防检查？")
    draft = make_doc("news", slug="draft-doc", status="draft")
    editor = make_user("editor1", "editor")
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{page.url}: {m.text}")
            if m.type == "error" or "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))

    detail = f"/news/{doc.slug}"
    for path in ("/", "/news/", detail, "/search?q=消防安全", "/consultation/", "/admin/login"):
        response = page.goto(base + path)
        assert response is not None and response.ok, path
        assert "nonce-" in response.headers["content-security-policy"]
        # The stylesheet applied: the skip link is moved off screen by site.css.
        assert page.locator(".skip-link").evaluate("e => getComputedStyle(e).position") in {
            "absolute",
            "fixed",
        }
    page.goto(base + detail)
    align = page.locator(".body td").nth(1).evaluate("e => getComputedStyle(e).textAlign")
    assert align in {"right", "-webkit-right"}  # the align= presentational hint

    # /feeds/: copy.js shows the copy buttons and copies an address.
    page.goto(base + "/feeds/")
    button = page.locator(".copy-button").first
    button.wait_for(state="visible")
    button.click()
    page.locator(".copy-status").get_by_text("已复制订阅地址").wait_for()

    # /messages/new: suggest.js asks the server while the subject is typed.
    page.goto(base + "/messages/new")
    page.get_by_label("留言标题").fill("消防安全检查")
    page.locator("#suggestions a").first.wait_for()

    # The editor's live preview (preview.js) renders while staff type.
    sign_in(page, base, editor.username)
    page.goto(f"{base}/admin/documents/{draft.id}/edit")
    page.get_by_label("正文").fill("预览里的**加粗**文字")
    page.locator("#preview strong", has_text="加粗").wait_for()
    context.close()
    assert problems == []
