"""The applicant's side of an information request: a 补正 sent online from /track, the
answer's files downloaded with the number and code, the 救济 wording, the receipt (回执)."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.audit import AuditRecord
from portal.auth.actor import SYSTEM
from portal.creditcode import check_char
from portal.disclosure import guide
from portal.extensions import db
from portal.interaction import calendar, info_requests, submissions
from portal.interaction.models import InfoRequest, RequestEvent, RequestFile
from portal.ops import retention
from portal.orgs import directory, service
from portal.outbox.models import Notification
from portal.states import RequestEventKind
from tests import browser_support
from tests.actors import staff
from tests.clock import frozen
from tests.staff import csrf, login_as
from tests.synthetic_ids import make_id

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ID_NUMBER = make_id()
PHONE = "13912345678"
RECEIVED = date(2024, 9, 2)  # a Monday
ASKED = date(2024, 9, 4)
ANSWERED = date(2024, 9, 10)
D = "%Y年%m月%d日"


# -- helpers ----------------------------------------------------------------------------

#: The request the tests file, as the applicant types it.
REQUEST = {
    "applicant_type": "person",
    "name": "李四海",
    "id_type": "居民身份证",
    "id_number": ID_NUMBER,
    "phone": PHONE,
    "email": "lisihai@example.com",
    "description": "2024年东晓街道道路维修资金使用情况",
    "medium": "电子",
    "delivery": "电子邮件",
}


def new_request(
    app, key: str, *, on: date = RECEIVED, org_id: int | None = None, **fields: str
) -> tuple:
    """(id, tracking number, query code) of a request received on ``on``."""
    data = {**REQUEST, **fields}
    with app.app_context(), frozen(on):
        sub = submissions.submit_request(data, form_token=key, org_id=org_id)
        item = db.session.scalar(
            sa.select(InfoRequest).where(InfoRequest.tracking_no == sub.tracking_no)
        )
        return item.id, sub.tracking_no, sub.code


def ask_supplement(app, request_id: int, note: str = "请写明所需文件的文号或者形成时间。") -> None:
    with app.app_context():
        item = db.session.get(InfoRequest, request_id)
        info_requests.request_supplement(item, note=note, actor=staff("handler"), on=ASKED)


def track(client, number: str, code: str):
    token = csrf(client, "/track")
    return client.post("/track", data={"csrf_token": token, "tracking_no": number, "code": code})


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    assert found, f"no {name} on the page"
    return unescape(found.group(1))


def page_tokens(html: str) -> dict[str, str]:
    return {"csrf_token": hidden(html, "csrf_token"), "access": hidden(html, "access")}


def supplement(client, html: str, text: str = "所需文件为深罗东办〔2024〕12号。", **files):
    data = {**page_tokens(html), "text": text}
    for name, (content, filename) in files.items():
        data[name] = (io.BytesIO(content), filename)
    return client.post("/track/supplement", data=data, content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / "requests"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, css: str) -> str:
    start = html.index(f'<section class="{css}"')
    return html[start : html.index("</section>", start)]


def add_org(app, code: str, short: str) -> int:
    first = "11440303MB2D00001"
    with app.app_context():
        org = service.create(
            SYSTEM,
            code=code,
            name=f"深圳市罗湖区{short}办事处",
            short_name=short,
            kind="street",
            credit_code=first + check_char(first),
        )
        directory.forget()
        return org.id


@pytest.fixture
def handler(app, make_user):
    return login_as(app, make_user("handler1", "handler"))


def close_with_files(app, handler, request_id: int, *files: tuple[bytes, str], **fields):
    url = f"/admin/requests/{request_id}"
    values = {
        "csrf_token": csrf(handler, url),
        "outcome": "disclosed",
        "reply": "经审查，您申请的信息予以公开，详见答复文件。",
        **fields,
    }
    for index, (content, name) in enumerate(files):
        key = f"reply_file_{index}"
        values[key] = FileStorage(io.BytesIO(content), name, key)
    boundary, body = encode_multipart(values)
    return handler.post(
        f"{url}/close", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


# -- 补正 online --------------------------------------------------------------------------


def test_the_supplement_note_and_form_show_with_the_right_code_only(app, client):
    request_id, number, code = new_request(app, "k1")
    ask_supplement(app, request_id)
    right = track(client, number, code).get_data(as_text=True)
    assert "请写明所需文件的文号或者形成时间。" in right
    assert 'action="/track/supplement"' in right and 'enctype="multipart/form-data"' in right
    assert "提交补正" in right and "收到补正后重新计算" in right
    assert code not in right  # the page carries an access token, never the code
    wrong = track(client, number, "WRONGCOD").get_data(as_text=True)
    assert "没有找到对应的记录" in wrong
    assert "请写明所需文件的文号" not in wrong and 'action="/track/supplement"' not in wrong


def test_answering_restarts_the_clock_stores_text_and_files_and_tells_everyone(
    app, client, handler
):
    request_id, number, code = new_request(app, "k1")
    ask_supplement(app, request_id)
    page = track(client, number, code).get_data(as_text=True)
    with frozen(ANSWERED):
        done = supplement(client, page, supplement_file_0=(PDF, "补正材料.pdf"))
    html = done.get_data(as_text=True)
    assert done.status_code == 200, html
    assert done.headers["Cache-Control"] == "no-store"
    new_due = calendar.due_date(ANSWERED, limit=20)
    assert "已收到您的补正" in html
    assert f"{ANSWERED:{D}}（答复期限自该日起重新计算）" in text_of(html)
    assert f"答复期限 {new_due:{D}}" in text_of(html)
    assert "下载 补正材料.pdf" in html and 'action="/track/supplement"' not in html

    with app.app_context():
        item = db.session.get(InfoRequest, request_id)
        assert item.status == "received"
        assert (item.receipt_date, item.due_date) == (ANSWERED, new_due)
        event = item.events[-1]
        assert (event.kind, event.actor, event.day) == (
            RequestEventKind.SUPPLEMENT_RECEIVED,
            "applicant",
            ANSWERED,
        )
        assert event.note == "所需文件为深罗东办〔2024〕12号。"
        (row,) = item.files
        assert (row.kind, row.filename, row.mime_type, row.event_id) == (
            "supplement",
            "补正材料.pdf",
            "application/pdf",
            event.id,
        )
        path = Path(app.config["UPLOAD_DIR"]) / row.stored_name
        assert path.read_bytes() == PDF and path.parent.name == "requests"
        assert "static" not in path.parts
        mail = db.session.scalar(
            sa.select(Notification).where(
                Notification.item_id == request_id, Notification.event == "supplement_received"
            )
        )
        assert mail is not None and mail.recipient == "lisihai@example.com"
        assert f"{new_due.year}年{new_due.month}月{new_due.day}日" in mail.text_body
        audit = db.session.scalar(
            sa.select(AuditRecord).where(AuditRecord.action == "supplement_submitted")
        )
        assert (audit.actor, audit.target_id, audit.detail["files"]) == ("申请人", request_id, 1)

    # The handler sees it: flagged on the list, the text, the file and the restart.
    listing = handler.get("/admin/requests/").get_data(as_text=True)
    assert "申请人已网上补正" in listing
    detail = handler.get(f"/admin/requests/{request_id}").get_data(as_text=True)
    assert "在网上提交补正" in detail and "所需文件为深罗东办〔2024〕12号。" in detail
    assert "收到补正材料，重新计时（申请人网上提交）" in detail
    assert "申请人网上提交补正" in detail  # the record of actions
    link = re.search(rf'href="(/admin/requests/{request_id}/files/\d+)">补正材料.pdf<', detail)
    with handler.get(link.group(1)) as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["Cache-Control"] == "no-store"
        assert "ETag" not in download.headers and "Last-Modified" not in download.headers


@pytest.mark.parametrize(
    ("content", "filename", "max_mb", "message"),
    [
        (
            b"MZ\x90\x00 not a document",
            "补正.pdf",
            20.0,
            "不支持的文件类型，仅接受 PDF、Word、Excel 和图片",
        ),
        (PDF + b"0" * 4096, "大文件.pdf", 0.002, "文件超过 0.002 MB 的大小上限"),
        (b"", "空的.pdf", 20.0, "文件是空的"),
    ],
)
def test_refused_files_get_a_chinese_message_and_nothing_is_stored(
    app, client, content, filename, max_mb, message
):
    app.config["UPLOAD_MAX_MB"] = max_mb
    request_id, number, code = new_request(app, "k1")
    ask_supplement(app, request_id)
    page = track(client, number, code).get_data(as_text=True)
    refused = supplement(
        client, page, text="补正的文字留着。", supplement_file_1=(content, filename)
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert message in html and filename in html
    assert "补正的文字留着。" in html  # what was typed stays
    assert 'aria-invalid="true"' in html
    with app.app_context():
        item = db.session.get(InfoRequest, request_id)
        assert item.status == "supplement" and item.files == []
        assert db.session.scalar(sa.select(sa.func.count(RequestFile.id))) == 0
    assert stored_files(app) == []
    incoming = Path(app.config["UPLOAD_DIR"]) / ".incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []


def test_a_supplement_needs_text_or_a_file(app, client):
    request_id, number, code = new_request(app, "k1")
    ask_supplement(app, request_id)
    page = track(client, number, code).get_data(as_text=True)
    empty = supplement(client, page, text="   ")
    assert empty.status_code == 400
    assert "补正内容：请填写补正内容或上传补正材料" in empty.get_data(as_text=True)
    only_a_file = supplement(client, page, text="", supplement_file_2=(PNG, "证件照.png"))
    assert only_a_file.status_code == 200
    with app.app_context():
        item = db.session.get(InfoRequest, request_id)
        assert item.status == "received" and item.events[-1].note is None
        assert [f.filename for f in item.files] == ["证件照.png"]


def test_no_form_and_no_supplement_unless_the_office_waits_for_one(app, client):
    request_id, number, code = new_request(app, "k1")
    page = track(client, number, code).get_data(as_text=True)
    assert 'action="/track/supplement"' not in page and "提交补正" not in page
    refused = supplement(client, page)
    assert refused.status_code == 409
    assert "本申请现在不需要补正" in refused.get_data(as_text=True)
    # Once answered, a second one is refused too (the clock restarts once).
    ask_supplement(app, request_id)
    page = track(client, number, code).get_data(as_text=True)
    assert supplement(client, page).status_code == 200
    twice = supplement(client, page)
    assert twice.status_code == 409
    assert "已收到您的补正，无需再次提交" in twice.get_data(as_text=True)
    with app.app_context():
        kinds = [e.kind for e in db.session.get(InfoRequest, request_id).events]
        assert kinds.count(RequestEventKind.SUPPLEMENT_RECEIVED) == 1


def test_an_expired_page_keeps_the_text_and_asks_for_the_code_again(app, client):
    request_id, number, code = new_request(app, "k1")
    ask_supplement(app, request_id)
    page = track(client, number, code).get_data(as_text=True)
    tokens = page_tokens(page)

    # The CSRF token expired: the form again, with the text and a fresh token.
    stale = client.post(
        "/track/supplement",
        data={"csrf_token": "old", "access": tokens["access"], "text": "我写好的补正"},
        content_type="multipart/form-data",
    )
    html = stale.get_data(as_text=True)
    assert stale.status_code == 400 and "页面已过期" in html and "我写好的补正" in html
    assert "请写明所需文件的文号" in html

    # The access token is no good (too old, forged, another session's): the code again.
    for access in ("forged", tokens["access"][:-2] + "xx"):
        again = client.post(
            "/track/supplement",
            data={"csrf_token": tokens["csrf_token"], "access": access, "text": "我写好的补正"},
        )
        html = again.get_data(as_text=True)
        assert again.status_code == 400
        assert "我写好的补正" in html and 'name="code"' in html and "补正没有提交" in html

    wrong = client.post(
        "/track/supplement",
        data={
            "csrf_token": tokens["csrf_token"],
            "tracking_no": number,
            "code": "WRONGCOD",
            "text": "我写好的补正",
        },
    )
    assert wrong.status_code == 400 and "我写好的补正" in wrong.get_data(as_text=True)
    right = client.post(
        "/track/supplement",
        data={
            "csrf_token": tokens["csrf_token"],
            "tracking_no": number,
            "code": code,
            "text": "我写好的补正",
        },
    )
    assert right.status_code == 200 and "已收到您的补正" in right.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(InfoRequest, request_id).events[-1].note == "我写好的补正"


def test_an_access_token_works_only_in_its_own_session_and_until_the_code_changes(app, client):
    request_id, number, code = new_request(app, "k1")
    ask_supplement(app, request_id)
    page = track(client, number, code).get_data(as_text=True)
    access = hidden(page, "access")
    other = app.test_client()
    stolen = other.post(
        "/track/supplement",
        data={"csrf_token": csrf(other, "/track"), "access": access, "text": "别人的补正"},
    )
    assert stolen.status_code == 400 and "补正没有提交" in stolen.get_data(as_text=True)
    # A query code re-issued (找回查询码) voids the tokens made for the old one.
    with app.app_context():
        item = db.session.get(InfoRequest, request_id)
        item.code_hash = "changed"
        db.session.commit()
    after = supplement(client, page)
    assert after.status_code == 400 and "补正没有提交" in after.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(InfoRequest, request_id).status == "supplement"


def test_only_the_supplement_form_takes_files_from_residents(client):
    def upload():
        return {"text": "x", "file": (io.BytesIO(PDF), "a.pdf")}

    for url in ("/track", "/track/receipt", "/track/files/1"):
        assert client.post(url, data=upload()).status_code == 415, url
    # The 补正 form is parsed (and then refused for its missing CSRF token, storing nothing).
    assert client.post("/track/supplement", data=upload()).status_code == 400


# -- the answer's files -----------------------------------------------------------------


def test_the_answers_files_go_to_the_requester_with_number_and_code_only(
    app, client, handler, make_user
):
    request_id, number, code = new_request(app, "k1")
    other_id, other_number, other_code = new_request(app, "k2")
    closed = close_with_files(app, handler, request_id, (PDF, "告知书.pdf"), (PNG, "图纸.png"))
    assert closed.status_code == 302, closed.get_data(as_text=True)[:2000]
    with app.app_context():
        item = db.session.get(InfoRequest, request_id)
        assert item.status == "closed"
        assert [(f.kind, f.filename) for f in item.files] == [
            ("reply", "告知书.pdf"),
            ("reply", "图纸.png"),
        ]
        closing = db.session.scalar(
            sa.select(RequestEvent).where(
                RequestEvent.request_id == request_id, RequestEvent.kind == "closed"
            )
        )
        assert {f.event_id for f in item.files} == {closing.id}
        first_id = item.files[0].id

    page = track(client, number, code).get_data(as_text=True)
    assert "经审查，您申请的信息予以公开" in page and "下载 告知书.pdf" in page
    action = f"/track/files/{first_id}"
    assert f'formaction="{action}"' in page
    with client.post(action, data=page_tokens(page)) as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["Cache-Control"] == "no-store"
        assert download.headers["X-Content-Type-Options"] == "nosniff"

    # Not by guessing the address: no GET, no token, a forged one, another request's.
    assert client.get(action).status_code == 405
    assert client.post(action, data={"csrf_token": hidden(page, "csrf_token")}).status_code == 400
    forged = {**page_tokens(page), "access": "x"}
    assert client.post(action, data=forged).data != PDF
    theirs = track(client, other_number, other_code).get_data(as_text=True)
    assert client.post(action, data=page_tokens(theirs)).status_code == 404
    assert client.post("/track/files/999999", data=page_tokens(page)).status_code == 404

    # Staff of the organisation download them; staff of another one cannot.
    link = f"/admin/requests/{request_id}/files/{first_id}"
    with handler.get(link) as download:
        assert download.data == PDF
    add_org(app, "cuizhu", "翠竹街道")
    outsider = login_as(app, make_user("handler2", "handler", orgs=("cuizhu",)))
    assert outsider.get(link).status_code == 404
    assert outsider.get(f"/admin/requests/{other_id}/files/{first_id}").status_code == 404
    editor = login_as(app, make_user("editor1", "editor"))
    assert editor.get(link).status_code == 403


def test_a_refused_reply_file_closes_nothing(app, handler):
    request_id, _, _ = new_request(app, "k1")
    refused = close_with_files(app, handler, request_id, (b"#!/bin/sh\n", "告知书.pdf"))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "不支持的文件类型" in html
    assert "所选文件没有保存" in html
    with app.app_context():
        assert db.session.get(InfoRequest, request_id).status == "received"
    assert stored_files(app) == []


# -- 救济 ------------------------------------------------------------------------------


def test_the_answer_names_the_configured_review_body_and_court(app, client, handler):
    request_id, number, code = new_request(app, "k1")
    close_with_files(app, handler, request_id)
    unnamed = text_of(track(client, number, code).get_data(as_text=True))
    assert "救济途径" in unnamed
    assert "自知道或者应当知道该行政行为之日起六十日内，向行政复议机关申请（具体机关请向" in unnamed
    assert "六个月内，向有管辖权的人民法院提起（具体法院请向" in unnamed
    with app.app_context():
        code_of_home = directory.home().code
        guide.save(
            staff("chief", "admin"),
            code_of_home,
            {
                "office": "党政综合办公室",
                "review_body": "深圳市罗湖区人民政府",
                "court": "深圳市罗湖区人民法院",
            },
        )
    named = text_of(track(client, number, code).get_data(as_text=True))
    assert "自知道或者应当知道该行政行为之日起六十日内，向深圳市罗湖区人民政府申请。" in named
    assert "自知道或者应当知道作出行政行为之日起六个月内，向深圳市罗湖区人民法院提起。" in named
    assert "具体机关请向" not in named
    # The guide says it in the same words.
    guide_page = text_of(client.get("/disclosure/guide").get_data(as_text=True))
    assert "自知道或者应当知道该行政行为之日起六十日内，向深圳市罗湖区人民政府申请。" in guide_page


def test_only_partly_asked_bodies_send_the_resident_to_the_office(app, client, handler):
    with app.app_context():
        guide.save(staff("chief", "admin"), directory.home().code, {"court": "罗湖区人民法院"})
    request_id, number, code = new_request(app, "k1")
    close_with_files(app, handler, request_id)
    shown = text_of(track(client, number, code).get_data(as_text=True))
    assert "向罗湖区人民法院提起。" in shown
    assert f"具体机关请向{directory_name(app)}询问" in shown


def directory_name(app) -> str:
    with app.app_context():
        return directory.home().name


# -- the receipt (回执) ------------------------------------------------------------------


def request_form(client) -> dict[str, str]:
    html = client.get("/requests/new").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|form_token|rendered)"[^>]*value="([^"]*)"', html))
    return {**fields, **REQUEST}


def test_the_receipt_after_submitting_has_the_dates_and_no_code_in_print(app, client):
    with frozen(RECEIVED):
        done = client.post("/requests/new", data=request_form(client))
    html = done.get_data(as_text=True)
    assert done.status_code == 200, html
    number = re.search(r"YSQ-\d{4}-\d{6}", html).group(0)
    code = re.search(r"<dt>查询码</dt><dd><strong>([A-Z0-9]{8})</strong>", html).group(1)
    receipt = text_of(section(html, "receipt"))
    due = calendar.due_date(RECEIVED, limit=20)
    assert due == date(2024, 9, 30)
    assert f"查询编号 {number}" in receipt
    assert f"受理机关 {directory_name(app)}" in receipt
    assert f"收到申请日期 {RECEIVED:{D}}" in receipt
    assert f"答复期限 {due:{D}}前" in receipt
    supplement_by = calendar.add_working_days(RECEIVED, 7)
    assert f"将在 {supplement_by:{D}} 前" in receipt
    assert "最长不超过 20 个工作日" in receipt and "/track" in receipt
    assert code not in receipt and ID_NUMBER not in receipt and PHONE not in receipt
    assert "lisihai@example.com" not in receipt
    # The code is on the screen once, but not on paper.
    assert re.search(r'<section class="confirmation no-print"', html)
    assert 'media="print" href="/static/css/print.css"' in html
    assert '<script src="/static/js/print.js" defer></script>' in html
    assert 'class="print-button primary" hidden>打印回执</button>' in html


def test_the_receipt_from_tracking_shows_the_clock_as_it_stands_and_never_the_code(app, client):
    request_id, number, code = new_request(app, "k1")
    ask_supplement(app, request_id)
    page = track(client, number, code).get_data(as_text=True)
    with frozen(ANSWERED):
        supplement(client, page)
    page = track(client, number, code).get_data(as_text=True)
    shown = client.post("/track/receipt", data=page_tokens(page))
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    receipt = text_of(section(html, "receipt"))
    new_due = calendar.due_date(ANSWERED, limit=20)
    assert f"收到申请日期 {RECEIVED:{D}}" in receipt
    assert f"收到补正日期 {ANSWERED:{D}}（答复期限自该日起重新计算）" in receipt
    assert f"答复期限 {new_due:{D}}前" in receipt
    assert f"本机关已于 {ASKED:{D}} 一次性告知需要补正的事项" in receipt
    assert code not in html and ID_NUMBER not in html and PHONE not in html
    assert 'media="print" href="/static/css/print.css"' in html
    # Back to the tracking result with the same token, and nothing without one.
    back = client.post("/track", data=page_tokens(html))
    assert back.status_code == 200 and number in back.get_data(as_text=True)
    assert (
        client.post("/track/receipt", data={"csrf_token": hidden(page, "csrf_token")}).status_code
        == 400
    )


def test_print_css_hides_the_navigation_and_the_buttons():
    css = (ROOT / "portal" / "static" / "css" / "print.css").read_text(encoding="utf-8")
    hidden_rule = re.search(r"([^{}]+)\{\s*display:\s*none !important;\s*\}", css)
    selectors = {s.strip() for s in hidden_rule.group(1).split(",")}
    assert {".site-header", ".site-nav", ".site-footer", ".skip-link", ".breadcrumbs"} <= selectors
    assert {".no-print", ".report-error", ".print-button"} <= selectors
    assert "@page { size: A4;" in css


# -- retention --------------------------------------------------------------------------


def test_purging_a_request_deletes_its_files(app, client, handler, monkeypatch):
    from datetime import timedelta

    request_id, number, code = new_request(app, "k1")
    ask_supplement(app, request_id)
    page = track(client, number, code).get_data(as_text=True)
    supplement(client, page, supplement_file_0=(PDF, "补正.pdf"))
    close_with_files(app, handler, request_id, (PNG, "答复.png"))
    assert len(stored_files(app)) == 2
    with app.app_context():
        closed_at = db.session.get(InfoRequest, request_id).closed_at
        later = closed_at + timedelta(days=app.config["RETENTION_REQUEST_DAYS"] + 1)
        monkeypatch.setattr(retention, "utcnow", lambda: later)
        dry = retention.purge(dry_run=True)
        assert (dry.requests, dry.files) == (1, 2)
        assert len(stored_files(app)) == 2  # a dry run deletes nothing
        report = retention.purge()
        assert (report.requests, report.files) == (1, 2)
        assert stored_files(app) == []
        item = db.session.get(InfoRequest, request_id)
        assert item.files == [] and item.name == retention.PURGED
        assert retention.purge().files == 0


# -- printing, in a real browser ----------------------------------------------------------

live_server = browser_support.live_server  # fixtures
browser = browser_support.browser


def test_the_receipt_prints_on_one_a4_page_without_navigation(app, live_server, browser):
    # The longest description the form takes still leaves the receipt on one page.
    _, number, code = new_request(app, "k1", description="申请公开东晓街道的工作文件。" * 150)
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    page.goto(f"{live_server}/track")
    page.get_by_label("查询编号").fill(number)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    page.get_by_role("button", name="打印申请回执").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="政府信息公开申请回执").is_visible()
    assert page.get_by_role("button", name="打印回执").is_visible()  # print.js shows it
    assert page.locator(".site-nav").is_visible()
    page.emulate_media(media="print")
    assert page.locator(".receipt").is_visible()
    for hidden_part in (".site-header", ".site-nav", ".site-footer", ".breadcrumbs"):
        assert not page.locator(hidden_part).is_visible(), hidden_part
    assert not page.locator(".print-actions").is_visible()
    assert not page.locator("h1").is_visible()
    due = calendar.due_date(RECEIVED, limit=20)
    assert f"{due:{D}}前" in page.locator(".receipt").inner_text()
    assert code not in page.content()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    page.context.close()
