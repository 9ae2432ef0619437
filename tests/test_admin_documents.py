"""Back office: writing, previewing, attaching, reviewing, publishing and withdrawing."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.documents import content_types, publishing, uploads
from portal.documents.models import Attachment, Document, DocumentRevision
from portal.errors import InvalidTransition
from portal.extensions import db
from tests import browser_support
from tests.actors import staff
from tests.conftest import BASE_FIELDS
from tests.staff import csrf, login_as

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

live_server = browser_support.live_server  # fixtures for the live-preview test
browser = browser_support.browser


def office_zip(main_part: str | None, content_types_part: bool = True) -> bytes:
    """A minimal Office Open XML package (DOCX: word/document.xml, XLSX: xl/workbook.xml)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if content_types_part:
            archive.writestr("[Content_Types].xml", "<Types/>")
        if main_part:
            archive.writestr(main_part, "<document/>")
    return buffer.getvalue()


@pytest.fixture
def editor(app, make_user):
    return login_as(app, make_user("editor1", "editor"))


@pytest.fixture
def reviewer(app, make_user):
    return login_as(app, make_user("reviewer1", "reviewer"))


def form_for(kind: str, **overrides: Any) -> dict[str, Any]:
    """Valid editor form values for ``kind``."""
    values = {
        "slug": f"{kind}-test",
        "title": f"{content_types.get(kind).label}测试标题",
        "topic": "综合政务",
        "body": "第一段。\n\n第二段。",
        **{name: str(value) for name, value in BASE_FIELDS[kind].items()},
    }
    values.update(overrides)
    return values


