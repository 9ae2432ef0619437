"""One rule per deadline: every screen that judges one agrees, on the same dated cases.

The cases are the ones that used to disagree — a weekend receipt, a 调休 Saturday, a
request paused for 补正, one paused for a third party, one extended — seen on fixed days
through the staff inbox, the dashboard, the inspection warnings, the annual report, the
public figures of the API and the retention purge, and through the SQL and the Python form
of the rule in ``interaction.deadlines``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.admin import inspection
from portal.admin.views import dashboard_counts
from portal.extensions import db
from portal.interaction import calendar, deadlines, info_requests, messages, submissions
from portal.interaction.models import InfoRequest, Message, RequestEvent
from portal.ops import retention
from portal.orgs import directory
from portal.reports import annual
from portal.timeutil import local_midnight_utc
from tests.actors import staff
from tests.clock import frozen
from tests.staff import login_as

MESSAGE = {
    "subject": "路灯不亮",
    "content": "小区门口的路灯坏了一周，晚上出行不便。",
    "category": "城市管理",
    "consent": True,
}
REQUEST = {
    "applicant_type": "person",
    "name": "张三丰",
    "phone": "13912345678",
    "description": "东晓街道2025年道路维修资金使用情况",
    "medium": "电子",
    "delivery": "自行领取",
}


def message(key: str, received: str) -> int:
    with frozen(received):
        sub = submissions.submit_message(MESSAGE, form_token=key)
    return db.session.scalar(sa.select(Message.id).where(Message.tracking_no == sub.tracking_no))


def request(key: str, received: str) -> InfoRequest:
    with frozen(received):
        sub = submissions.submit_request(REQUEST, form_token=key)
    return db.session.scalar(
        sa.select(InfoRequest).where(InfoRequest.tracking_no == sub.tracking_no)
    )


@pytest.fixture
def cases(app, ctx) -> dict[str, int]:
    """Messages and requests around National Day 2025 (10-01..10-08 off; Sun 09-28 and
    Sat 10-11 are 调休 working days), in every state a deadline can be in."""
    ids = {
        # Received on a Saturday: counts from Monday 09-22; due 09-28 (a 调休 Sunday).
        "m-weekend": message("m-weekend", "2025-09-20 10:00"),
        # Received on the 调休 Saturday 10-11, a working day: due Friday 10-17.
        "m-tiaoxiu": message("m-tiaoxiu", "2025-10-11 10:00"),
        # Friday 10-10: the next working day is the 调休 Saturday; due Thursday 10-16.
        "m-friday": message("m-friday", "2025-10-10 10:00"),
        "m-answered": message("m-answered", "2025-09-01 10:00"),
    }
    with frozen("2025-09-12 16:00"):  # answered on the 9th working day: late
        messages.answer_message(
            db.session.get(Message, ids["m-answered"]),
            reply="已修复。",
            department="城管办",
            actor=staff("h"),
        )
    plain = request("r-weekend", "2025-09-21 10:00")  # a Sunday: counts from 09-22
    supplement = request("r-supplement", "2025-09-01 10:00")
    info_requests.request_supplement(
        supplement, note="请写明文件名称", actor=staff("h"), on=date(2025, 9, 3)
    )
    consult = request("r-consult", "2025-09-01 11:00")
    info_requests.start_consultation(
        consult, note="征求第三方意见", actor=staff("h"), on=date(2025, 9, 10)
    )
    extended = request("r-extended", "2025-09-01 12:00")
    with frozen("2025-09-20"):
        info_requests.extend_request(
            extended, days=20, reason="需调阅档案", approver="主任", actor=staff("h")
        )
    overdue = request("r-overdue", "2025-08-01 10:00")
    late = request("r-late", "2025-08-04 10:00")
    with frozen("2025-10-20"):
        info_requests.close_request(late, outcome="disclosed", reply="予以公开。", actor=staff("h"))
    for name, item in (
        ("r-weekend", plain),
        ("r-supplement", supplement),
        ("r-consult", consult),
        ("r-extended", extended),
        ("r-overdue", overdue),
        ("r-late", late),
    ):
        ids[name] = item.id
    # End the read transaction: the test client's requests share this app context's
    # session, and must see what other contexts (the staff accounts) write.
    db.session.commit()
    return ids


def test_the_dated_cases_come_out_as_the_statute_says(cases):
    due = {
        name: deadlines.message_due(db.session.get(Message, cases[name]))
        for name in ("m-weekend", "m-tiaoxiu", "m-friday")
    }
    assert due == {
        "m-weekend": date(2025, 9, 28),
        "m-tiaoxiu": date(2025, 10, 17),
        "m-friday": date(2025, 10, 16),
    }
    plain = db.session.get(InfoRequest, cases["r-weekend"])
    assert plain.receipt_date == date(2025, 9, 22)
    # 20 working days after Monday 09-22: 09-23..09-30 (7, Sun 09-28 included), 10-09,
    # 10-10, Sat 10-11 (10), 10-13..10-17 (15), 10-20..10-24 (20).
    assert plain.due_date == date(2025, 10, 24)
    extended = db.session.get(InfoRequest, cases["r-extended"])
    assert (
        calendar.working_days_between(
            calendar.due_date(date(2025, 9, 1), limit=20), extended.due_date
        )
        == 20
    )


def _inbox_classes(client, path: str, pattern: str) -> dict[str, str]:
    html = client.get(path).get_data(as_text=True)
    found = {}
    for chunk in html.split("<tr")[2:]:
        number = re.search(pattern, chunk).group(0)
        css = re.match(r'(?: class="([^"]*)")?>', chunk).group(1) or ""
        found[number] = css
    return found


@pytest.mark.parametrize(
    "today",
    [
        date(2025, 10, 11),  # the 调休 Saturday
        date(2025, 10, 12),  # a Sunday
        date(2025, 10, 16),  # m-friday due today
        date(2025, 10, 18),  # a Saturday after m-tiaoxiu's due Friday: already overdue
        date(2025, 11, 3),
    ],
)
def test_every_screen_judges_the_same_way(app, cases, make_user, today):
    handler = login_as(app, make_user("handler1", "handler"))
    numbers = {
        name: (db.session.get(Message if name[0] == "m" else InfoRequest, i)).tracking_no
        for name, i in cases.items()
    }
    with frozen(today):
        # Python, item by item: the reference.
        messages = {
            numbers[n]: deadlines.message_deadline(db.session.get(Message, cases[n]), today)
            for n in cases
            if n.startswith("m-")
        }
        requests = {
            numbers[n]: deadlines.request_deadline(db.session.get(InfoRequest, cases[n]), today)
            for n in cases
            if n.startswith("r-")
        }
        late_messages = {n for n, d in messages.items() if d.overdue}
        late_requests = {n for n, d in requests.items() if d.overdue}
        soon_requests = {n for n, d in requests.items() if d.due_soon}
        assert all(requests[numbers[n]].state == "paused" for n in ("r-supplement", "r-consult"))

        # SQL, for counts.
        def ids(model, condition):
            return set(db.session.scalars(sa.select(model.tracking_no).where(condition)))

        assert ids(Message, deadlines.message_overdue_sql(today)) == late_messages
        assert ids(Message, deadlines.message_due_soon_sql(today)) == {
            n for n, d in messages.items() if d.due_soon
        }
        assert ids(InfoRequest, deadlines.request_overdue_sql(today)) == late_requests
        assert ids(InfoRequest, deadlines.request_due_soon_sql(today)) == soon_requests

        # The staff inbox marks the rows.
        listed = _inbox_classes(handler, "/admin/messages/?status=all", r"LY-\d{4}-\d{6}")
        assert {n for n, css in listed.items() if css == "overdue"} == late_messages
        listed = _inbox_classes(handler, "/admin/requests/?status=all", r"YSQ-\d{4}-\d{6}")
        assert {n for n, css in listed.items() if css == "overdue"} == late_requests
        assert {n for n, css in listed.items() if css == "due-soon"} == soon_requests

        # The dashboard counts them.
        counts = dashboard_counts()
        assert counts.late_messages == len(late_messages)
        assert counts.requests_overdue == len(late_requests)
        assert counts.requests_due_soon == len(soon_requests)
        page = handler.get("/admin/").get_data(as_text=True)
        assert f"<strong>{len(late_requests)}</strong>已超期" in page

        # The inspection warnings count the same messages.
        said = [w.text for w in inspection.unanswered_messages(today)]
        if late_messages:
            assert said[0].startswith(f"{len(late_messages)} 条留言超过 5 个工作日未答复")
        else:
            assert said == []

        # The annual report: overdue while waiting, and late once answered.
        summary = annual.build(2025, directory.home().id).summary
        assert summary.messages.overdue == len(late_messages)
        assert summary.requests.overdue == len(late_requests)
        assert summary.requests.late == 1  # r-late, answered on 10-20 after its due date
        assert summary.messages.late == 1  # m-answered
        # The public figures (API) count answers on time by the same rule.
        stats = handler.get("/api/v1/statistics").get_json()["messages"]["by_year"]
        year = next(y for y in stats if y["year"] == 2025)
        assert year["answered"] - year["answered_on_time"] == summary.messages.late

        # Retention keeps every message still waiting for its answer.
        app.config["RETENTION_MESSAGE_DAYS"] = 0
        kept = retention.purge(dry_run=True, now=local_midnight_utc(today + timedelta(1)))
        kept = kept.unanswered_kept
        assert kept == dashboard_counts().unanswered_messages == 3


def test_supplement_window_is_one_rule_for_the_page_and_the_service(app, ctx, make_user):
    handler = login_as(app, make_user("handler1", "handler"))
    item = request("r", "2025-09-01 10:00")  # Monday: 7 working days end on 09-10
    for day, allowed in ((date(2025, 9, 10), True), (date(2025, 9, 11), False)):
        with frozen(day):
            page = handler.get(f"/admin/requests/{item.id}").get_data(as_text=True)
            form = f'action="/admin/requests/{item.id}/supplement"'
            assert (form in page) is allowed, day
            assert deadlines.can_request_supplement(item, day) is allowed


def test_a_request_life_is_its_events(ctx):
    item = request("r", "2025-09-01 10:00")
    info_requests.request_supplement(
        item, note="请写明文件名称", actor=staff("h"), on=date(2025, 9, 2)
    )
    info_requests.resume(item, actor=staff("h"), on=date(2025, 9, 5))  # the clock restarts on 09-05
    info_requests.start_consultation(item, note="征求意见", actor=staff("h"), on=date(2025, 9, 8))
    info_requests.resume(
        item, actor=staff("h"), on=date(2025, 9, 9)
    )  # two working days not counted
    with frozen("2025-09-15"):
        info_requests.extend_request(
            item, days=5, reason="需调档", approver="主任", actor=staff("h")
        )
    kinds = [e.kind for e in db.session.scalars(sa.select(RequestEvent).order_by(RequestEvent.id))]
    assert kinds == [
        "received",
        "supplement_asked",
        "supplement_received",
        "consultation_started",
        "consultation_ended",
        "extended",
    ]
    expected = calendar.due_date(
        date(2025, 9, 5),
        limit=20,
        extension_days=5,
        pauses=[(date(2025, 9, 8), date(2025, 9, 9))],
    )
    assert item.due_date == expected == item.clock.due
    assert (item.status, item.clock.extension_days, item.clock.supplement_note) == (
        "received",
        5,
        "请写明文件名称",
    )
    # The stored columns are what replaying the events gives, nothing else.
    db.session.expire_all()
    again = db.session.get(InfoRequest, item.id)
    assert deadlines.refresh_request(again).due == again.due_date == expected


def test_states_are_checked_by_the_database(ctx, make_doc):
    request("r", "2025-09-01 10:00")
    message("m", "2025-09-01 10:00")
    make_doc("news")
    with pytest.raises(sa.exc.StatementError):  # the ORM refuses an unknown state …
        db.session.execute(sa.update(InfoRequest).values(status="lost"))
    db.session.rollback()
    for statement in (  # … and so does the database, whoever writes
        "UPDATE info_request SET status = 'lost'",
        "UPDATE message SET status = 'lost'",
        "UPDATE document SET status = 'gone'",
        "UPDATE info_request_event SET kind = 'forgotten'",
    ):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text(statement))
        db.session.rollback()


def test_a_year_without_its_arrangement_is_marked_and_refreshed_once_entered(
    app, ctx, make_user, tmp_path
):
    """2027's holiday arrangement is not known on 2026-12-02: deadlines running into it
    count the statutory holidays, say so on the staff screens and the dashboard asks for
    the arrangement; once it is entered, one command recomputes the open requests."""
    handler = login_as(app, make_user("handler1", "handler"))
    item = request("r", "2026-12-28 10:00")  # due in late January 2027
    provisional_due = item.due_date
    with frozen("2026-12-29"):
        page = handler.get(f"/admin/requests/{item.id}").get_data(as_text=True)
        assert "暂按法定节假日计算" in page
        listed = handler.get("/admin/requests/").get_data(as_text=True)
        assert "暂按法定节假日计算" in listed
        dashboard = handler.get("/admin/").get_data(as_text=True)
        assert "尚未录入2027 年国务院办公厅节假日安排" in dashboard
    # The State Council moves a working day: say 2027-01-04 (a Monday) becomes a day off.
    arrangement = tmp_path / "holidays.yaml"
    arrangement.write_text("2027:\n  holidays:\n    - 2027-01-01\n    - 2027-01-04\n")
    calendar.load_overrides(arrangement)
    try:
        result = app.test_cli_runner().invoke(args=["deadlines", "refresh"])
        assert result.exit_code == 0 and "1 open request(s)" in result.output
        db.session.expire_all()
        refreshed = db.session.get(InfoRequest, item.id)
        assert refreshed.due_date == calendar.next_working_day(provisional_due)
        assert not deadlines.request_deadline(refreshed, date(2026, 12, 29)).provisional
        again = app.test_cli_runner().invoke(args=["deadlines", "refresh"])
        assert "0 open request(s)" in again.output
    finally:
        calendar.reset_caches()
