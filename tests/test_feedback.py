"""纠错 (issue 17 §6): every public page links to ``/feedback/new?page=<url>``; a report goes to
the inbox of the organisation whose page it is, is answered within 3 working days and can be
tracked; it gets the anti-abuse and privacy rules of messages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.auth.actor import SYSTEM, Actor
from portal.creditcode import check_char
from portal.errors import NotAuthorized, ValidationError
from portal.extensions import db
from portal.interaction import deadlines, feedback, submissions
from portal.interaction.models import FeedbackReport
from portal.interaction.validators import page_path
from portal.orgs import directory, service
from portal.states import FeedbackStatus
from portal.timeutil import local_midnight_utc
from tests.actors import staff
from tests.clock import frozen
from tests.staff import csrf, login_as

from .test_interaction import csrf_token

MOBILE = "13812345678"
OTHER_MOBILE = "13712345670"
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
EXPIRED = "页面已过期，请再次提交"


def feedback_data(**overrides) -> dict[str, str]:
    return {
        "page": "/news/fire-check",
        "kind": "typo",
        "description": "第二段“消访安全”应为“消防安全”。",
        "contact": MOBILE,
        **overrides,
    }


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count(FeedbackReport.id))) or 0


def stored(app) -> list[FeedbackReport]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(FeedbackReport).order_by(FeedbackReport.id)))
        db.session.expunge_all()
        return found


def post(client, data: dict[str, str], url: str = "/feedback/new"):
    return client.post(url, data={**csrf_token(client, url), **data})


def receipt(html: str) -> tuple[str, str]:
    number = re.search(r"JC-\d{4}-\d{6}", html).group(0)
    code = re.search(r"<dt>查询码</dt><dd><strong>([^<]+)</strong>", html).group(1)
    return number, code


def track(client, number: str, code: str) -> str:
    response = post(client, {"tracking_no": number, "code": code}, "/track")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def add_org(app, code: str = "cuizhu", short: str = "翠竹街道") -> int:
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


def add_report(app, key: str, *, received: date | None = None, org_id=None, **fields) -> int:
    data = {
        "page_url": "/news/x",
        "kind": "outdated",
        "description": f"页面上的电话已经停用。请打{OTHER_MOBILE}联系我。",
        "contact": MOBILE,
        **fields,
    }
    quarantine = data.pop("quarantine", None)
    with app.app_context():
        sub = submissions.submit_feedback(
            data, form_token=key, quarantine=quarantine, org_id=org_id
        )
        report = db.session.scalar(
            sa.select(FeedbackReport).where(FeedbackReport.tracking_no == sub.tracking_no)
        )
        if received is not None:
            report.received_at = local_midnight_utc(received) + timedelta(hours=10)
            db.session.commit()
        return report.id


def rows(html: str) -> list[tuple[str, str, str]]:
    """(tracking number, row class, row text) of each row of the staff list."""
    found = []
    for chunk in html.split("<tr")[2:]:
        number = re.search(r"JC-\d{4}-\d{6}", chunk).group(0)
        css = re.match(r'(?: class="([^"]*)")?>', chunk).group(1) or ""
        found.append((number, css, chunk.split("</tr>")[0]))
    return found


@pytest.fixture
def handler(app, make_user):
    return login_as(app, make_user("handler1", "handler"))


# -- every public page links to it ----------------------------------------------------


def test_every_public_page_links_to_report_an_error_on_it(app, client, make_user):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/feedback/new?page=/"' in home
    listing = unescape(client.get("/news/?topic=综合政务").get_data(as_text=True))
    link = re.search(
        r'<a href="(/feedback/new\?page=[^"]+)" rel="nofollow">报告本页错误', listing
    ).group(1)
    form = client.get(link).get_data(as_text=True)
    assert 'value="/news/?topic=%E7%BB%BC%E5%90%88%E6%94%BF%E5%8A%A1"' in form
    assert ">报告本页错误（纠错）</a>" not in form  # not on the form itself
    missing = client.get("/no-such-page").get_data(as_text=True)
    assert 'href="/feedback/new?page=/no-such-page"' in missing  # a broken link is an error
    # Staff pages are not public pages: no link there.
    assert "报告本页错误" not in client.get("/admin/login").get_data(as_text=True)


def test_an_organisations_pages_file_the_report_with_it(app, client):
    add_org(app)
    page = client.get("/org/cuizhu/news/").get_data(as_text=True)
    assert 'href="/org/cuizhu/feedback/new?page=/org/cuizhu/news/"' in page
    form = client.get("/org/cuizhu/feedback/new?page=/org/cuizhu/news/").get_data(as_text=True)
    assert 'action="/org/cuizhu/feedback/new"' in form
    done = post(client, feedback_data(page="/org/cuizhu/news/"), "/org/cuizhu/feedback/new")
    assert done.status_code == 200
    (report,) = stored(app)
    with app.app_context():
        assert report.organisation_id == directory.by_code("cuizhu").id
    assert report.page_url == "/org/cuizhu/news/"


# -- submission -> inbox -> answer -> track ---------------------------------------------


def test_a_report_is_answered_in_the_inbox_and_the_answer_tracked(app, client, handler):
    form = client.get("/feedback/new?page=/news/fire-check").get_data(as_text=True)
    assert 'value="/news/fire-check"' in form
    assert "错别字" in form and "链接打不开" in form and "内容过时" in form and "其他" in form
    assert '<a href="/privacy">《隐私声明》</a>' in form
    done = post(client, feedback_data())
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.headers["Cache-Control"] == "no-store"
    number, code = receipt(done.get_data(as_text=True))
    (report,) = stored(app)
    assert (report.kind, report.page_url, report.status) == ("typo", "/news/fire-check", "received")
    assert report.contact == MOBILE and not report.quarantined

    before = track(client, number, code)
    assert "报告页面错误（纠错）：错别字" in before and "已受理" in before
    assert 'href="/news/fire-check"' in before

    listing = handler.get("/admin/feedback/").get_data(as_text=True)
    ((found, css, _),) = rows(listing)
    assert found == number and css == "due-soon"  # 3 working days: due soon from the start
    assert MOBILE not in listing and "138****5678" in listing
    assert 'href="/admin/feedback/"' in handler.get("/admin/").get_data(as_text=True)

    detail_url = f"/admin/feedback/{report.id}"
    page = handler.get(detail_url).get_data(as_text=True)
    assert "消访安全" in page and MOBILE not in page
    answer = handler.post(
        f"{detail_url}/answer",
        data={"csrf_token": csrf(handler, detail_url), "reply": "已更正，谢谢您的指正。"},
    )
    assert answer.status_code == 302
    (report,) = stored(app)
    assert report.status == FeedbackStatus.ANSWERED and report.answered_by == "handler1"
    assert rows(handler.get("/admin/feedback/").get_data(as_text=True)) == []  # done
    assert number in handler.get("/admin/feedback/?status=answered").get_data(as_text=True)

    after = track(client, number, code)
    assert "已答复" in after and "已更正，谢谢您的指正。" in after
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditRecord.action).where(AuditRecord.target_type == "feedback")
        ).all()
    assert actions == ["feedback_answer"]


def test_a_wrong_code_finds_nothing(app, client):
    number, _ = receipt(post(client, feedback_data()).get_data(as_text=True))
    page = post(client, {"tracking_no": number, "code": "AAAAAAAA"}, "/track")
    assert "没有找到对应的记录" in page.get_data(as_text=True)


def test_an_empty_answer_is_refused_with_a_message(app, handler):
    report_id = add_report(app, "k1")
    url = f"/admin/feedback/{report_id}"
    refused = handler.post(f"{url}/answer", data={"csrf_token": csrf(handler, url), "reply": " "})
    assert refused.status_code == 400 and "答复内容：必填" in refused.get_data(as_text=True)
    assert stored(app)[0].status == FeedbackStatus.RECEIVED


# -- each organisation its own ----------------------------------------------------------


def test_another_organisations_handler_can_neither_see_nor_answer_it(app, client, make_user):
    cuizhu = add_org(app)
    theirs = add_report(app, "theirs", org_id=cuizhu, description="翠竹的页面链接打不开了。")
    ours = add_report(app, "ours", description="东晓的页面有错别字。")
    ours_handler = login_as(app, make_user("handler_dx", "handler"))
    their_handler = login_as(app, make_user("handler_cz", "handler", orgs=("cuizhu",)))

    mine = ours_handler.get("/admin/feedback/?status=all").get_data(as_text=True)
    assert "东晓的页面" in mine and "翠竹的页面" not in mine
    assert ours_handler.get(f"/admin/feedback/{theirs}").status_code == 404
    url = f"/admin/feedback/{ours}"
    token = csrf(ours_handler, url)
    refused = ours_handler.post(
        f"/admin/feedback/{theirs}/answer", data={"csrf_token": token, "reply": "x"}
    )
    assert refused.status_code == 404
    assert (
        ours_handler.post(
            f"/admin/feedback/{theirs}/reveal", data={"csrf_token": token}
        ).status_code
        == 404
    )

    listing = their_handler.get("/admin/feedback/").get_data(as_text=True)
    assert "翠竹的页面" in listing and "东晓的页面" not in listing
    # Editors do not handle them at all.
    editor = login_as(app, make_user("editor1", "editor"))
    assert editor.get("/admin/feedback/").status_code == 403
    # The service is the last gate, whoever calls it.
    with app.app_context():
        report = db.session.get(FeedbackReport, theirs)
        home = directory.home().id
        for actor in (
            Actor.staff("h", "handler", org_ids=[home]),
            staff("e", "editor"),
            staff("a", "admin"),
        ):
            with pytest.raises(NotAuthorized):
                feedback.answer_feedback(report, reply="已更正。", actor=actor)
        theirs_actor = Actor.staff("h", "handler", org_ids=[cuizhu])
        with pytest.raises(ValidationError):
            feedback.answer_feedback(report, reply="", actor=theirs_actor)
        feedback.answer_feedback(report, reply="已更正。", actor=theirs_actor)
        assert report.status == FeedbackStatus.ANSWERED


# -- the form: validation, page addresses, expiry, abuse ----------------------------------


def test_bad_input_names_the_field_in_chinese_and_stores_nothing(app, client):
    empty = post(client, {"page": "", "kind": "", "description": ""})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 400
    assert "错误类型：必填" in html and "问题描述：必填" in html
    bad = post(
        client,
        feedback_data(
            kind="spelling", description="短", contact="12345", page="https://evil.example/x"
        ),
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "错误类型：请从列表中选择" in html
    assert "问题描述：应为 5 至 1000 个字" in html
    assert "联系方式：" in html
    assert "出错的页面：请填写本站页面的地址" in html
    with app.app_context():
        assert count() == 0


@pytest.mark.parametrize(
    "given",
    [
        "https://evil.example/news/",
        "//evil.example/news/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "news/relative",
        "/admin/feedback/",
        "/news/" + "x" * 600,
    ],
)
def test_a_page_address_not_on_this_portal_is_dropped_or_refused(app, client, given):
    form = client.get("/feedback/new", query_string={"page": given})
    assert form.status_code == 200
    assert 'id="page" name="page" type="text" value=""' in form.get_data(as_text=True)
    refused = post(client, feedback_data(page=given))
    assert refused.status_code == 400
    assert "出错的页面：" in refused.get_data(as_text=True)
    with app.app_context():
        assert count() == 0


def test_a_page_address_is_kept_as_a_same_site_path():
    assert page_path("/search?q=东晓 街道") == "/search?q=%E4%B8%9C%E6%99%93%20%E8%A1%97%E9%81%93"
    assert page_path("/news/x?") == "/news/x"
    assert page_path("/news/x#part") == "/news/x" and page_path("/news/x?#part") == "/news/x"
    assert page_path("https://portal.example", host="portal.example") == "/"
    assert page_path('/a"><script>') == "/a%22%3E%3Cscript%3E"
    assert page_path("https://portal.example/news/?a=1", host="portal.example") == "/news/?a=1"
    assert page_path("") == "" and page_path(None) == ""
    for bad in ("https://portal.example.evil/x", "http://[::1/x", "ftp://portal.example/x"):
        with pytest.raises(ValueError):
            page_path(bad, host="portal.example")


def test_junk_in_the_query_never_breaks_the_form(client):
    for query in (
        "page=%ff%fe",
        "page=&page=/news/",
        "page=%0d%0aSet-Cookie:x",
        "page=" + "%E4" * 400,
    ):
        assert client.get(f"/feedback/new?{query}").status_code == 200
    form = client.get("/feedback/new", query_string={"page": "/news/\x00x"})
    assert 'id="page" name="page" type="text" value=""' in form.get_data(as_text=True)
    assert client.get("/org/nowhere/feedback/new").status_code == 404


def test_a_full_address_of_this_portal_is_accepted(app, client):
    done = post(client, feedback_data(page="http://localhost/news/x?page=2"))
    assert done.status_code == 200
    assert stored(app)[0].page_url == "/news/x?page=2"


def test_an_expired_form_keeps_what_was_typed(app, client):
    fields = csrf_token(client, "/feedback/new")
    response = client.post("/feedback/new", data={**fields, **feedback_data(), "csrf_token": "old"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and EXPIRED in html
    assert "消访安全" in html and 'value="/news/fire-check"' in html
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert count() == 0


def test_the_same_form_sent_twice_stores_one_report(app, client):
    fields = csrf_token(client, "/feedback/new")
    first = client.post("/feedback/new", data={**fields, **feedback_data()})
    second = client.post("/feedback/new", data={**fields, **feedback_data()})
    assert receipt(first.get_data(as_text=True)) == receipt(second.get_data(as_text=True))
    assert len(stored(app)) == 1


def test_a_filled_honeypot_is_quarantined_out_of_the_open_list(app, client, handler):
    assert post(client, feedback_data(website="http://spam.example")).status_code == 200
    (report,) = stored(app)
    assert report.quarantined and report.quarantine_reason == "honeypot"
    assert rows(handler.get("/admin/feedback/").get_data(as_text=True)) == []
    held = handler.get("/admin/feedback/?status=quarantined").get_data(as_text=True)
    assert report.tracking_no in held


def test_reports_are_rate_limited_like_messages(app, client):
    app.config["MESSAGE_RATE"] = "2 per hour"
    assert post(client, feedback_data()).status_code == 200
    assert post(client, feedback_data()).status_code == 200
    blocked = post(client, feedback_data())
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert len(stored(app)) == 2


# -- personal data ------------------------------------------------------------------------


def test_personal_data_is_masked_for_staff_until_revealed_and_the_reveal_is_logged(app, handler):
    report_id = add_report(app, "pd")
    listing = handler.get("/admin/feedback/").get_data(as_text=True)
    assert not MOBILE_RE.search(listing)
    url = f"/admin/feedback/{report_id}"
    page = handler.get(url).get_data(as_text=True)
    assert not MOBILE_RE.search(page) and "显示完整个人信息" in page
    shown = handler.post(f"{url}/reveal", data={"csrf_token": csrf(handler, url)})
    html = shown.get_data(as_text=True)
    assert OTHER_MOBILE in html and MOBILE in html
    with app.app_context():
        (record,) = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "reveal")
        ).all()
        assert record.target_type == "feedback" and record.target_id == report_id
        assert MOBILE not in str(record.detail)
    assert not MOBILE_RE.search(handler.get(url).get_data(as_text=True))  # masked again


def test_the_contact_is_never_shown_on_the_residents_tracking_page(app, client):
    number, code = receipt(post(client, feedback_data()).get_data(as_text=True))
    assert MOBILE not in track(client, number, code)


# -- the deadline: 3 working days ---------------------------------------------------------


def test_the_deadline_is_3_working_days_on_the_mainland_calendar():
    # Friday 27 September 2024: Sunday 29th was a working day (调休), then 国庆 1-7 October.
    assert deadlines.feedback_due_on(date(2024, 9, 27)) == date(2024, 10, 8)
    # Received during the holiday: counted from the first working day after it.
    assert deadlines.feedback_due_on(date(2024, 10, 3)) == date(2024, 10, 11)
    assert deadlines.feedback_due_on(date(2024, 12, 2)) == date(2024, 12, 5)


def test_the_inbox_flags_due_soon_and_overdue_like_messages(app, handler):
    with frozen("2024-12-09"):  # a Monday
        late = add_report(app, "late", received=date(2024, 12, 3))  # due Fri 6 Dec
        soon = add_report(app, "soon", received=date(2024, 12, 9))  # due Thu 12 Dec
        html = handler.get("/admin/feedback/").get_data(as_text=True)
        found = {number: css for number, css, _ in rows(html)}
        with app.app_context():
            numbers = {i: db.session.get(FeedbackReport, i).tracking_no for i in (late, soon)}
            today = date(2024, 12, 9)
            assert (
                db.session.scalar(
                    sa.select(sa.func.count(FeedbackReport.id)).where(
                        deadlines.feedback_overdue_sql(today)
                    )
                )
                == 1
            )
            assert (
                db.session.scalar(
                    sa.select(sa.func.count(FeedbackReport.id)).where(
                        deadlines.feedback_due_soon_sql(today)
                    )
                )
                == 1
            )
    assert found[numbers[late]] == "overdue" and found[numbers[soon]] == "due-soon"
    assert [number for number, _, _ in rows(html)] == [numbers[late], numbers[soon]]
    assert "超期 1 个工作日" in html and "已超期" in html


def test_the_dashboard_counts_open_reports_due_soon_and_overdue(app, handler):
    with frozen("2024-12-09"):
        add_report(app, "late", received=date(2024, 12, 3))
        add_report(app, "soon", received=date(2024, 12, 9))
        add_report(app, "held", received=date(2024, 12, 2), quarantine="honeypot")
        html = handler.get("/admin/").get_data(as_text=True)
    assert re.search(r"<strong>2</strong>待答复纠错", html)
    assert re.search(r"<strong>1</strong>纠错 3 个工作日内到期", html)
    assert re.search(r"<strong>1</strong>纠错已超期", html)


# -- retention and the privacy statement --------------------------------------------------


def test_purge_anonymises_answered_reports_after_the_message_period(app, monkeypatch):
    from portal.ops import retention

    answered = add_report(app, "answered")
    waiting = add_report(app, "waiting")
    spam = add_report(app, "spam", quarantine="honeypot")
    with app.app_context():
        report = db.session.get(FeedbackReport, answered)
        feedback.answer_feedback(report, reply=f"已更正，已致电{MOBILE}。", actor=staff("h"))
        later = report.replied_at + timedelta(days=app.config["RETENTION_MESSAGE_DAYS"], hours=1)
        monkeypatch.setattr(retention, "utcnow", lambda: later)
        done = retention.purge()
        assert (done.feedback, done.quarantined) == (1, 1)
        assert retention.purge().total == 0  # a second run changes nothing
        db.session.expire_all()
        kept = db.session.get(FeedbackReport, answered)
        assert kept.contact is None and kept.kind == "outdated" and kept.page_url == "/news/x"
        assert not MOBILE_RE.search(kept.description + kept.reply)
        assert db.session.get(FeedbackReport, waiting).contact == MOBILE  # still handled
        emptied = db.session.get(FeedbackReport, spam)
        assert emptied.description == "已删除" and emptied.contact is None


def test_the_site_map_lists_the_form(client):
    page = client.get("/sitemap.html").get_data(as_text=True)
    assert '<a href="/feedback/new">报告页面错误（纠错）</a>' in page


def test_the_privacy_statement_names_the_form_and_its_period(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "报告页面错误（纠错）" in page and 'href="/feedback/new"' in page
    assert "答复后 1 年" in page


def test_search_engines_are_kept_off_the_form(client):
    robots = client.get("/robots.txt").get_data(as_text=True).splitlines()
    assert "Disallow: /feedback/" in robots and "Disallow: /org/*/feedback/" in robots
    home = client.get("/").get_data(as_text=True)
    assert 'href="/feedback/new?page=/" rel="nofollow"' in home
    assert '<meta name="robots" content="noindex">' in client.get("/feedback/new").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "junk",
    [
        {"kind": ["typo", "other"], "description": "两个类型一起提交了。"},
        {"description": "\x00\x01\u200b\u202e" * 50},
        {"description": "很长" * 5000, "contact": "1" * 10000},
        {"page": "/" + "%" * 499 + "x"},
        {"page": "/\u202enews"},
        {"kind": "\x00", "page": "http://localhost:99999999/x"},
        {"form_token": "x" * 5000, "rendered": "y" * 5000},
    ],
)
def test_no_input_breaks_the_form(app, client, junk):
    response = post(client, {**feedback_data(), **junk})
    assert response.status_code in {200, 400}
    assert "Traceback" not in response.get_data(as_text=True)