def post_form(client, url: str, values: dict[str, Any], action: str = "save", **files: Any):
    """Post the editor form shown at ``url`` with its CSRF token, as a browser would."""
    data = {**values, "csrf_token": csrf(client, url), "action": action}
    for key, value in files.items():  # (bytes, file name) for a file, else a plain value
        data[key] = (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
    return client.post(url, data=data, content_type="multipart/form-data")


def post_action(client, doc_id: int, step: str, **data: Any):
    token = csrf(client, f"/admin/documents/{doc_id}/")
    return client.post(f"/admin/documents/{doc_id}/{step}", data={"csrf_token": token, **data})


def create(client, kind: str = "news", **overrides: Any) -> int:
    response = post_form(client, f"/admin/documents/new/{kind}", form_for(kind, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/admin/documents/(\d+)/$", response.headers["Location"]).group(1))


def fetch(app, doc_id: int) -> dict[str, Any]:
    """A document's state, read in a fresh app context."""
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        return {
            "status": doc.status,
            "title": doc.title,
            "body": doc.body,
            "extra": dict(doc.extra),
            "revisions": len(doc.revisions),
            "attachments": [
                (a.id, a.title, a.filename, a.mime_type, a.stored_name) for a in doc.attachments
            ],
        }


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


# --- writing -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(content_types.REGISTRY))
def test_editor_creates_a_draft_of_every_kind(app, editor, kind):
    doc_id = create(editor, kind)
    saved = fetch(app, doc_id)
    assert saved["status"] == "draft" and saved["revisions"] == 1
    assert set(saved["extra"]) == set(BASE_FIELDS[kind])
    html = editor.get(f"/admin/documents/{doc_id}/").get_data(as_text=True)
    assert "草稿" in html and "已保存" in html and content_types.get(kind).label in html


def test_a_blank_slug_is_generated(app, editor):
    doc_id = create(editor, "news", slug="")
    with app.app_context():
        slug = db.session.get(Document, doc_id).slug
    assert re.fullmatch(r"\d{8}-[0-9a-f]{6}", slug)


def test_the_form_is_built_from_the_registry(editor):
    html = editor.get("/admin/documents/new/policy").get_data(as_text=True)
    assert "发文字号（必填）" in html and "政策解读" in html
    assert re.search(r'<input[^>]*id="issued_on"[^>]*type="date"', html)
    assert re.search(r'<select[^>]*id="validity"', html) and ">已修订</option>" in html
    finance = editor.get("/admin/documents/new/finance").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="fiscal_year"[^>]*inputmode="numeric"', finance)
    assert 'enctype="multipart/form-data"' in finance
    faq = editor.get("/admin/documents/new/faq").get_data(as_text=True)
    assert '<label for="body">解答</label>' in faq
    assert editor.get("/admin/documents/new/nonsense").status_code == 404


def test_invalid_input_names_each_field_and_stores_nothing(app, editor):
    values = form_for("policy", doc_number="", issued_on="2024-02-30", title="保留我输入的标题")
    response = post_form(editor, "/admin/documents/new/policy", values)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "发文字号：必填" in html and "成文日期：日期格式无效" in html
    assert "请修改以下 2 处内容" in html and 'href="#doc_number"' in html
    assert 'value="保留我输入的标题"' in html
    assert count(app, Document) == 0 and count(app, DocumentRevision) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fiscal_year", "二〇二四", "资金年度：应为整数"),
        ("fiscal_year", "9" * 40, "资金年度：不能大于 2100"),
        ("amount", "-5", "金额（元）：应为不小于 0 的金额"),
        ("amount", "NaN", "金额（元）：应为不小于 0 的金额"),
        ("amount", "12.345", "金额（元）：金额最多两位小数"),
        ("topic", "<script>", "主题分类：应为以下之一"),
        ("slug", "../../etc", "标识：只能包含"),
        ("tags", "、".join(f"标签{i}" for i in range(11)), "标签：最多 10 个"),
        ("title", "\x00", "标题：必填"),
    ],
)
def test_odd_input_is_a_400_with_a_message_never_a_500(app, editor, field, value, message):
    response = post_form(
        editor, "/admin/documents/new/finance", form_for("finance", **{field: value})
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Document) == 0


def test_preview_without_javascript_renders_markdown_and_stores_nothing(app, editor):
    values = form_for("news", body="## 小标题\n\n**重点**内容\n\n<script>alert(1)</script>")
    response = post_form(editor, "/admin/documents/new/news", values, action="preview")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h2>小标题</h2>" in html and "<strong>重点</strong>" in html
    assert "<script>alert(1)" not in html
    assert 'value="news-test"' in html  # the form comes back filled in
    assert count(app, Document) == 0


def test_live_preview_returns_a_sanitised_fragment(editor):
    token = csrf(editor, "/admin/documents/new/news")
    body = '**粗**\n\n<script>alert("x")</script>\n\n[链接](javascript:alert(1))'
    response = editor.post("/admin/documents/preview", data={"csrf_token": token, "body": body})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<strong>粗</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    too_long = "字" * 200_001
    response = editor.post("/admin/documents/preview", data={"csrf_token": token, "body": too_long})
    assert response.status_code == 400


def test_live_preview_shows_a_message_not_an_error_page(live_server, browser, make_user):
    make_user("editor1", "editor")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    browser_support.sign_in(page, live_server, "editor1")
    page.goto(f"{live_server}/admin/documents/new/news")
    failing = "<h1>系统繁忙</h1>"
    page.route(
        "**/admin/documents/preview",
        lambda route: route.fulfill(status=500, content_type="text/html", body=failing),
    )
    page.get_by_label("正文").fill("街道开展**消防**检查。")
    message = page.locator("#preview .preview-body p.error")
    message.wait_for()
    assert "暂时无法预览" in message.inner_text()
    assert page.locator("#preview h1").count() == 0  # the error page was not put in
    page.unroute("**/admin/documents/preview")
    page.get_by_label("正文").fill("街道开展**消防安全**检查。")
    page.locator("#preview .preview-body strong", has_text="消防安全").wait_for()
    assert page.locator("#preview .preview-body p.error").count() == 0
    context.close()


def test_edit_keeps_a_published_document_published_and_records_the_note(app, editor, reviewer):
    doc_id = create(editor)
    assert post_action(reviewer, doc_id, "publish").status_code == 302
    url = f"/admin/documents/{doc_id}/edit"
    page = reviewer.get(url).get_data(as_text=True)
    assert "这条信息已经发布" in page and "保存并提交审核" not in page
    values = form_for("news", title="改过的标题", note="更正标题错字")
    del values["slug"]
    assert post_form(reviewer, url, values).status_code == 302
    saved = fetch(app, doc_id)
    assert saved["status"] == "published" and saved["title"] == "改过的标题"
    history = reviewer.get(f"/admin/documents/{doc_id}/").get_data(as_text=True)
    assert "更正标题错字" in history and "修改" in history


@pytest.mark.parametrize("status", ["in_review", "published"])
def test_an_editor_cannot_change_a_document_in_review_or_published(
    app, client, editor, reviewer, status
):
    doc_id = create(editor, slug="live", title="审核过的标题", body="审核过的正文")
    step, by = ("submit", editor) if status == "in_review" else ("publish", reviewer)
    assert post_action(by, doc_id, step).status_code == 302
    before = fetch(app, doc_id)
    url = f"/admin/documents/{doc_id}/edit"
    refused = "已提交审核或已发布的信息只能由审核人员修改"

    page = editor.get(url)
    assert page.status_code == 409 and refused in page.get_data(as_text=True)
    values = form_for("news", title="编辑擅自修改的标题", body="未经审核的新正文")
    del values["slug"]
    token = csrf(editor, "/admin/documents/new/news")
    response = editor.post(
        url, data={**values, "csrf_token": token}, content_type="multipart/form-data"
    )
    assert response.status_code == 409 and refused in response.get_data(as_text=True)
    assert fetch(app, doc_id) == before
    if status == "published":
        assert "未经审核的新正文" not in client.get("/news/live").get_data(as_text=True)

    # Neither the history page nor the list offers editors the edit link; reviewers get it.
    link = f'href="{url}"'
    assert link not in editor.get(f"/admin/documents/{doc_id}/").get_data(as_text=True)
    assert link not in editor.get("/admin/documents/").get_data(as_text=True)
    assert link in reviewer.get(f"/admin/documents/{doc_id}/").get_data(as_text=True)
    assert reviewer.get(url).status_code == 200

    # The rule is the publishing service's: any caller that says who edits gets it.
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        with pytest.raises(InvalidTransition, match=refused):
            publishing.update(doc, {"title": "改"}, actor=staff("editor1", "editor"))
        publishing.update(doc, {"title": "审核人员修改"}, actor=staff("reviewer1", "reviewer"))
    assert fetch(app, doc_id)["title"] == "审核人员修改"


# --- workflow ----------------------------------------------------------------------------


def test_editor_submits_reviewer_publishes_residents_find_it(app, client, editor, reviewer):
    doc_id = create(editor, "news", slug="lajifenlei", title="东晓街道垃圾分类宣传周活动")
    assert post_action(editor, doc_id, "submit").status_code == 302
    assert fetch(app, doc_id)["status"] == "in_review"
    page = editor.get(f"/admin/documents/{doc_id}/").get_data(as_text=True)
    assert "待审核" in page and "/publish" not in page  # no publish button for editors
    assert post_action(editor, doc_id, "publish").status_code == 403
    assert fetch(app, doc_id)["status"] == "in_review"
    assert "东晓街道垃圾分类宣传周活动" not in client.get("/news/").get_data(as_text=True)

    assert post_action(reviewer, doc_id, "publish").status_code == 302
    assert fetch(app, doc_id)["status"] == "published"
    assert "东晓街道垃圾分类宣传周活动" in client.get("/news/").get_data(as_text=True)
    assert "/news/lajifenlei" in client.get("/search?q=垃圾分类").get_data(as_text=True)
    assert "东晓街道垃圾分类宣传周活动" in client.get("/feeds/news.rss").get_data(as_text=True)
    history = reviewer.get(f"/admin/documents/{doc_id}/").get_data(as_text=True)
    assert 'href="/news/lajifenlei"' in history  # link to the public page


def test_save_and_submit_in_one_step(app, editor):
    values = form_for("notice")
    response = post_form(editor, "/admin/documents/new/notice", values, action="submit")
    assert response.status_code == 302
    doc_id = int(re.search(r"(\d+)/$", response.headers["Location"]).group(1))
    assert fetch(app, doc_id)["status"] == "in_review"


def test_reviewer_withdraws_with_a_reason(app, client, editor, reviewer):
    doc_id = create(editor, slug="to-withdraw", title="将被撤回的动态")
    post_action(reviewer, doc_id, "publish")
    url = f"/admin/documents/{doc_id}/withdraw"
    assert editor.get(url).status_code == 403
    assert reviewer.get(url).status_code == 200
    token = csrf(reviewer, url)
    response = reviewer.post(url, data={"csrf_token": token, "reason": "  "})
    assert response.status_code == 400 and "撤回原因：必填" in response.get_data(as_text=True)
    response = reviewer.post(url, data={"csrf_token": token, "reason": "长" * 501})
    assert response.status_code == 400 and "不能超过 500 个字" in response.get_data(as_text=True)
    assert fetch(app, doc_id)["status"] == "published"
    response = reviewer.post(url, data={"csrf_token": token, "reason": "活动延期，信息已过时"})
    assert response.status_code == 302
    assert fetch(app, doc_id)["status"] == "withdrawn"
    assert "活动延期，信息已过时" in client.get("/news/to-withdraw").get_data(as_text=True)
    assert "将被撤回的动态" not in client.get("/news/").get_data(as_text=True)


def test_forbidden_transitions_are_409_and_change_nothing(app, editor, reviewer):
    draft = create(editor, slug="draft")
    published = create(editor, slug="published")
    withdrawn = create(editor, slug="withdrawn")
    for doc_id in (published, withdrawn):
        post_action(reviewer, doc_id, "publish")
    post_action(reviewer, withdrawn, "withdraw", reason="过时")
    before = {d: fetch(app, d) for d in (draft, published, withdrawn)}

    assert post_action(reviewer, withdrawn, "publish").status_code == 409
    assert post_action(editor, published, "submit").status_code == 409
    assert post_action(reviewer, draft, "withdraw", reason="不该撤回").status_code == 409
    assert reviewer.get(f"/admin/documents/{draft}/withdraw").status_code == 409
    assert editor.get(f"/admin/documents/{withdrawn}/edit").status_code == 409
    token = csrf(editor, f"/admin/documents/{draft}/edit")
    response = editor.post(
        f"/admin/documents/{withdrawn}/edit",
        data={"csrf_token": token, "title": "复活", "topic": "综合政务"},
    )
    assert response.status_code == 409 and "已撤回的信息不能再修改" in response.get_data(
        as_text=True
    )
    assert {d: fetch(app, d) for d in before} == before
    assert editor.get("/admin/documents/99999/").status_code == 404


def test_every_post_needs_the_csrf_token(app, reviewer):
    doc_id = create(reviewer)
    before = fetch(app, doc_id)
    posts = {
        "/admin/documents/new/news": form_for("news", slug="forged"),
        f"/admin/documents/{doc_id}/edit": {"title": "伪造", "topic": "综合政务"},
        "/admin/documents/preview": {"body": "x"},
        f"/admin/documents/{doc_id}/submit": {},
        f"/admin/documents/{doc_id}/publish": {},
        f"/admin/documents/{doc_id}/withdraw": {"reason": "伪造"},
    }
    for url, data in posts.items():
        assert reviewer.post(url, data=data).status_code == 400, url
    assert fetch(app, doc_id) == before and count(app, Document) == 1


def test_every_action_leaves_an_audit_row_with_the_address(app, editor, reviewer):
    doc_id = create(editor)
    values = form_for("news", title="第二稿")
    del values["slug"]
    post_form(editor, f"/admin/documents/{doc_id}/edit", values)
    post_action(editor, doc_id, "submit")
    post_action(reviewer, doc_id, "publish")
    post_action(reviewer, doc_id, "withdraw", reason="过时")
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AuditRecord)
            .where(AuditRecord.target_type == "document")
            .order_by(AuditRecord.id)
        ).all()
        assert [(r.action, r.actor) for r in rows] == [
            ("created", "editor1"),
            ("updated", "editor1"),
            ("submitted", "editor1"),
            ("published", "reviewer1"),
            ("withdrawn", "reviewer1"),
        ]
        assert {r.target_id for r in rows} == {doc_id}
        assert {r.ip for r in rows} == {"127.0.0.1"}


