"""``flask check links`` (issue 17 §9): dead internal links and missing attachments of
published documents, external links on request (loopback servers only), stored per
organisation, counted on the dashboard and listed at ``/admin/links``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.auth.actor import Actor
from portal.documents import links, publishing
from portal.documents.models import LinkCheck, LinkProblem
from portal.errors import NotAuthorized
from portal.extensions import db
from portal.orgs import directory
from tests.actors import staff
from tests.staff import login_as
from tests.test_platform_admin import B, make_org


class _Handler(BaseHTTPRequestHandler):
    def _answer(self, body: bool) -> None:
        status = 200 if self.path.startswith("/ok") else 404
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def outside() -> Iterator[str]:
    """A web server on loopback: /ok… answers 200, anything else 404."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def with_attachment(doc, tmp_path: Path, title: str = "资金明细") -> Path:
    source = tmp_path / f"{title}.csv"
    source.write_text("项目,金额\n预算,100\n", encoding="utf-8")
    publishing.update(
        doc, {}, actor=staff("e"), attachments=[publishing.AttachmentFile(title, source)]
    )
    return Path(current_app.config["UPLOAD_DIR"]) / doc.attachments[0].stored_name


def test_links_are_read_from_anchors_and_images():
    html = '<p><a href="/a">a</a><img src="/b.png" alt=""><a href="/a">again</a><a>none</a></p>'
    assert links.links_in(html) == ["/a", "/b.png"]


def test_a_dead_internal_link_and_a_missing_attachment_are_found_and_stored(
    ctx, make_doc, tmp_path
):
    target = make_doc("news", slug="target", title="存在的信息")
    doc = make_doc(
        "finance",
        slug="with-links",
        body=f"见[机构概况](/about/#contact)、[{target.title}](/news/target)、"
        "[撤下的信息](/news/gone-away)和[邮件](mailto:dx@example.gov.cn)。",
    )
    stored = with_attachment(doc, tmp_path)
    stored.unlink()
    with current_app.test_request_context():
        attachment_url = doc.attachments[0].url
    report = links.check()
    found = {(p.url, p.problem) for p in report.problems}
    assert found == {
        ("/news/gone-away", "站内链接打不开（404）"),
        (attachment_url, "附件文件缺失：资金明细"),
    }
    assert report.links == 4  # the attachment and three pages; mailto: is not a page
    rows = db.session.scalars(sa.select(LinkProblem)).all()
    assert {(r.document_id, r.url) for r in rows} == {
        (doc.id, "/news/gone-away"),
        (doc.id, attachment_url),
    }
    check = db.session.get(LinkCheck, doc.organisation_id)
    assert check is not None and check.broken == 2 and check.links == 4

    # Fixed: the next run finds nothing and replaces the stored findings.
    publishing.update(doc, {"body": "见[机构概况](/about/)。"}, actor=staff("e"))
    with_attachment(doc, tmp_path, "新明细")
    assert links.check().ok
    assert db.session.scalar(sa.select(sa.func.count(LinkProblem.id))) == 0


def test_external_links_are_checked_only_when_asked(ctx, make_doc, outside):
    make_doc("news", body=f"[可以打开]({outside}/ok/page) [打不开]({outside}/gone)")
    quiet = links.check()
    assert quiet.ok and quiet.external_skipped == 2
    loud = links.check(external=True)
    assert [(p.url, p.problem) for p in loud.problems] == [
        (f"{outside}/gone", "外部链接打不开（404）")
    ]


def test_an_unreachable_external_link_is_reported(ctx, make_doc):
    from tests.servers import free_port

    closed = f"http://127.0.0.1:{free_port()}/nothing-listens-here"
    make_doc("news", body=f"[关闭的网站]({closed})")
    report = links.check(external=True)
    assert len(report.problems) == 1
    assert report.problems[0].problem.startswith("外部链接无法访问")


def test_one_organisation_is_checked_without_touching_the_others(app, ctx, make_doc):
    make_org(app, B, 2)
    make_doc("news", body="[坏链接](/news/missing-home)")
    theirs = make_doc("news", org=B, body="[坏链接](/news/missing-b)")
    links.check()
    assert db.session.scalar(sa.select(sa.func.count(LinkProblem.id))) == 2
    publishing.update(theirs, {"body": "已修正。"}, actor=staff("e"))  # B fixes theirs
    b_id = directory.by_code(B).id
    assert links.check(b_id).ok
    urls = set(db.session.scalars(sa.select(LinkProblem.url)))
    assert urls == {"/news/missing-home"}  # the home organisation's finding stays