# --- list --------------------------------------------------------------------------------


def test_list_filters_and_links(app, editor, reviewer):
    news = create(editor, "news", slug="a", title="社区消防演练")
    faq = create(editor, "faq", slug="b", title="如何办理居住证")
    post_action(reviewer, news, "publish")
    html = editor.get("/admin/documents/").get_data(as_text=True)
    assert "社区消防演练" in html and "如何办理居住证" in html
    assert html.index("社区消防演练") < html.index("如何办理居住证")  # newest change first
    assert f'href="/admin/documents/{news}/edit"' not in html  # published: reviewers only
    assert f'href="/admin/documents/{faq}/edit"' in html
    reviewer_list = reviewer.get("/admin/documents/").get_data(as_text=True)
    assert f'href="/admin/documents/{news}/edit"' in reviewer_list
    for kind in content_types.REGISTRY:
        assert f'href="/admin/documents/new/{kind}"' in html
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)
    only_faq = editor.get("/admin/documents/?kind=faq").get_data(as_text=True)
    assert "如何办理居住证" in only_faq and "社区消防演练" not in only_faq
    published = editor.get("/admin/documents/?status=published").get_data(as_text=True)
    assert "社区消防演练" in published and "如何办理居住证" not in published
    found = editor.get("/admin/documents/?q=居住").get_data(as_text=True)
    assert "如何办理居住证" in found and "社区消防演练" not in found
    assert "没有符合条件" in editor.get("/admin/documents/?q=%25").get_data(as_text=True)
    for bad in ("page=abc", "page=0", "page=99", "kind=nope", "status=nope"):
        assert editor.get(f"/admin/documents/?{bad}").status_code == 404, bad


def test_control_characters_in_the_title_search_are_dropped(app, editor):
    create(editor, "faq", slug="b", title="如何办理居住证")
    found = editor.get("/admin/documents/?q=居住%00证%1F")
    assert found.status_code == 200 and "如何办理居住证" in found.get_data(as_text=True)


HUGE = "99999999999999999999"  # past any database integer


def test_ids_out_of_range_are_404_not_500(app, client, editor, reviewer):
    doc_id = create(editor)
    for number in (HUGE, str(2**31), "0"):
        for url in (
            f"/admin/documents/{number}/",
            f"/admin/documents/{number}/edit",
            f"/admin/documents/{number}/diff",
            f"/admin/documents/{doc_id}/attachments/{number}",
        ):
            assert editor.get(url).status_code == 404, url
        assert reviewer.get(f"/admin/documents/{number}/withdraw").status_code == 404
        token = csrf(reviewer, f"/admin/documents/{doc_id}/")
        published = reviewer.post(f"/admin/documents/{number}/publish", data={"csrf_token": token})
        assert published.status_code == 404
        assert client.get(f"/attachments/{number}/x.pdf").status_code == 404


def test_list_runs_a_bounded_number_of_statements(app, editor, count_queries):
    def make(n: int) -> None:
        with app.app_context():
            for i in range(n):
                doc = publishing.create(
                    "news",
                    f"n-{n}-{i}",
                    {"title": f"动态{i}", "topic": "综合政务"},
                    actor=staff("t"),
                )
                publishing.update(doc, {"summary": "改"}, actor=staff("t"))

    make(2)
    with count_queries() as few:
        assert editor.get("/admin/documents/").status_code == 200
    make(25)
    with count_queries() as many:
        assert editor.get("/admin/documents/").status_code == 200
    assert len(many) == len(few) <= 6