def test_links_to_the_portals_own_host_are_followed_inside(app, ctx, make_doc, tmp_path):
    """An absolute link to a host the portal answers to is one of its own pages (no
    network); a link to an attachment is followed and its file closed again."""
    app.config["TRUSTED_HOSTS"] = ["localhost", ".example.gov.cn"]
    doc = make_doc("news", slug="own-host")
    with_attachment(doc, tmp_path)
    with current_app.test_request_context():
        attachment_url = doc.attachments[0].url
    publishing.update(
        doc,
        {
            "body": "[本站](https://www.example.gov.cn/news/own-host) "
            "[本站坏链接](https://dongxiao.example.gov.cn/news/nothing) "
            f"[附件]({attachment_url})"
        },
        actor=staff("e"),
    )
    report = links.check()
    assert [(p.url, p.problem) for p in report.problems] == [
        ("https://dongxiao.example.gov.cn/news/nothing", "站内链接打不开（404）")
    ]
    assert report.external_skipped == 0


def test_the_command_exits_1_and_the_dashboard_warns(app, runner, make_doc, make_user):
    make_doc("news", body="[坏链接](/news/no-such-item)")
    result = runner.invoke(args=["check", "links"])
    assert result.exit_code == 1, result.output
    assert "/news/no-such-item" in result.output and "1 broken" in result.output
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    assert "1 个链接或附件无法打开" in chief.get("/admin/").get_data(as_text=True)
    assert runner.invoke(args=["check", "links", "--org", "nowhere"]).exit_code != 0


# -- /admin/links: each finding, for the organisations one may see ----------------------


def test_the_links_page_lists_each_finding_of_ones_own_organisations(
    app, runner, make_user, outside, tmp_path
):
    make_org(app, B, 2)
    with app.app_context():
        home_doc = publishing.create(
            "news",
            "with-dead-link",
            {"title": "本街道的通知", "topic": "综合政务", "body": f"[外站]({outside}/gone)"},
            actor=staff("e"),
        )
        publishing.publish(home_doc, actor=staff("r"))
        stored = with_attachment(home_doc, tmp_path)
        stored.unlink()
        theirs = publishing.create(
            "news",
            "their-link",
            {"title": "翠竹的通知", "topic": "综合政务", "body": "[坏链接](/news/missing-b)"},
            actor=staff("e"),
            org_id=directory.by_code(B).id,
        )
        publishing.publish(theirs, actor=staff("r"))
        home_id = home_doc.id

    reviewer = login_as(app, make_user("reviewer1", "reviewer"))
    assert "尚未检查" in reviewer.get("/admin/links").get_data(as_text=True)

    assert runner.invoke(args=["check", "links", "--external"]).exit_code == 1
    page = reviewer.get("/admin/links")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<a href="/admin/documents/{home_id}/edit">本街道的通知</a>' in html
    assert f"{outside}/gone" in html and "外部链接打不开（404）" in html
    assert "附件文件缺失：资金明细" in html and "<td>附件</td>" in html
    assert "<td>外部链接</td>" in html
    assert "翠竹的通知" not in html and "/news/missing-b" not in html  # another office's

    chief_b = login_as(app, make_user("chief_b", "admin", orgs=(B,), platform_admin=False))
    theirs_page = chief_b.get("/admin/links").get_data(as_text=True)
    assert "/news/missing-b" in theirs_page and "站内链接打不开（404）" in theirs_page
    assert "<td>站内链接</td>" in theirs_page
    assert "本街道的通知" not in theirs_page
    assert ">翠竹的通知<" in theirs_page  # an admin supervises; only writers get the editor link
    dashboard = chief_b.get("/admin/").get_data(as_text=True)
    assert f'<a href="/admin/links#org-{B}">查看明细</a>' in dashboard

    handler = login_as(app, make_user("handler1", "handler"))
    assert handler.get("/admin/links").status_code == 403


def test_an_organisation_with_nothing_broken_says_so_with_the_time(app, runner, make_user):
    with app.app_context():
        doc = publishing.create(
            "news",
            "fine",
            {"title": "好的", "topic": "综合政务", "body": "[首页](/)"},
            actor=staff("e"),
        )
        publishing.publish(doc, actor=staff("r"))
    assert runner.invoke(args=["check", "links"]).exit_code == 0
    editor = login_as(app, make_user("editor1", "editor"))
    html = editor.get("/admin/links").get_data(as_text=True)
    assert "最近一次检查未发现问题（检查时间：" in html and "共检查 1 个链接和附件" in html


def test_the_service_keeps_to_the_organisations_of_the_actor(app, ctx):
    make_org(app, B, 2)
    b_id = directory.by_code(B).id
    theirs = links.latest(Actor.staff("e", "editor", org_ids=[b_id]))
    assert [(r.org.code, r.checked_at, r.may_open, r.may_edit) for r in theirs] == [
        (B, None, True, False)
    ]
    assert len(links.latest(Actor.staff("chief", "platform"))) == 2
    with pytest.raises(NotAuthorized):
        links.latest(Actor.staff("h", "handler"))