# --- attachments -------------------------------------------------------------------------


def test_pdf_upload_is_stored_by_hash_and_downloadable(app, client, editor, reviewer):
    response = post_form(
        editor,
        "/admin/documents/new/news",
        form_for("news", slug="with-pdf"),
        attachment_file_0=(PDF, "2024年工作计划.pdf"),
        attachment_title_0="工作计划全文",
    )
    assert response.status_code == 302
    doc_id = int(re.search(r"(\d+)/$", response.headers["Location"]).group(1))
    ((attachment_id, title, filename, mime, stored),) = fetch(app, doc_id)["attachments"]
    assert (title, filename, mime) == ("工作计划全文", "2024年工作计划.pdf", "application/pdf")
    assert re.fullmatch(r"[0-9a-f]{64}\.pdf", stored)
    assert [p.name for p in stored_files(app)] == [stored]  # the temporary copy is gone

    staff_url = f"/admin/documents/{doc_id}/attachments/{attachment_id}"
    with editor.get(staff_url) as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.mimetype == "application/pdf"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.get(staff_url).status_code == 302  # residents are sent to the login page
    assert (
        editor.get(f"/admin/documents/{doc_id + 1}/attachments/{attachment_id}").status_code == 404
    )

    public = client.get("/news/with-pdf")
    assert public.status_code == 404  # a draft is not public, nor are its files
    post_action(reviewer, doc_id, "publish")
    html = client.get("/news/with-pdf").get_data(as_text=True)
    url = re.search(r'href="(/attachments/[^"]+)" download', html).group(1)
    with client.get(url) as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("content", "name"),
    [(EXE, "setup.pdf"), (HTML, "page.pdf"), (EXE, "setup.exe"), (OLE2, "installer.doc")],
)
def test_disguised_files_are_refused_and_nothing_is_kept(app, editor, content, name):
    response = post_form(
        editor,
        "/admin/documents/new/news",
        form_for("news"),
        attachment_file_0=(content, name),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"附件 {name}：不支持的文件类型，仅接受 PDF、Word、Excel 和图片" in html
    assert count(app, Document) == 0 and count(app, Attachment) == 0
    assert stored_files(app) == []


def test_a_file_over_the_limit_is_refused(app, editor):
    app.config["UPLOAD_MAX_MB"] = 0.01
    big = PDF + b"0" * 20_000
    response = post_form(
        editor,
        "/admin/documents/new/news",
        form_for("news"),
        attachment_file_0=(big, "大文件.pdf"),
    )
    assert response.status_code == 400
    assert "附件 大文件.pdf：文件超过 0.01 MB 的大小上限" in response.get_data(as_text=True)
    assert count(app, Document) == 0 and stored_files(app) == []


def test_a_refused_file_leaves_an_existing_document_unchanged(app, editor):
    doc_id = create(editor)
    before = fetch(app, doc_id)
    values = form_for("news", title="不应保存")
    del values["slug"]
    response = post_form(
        editor, f"/admin/documents/{doc_id}/edit", values, attachment_file_1=(HTML, "x.png")
    )
    assert response.status_code == 400 and 'id="attachment_file_1-error"' in response.get_data(
        as_text=True
    )
    assert fetch(app, doc_id) == before and stored_files(app) == []


def test_office_files_are_recognised_by_their_content(app, editor):
    docx = office_zip("word/document.xml")
    xlsx = office_zip("xl/workbook.xml")
    response = post_form(
        editor,
        "/admin/documents/new/finance",
        form_for("finance"),
        attachment_file_0=(docx, "说明.docx"),
        attachment_file_1=(xlsx, "明细表.xlsx"),
        attachment_file_2=(PDF, "附表"),  # no extension: named after its real type
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    doc_id = int(re.search(r"(\d+)/$", response.headers["Location"]).group(1))
    attachments = fetch(app, doc_id)["attachments"]
    assert [(a[1], a[2], a[3]) for a in attachments] == [
        ("说明", "说明.docx", uploads.DOCX.mime),
        ("明细表", "明细表.xlsx", uploads.XLSX.mime),
        ("附表", "附表.pdf", "application/pdf"),
    ]
    assert [a[4].rsplit(".", 1)[1] for a in attachments] == ["docx", "xlsx", "pdf"]


def test_attachments_can_be_added_and_removed(app, editor):
    response = post_form(
        editor,
        "/admin/documents/new/news",
        form_for("news"),
        attachment_file_0=(PDF, "一.pdf"),
        attachment_file_1=(PDF + b"%2", "二.pdf"),
    )
    doc_id = int(re.search(r"(\d+)/$", response.headers["Location"]).group(1))
    first, second = fetch(app, doc_id)["attachments"]
    url = f"/admin/documents/{doc_id}/edit"
    values = form_for("news")
    del values["slug"]
    assert (
        post_form(editor, url, values, attachment_file_0=(PDF + b"%3", "三.pdf")).status_code == 302
    )
    kept = fetch(app, doc_id)["attachments"]
    assert [a[2] for a in kept] == ["一.pdf", "二.pdf", "三.pdf"]
    assert kept[:2] == [first, second]  # same rows: public links stay valid
    values["remove_attachment"] = str(first[0])
    assert post_form(editor, url, values).status_code == 302
    assert [a[2] for a in fetch(app, doc_id)["attachments"]] == ["二.pdf", "三.pdf"]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (PDF, "a.txt", uploads.PDF),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, "a.png", uploads.PNG),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 8, "a.jpeg", uploads.JPEG),
        (b"GIF89a" + b"\x00" * 8, "a.gif", uploads.GIF),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "a.webp", uploads.WEBP),
        (OLE2 + "WordDocument".encode("utf-16-le"), "a.doc", uploads.DOC),
        (OLE2 + "Workbook".encode("utf-16-le"), "a.xls", uploads.XLS),
        (OLE2 + "Workbook".encode("utf-16-le"), "a.msi", None),
        (OLE2 + "Workbook".encode("utf-16-le"), "a.doc", None),
        (office_zip("word/document.xml"), "a.docx", uploads.DOCX),
        (office_zip("word/document.xml", content_types_part=False), "a.docx", None),
        (office_zip(None), "a.xlsx", None),
        (b"PK\x03\x04 broken zip", "a.docx", None),
        (EXE, "a.pdf", None),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", "a.webp", None),
    ],
)
def test_detect_reads_the_content_not_the_name(tmp_path, content, name, expected):
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    assert uploads.detect(path, name) == expected


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("报告.PDF", "报告.PDF"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\me\\计划.docx", "计划.docx.pdf"),
        (".pdf", "pdf.pdf"),
        ("", "附件.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("\u202efdp.exe", "fdp.exe.pdf"),
        ("长" * 300 + ".pdf", "长" * 196 + ".pdf"),
    ],
)
def test_download_names_are_safe_and_match_the_real_type(name, shown):
    assert uploads.safe_filename(name, uploads.PDF) == shown


# --- history and diff --------------------------------------------------------------------


def test_history_lists_revisions_in_chinese(app, editor, reviewer):
    doc_id = create(editor)
    post_action(editor, doc_id, "submit")
    post_action(reviewer, doc_id, "publish")
    html = reviewer.get(f"/admin/documents/{doc_id}/").get_data(as_text=True)
    for label in ("新建", "提交审核", "发布"):
        assert f"<td>{label}</td>" in html
    assert "editor1" in html and "reviewer1" in html
    assert f'href="/admin/documents/{doc_id}/diff?a=2&amp;b=3"' in html
    assert f'href="/admin/documents/{doc_id}/withdraw"' in html  # reviewers may withdraw
    editor_view = editor.get(f"/admin/documents/{doc_id}/").get_data(as_text=True)
    assert "/withdraw" not in editor_view


def test_diff_shows_changed_fields_and_body_lines_escaped(app, editor):
    body = "\n".join(f"第{i}行" for i in range(1, 11))
    doc_id = create(editor, title="原来的标题", body=body)
    values = form_for(
        "news",
        title="<b>新的</b>标题",
        body=body.replace("第5行", "<script>alert(1)</script>"),
        tags="防汛，安全",
    )
    del values["slug"]
    post_form(editor, f"/admin/documents/{doc_id}/edit", values)
    response = editor.get(f"/admin/documents/{doc_id}/diff")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<del>原来的标题</del>" in html and "<ins>&lt;b&gt;新的&lt;/b&gt;标题</ins>" in html
    assert '<th scope="row">标签</th>' in html and "防汛、安全" in html
    assert re.search(r"<del><span[^>]*>− </span>第5行</del>", html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html
    assert "<script>alert" not in html and "<b>新的" not in html
    assert "第1行" not in html  # far from the change: left out
    assert "第2行" in html  # context around the change
    same = editor.get(f"/admin/documents/{doc_id}/diff?a=2&b=2").get_data(as_text=True)
    assert "信息项没有变化" in same and "正文没有变化" in same


def test_diff_with_one_revision_or_bad_numbers(app, editor):
    doc_id = create(editor)
    response = editor.get(f"/admin/documents/{doc_id}/diff")
    assert response.status_code == 200
    assert "没有可以比较的内容" in response.get_data(as_text=True)
    for query in ("a=abc&b=1", "a=1&b=9", "a=-1&b=1", "a=1&b=1.5", "a=0&b=1", "b=1"):
        assert editor.get(f"/admin/documents/{doc_id}/diff?{query}").status_code == 404, query
    assert editor.get("/admin/documents/424242/diff").status_code == 404


def test_a_huge_rewrite_is_summarised_not_compared_line_by_line(app, editor):
    lines = [f"{i:06d}政府信息公开条例第十条" for i in range(12_000)]
    old = "\n".join(lines)[:200_000]
    new = "\n".join(reversed(lines))[:200_000]
    with app.app_context():
        doc = publishing.create("news", "long", {**form_for("news"), "body": old}, actor=staff("t"))
        publishing.update(doc, {"body": new}, actor=staff("t"))
        doc_id = doc.id
    response = editor.get(f"/admin/documents/{doc_id}/diff")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "正文改动较大，仅显示前后字数：第 1 版 200000 字，第 2 版 200000 字" in html
    assert "diff-del" not in html and "diff-ins" not in html


def test_a_long_diff_shows_at_most_500_rows(app, editor):
    old = "\n".join(f"旧的第{i}行" for i in range(1_500))
    new = "\n".join(f"新的第{i}行" for i in range(1_500))
    with app.app_context():
        doc = publishing.create(
            "news", "rewritten", {**form_for("news"), "body": old}, actor=staff("t")
        )
        publishing.update(doc, {"body": new}, actor=staff("t"))
        doc_id = doc.id
    html = editor.get(f"/admin/documents/{doc_id}/diff").get_data(as_text=True)
    shown = len(re.findall(r'<tr class="diff-(?:del|ins|gap)">', html))
    assert shown == 500 and "只显示前 500 行，其余 2500 行未显示" in html


def test_saving_and_the_history_read_no_revision_snapshots(app, editor, count_queries):
    doc_id = create(editor, body="第一版")
    with app.app_context():
        for i in range(2, 5):
            publishing.update(
                db.session.get(Document, doc_id), {"body": f"第{i}版"}, actor=staff("t")
            )
    url = f"/admin/documents/{doc_id}/edit"
    values = form_for("news", body="第五版")
    del values["slug"]
    data = {**values, "csrf_token": csrf(editor, url), "action": "submit"}

    def snapshots(statements: list[str]) -> list[str]:
        return [s for s in statements if "document_revision.snapshot" in s]

    with count_queries() as statements:
        saved = editor.post(url, data=data, content_type="multipart/form-data")
    assert saved.status_code == 302 and snapshots(statements) == []
    with count_queries() as statements:
        history = editor.get(f"/admin/documents/{doc_id}/")
    assert history.status_code == 200 and snapshots(statements) == []
    assert "第 6 版" in history.get_data(as_text=True)
    with app.app_context():
        numbers = db.session.scalars(
            sa.select(DocumentRevision.number)
            .where(DocumentRevision.document_id == doc_id)
            .order_by(DocumentRevision.number)
        ).all()
        assert numbers == [1, 2, 3, 4, 5, 6]  # created, 3 updates, update + submit
