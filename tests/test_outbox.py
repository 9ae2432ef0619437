"""Mail to residents through a real SMTP server (aiosmtpd on loopback, in this process):
one mail per status change, retries when the relay refuses, times out or drops the line,
at-least-once with a stable Message-ID after a sender dies, two senders never both sending
a row, and the lost query code re-issued by mail."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal import timeutil
from portal.errors import InvalidTransition
from portal.extensions import db
from portal.interaction import feedback, info_requests, messages, recovery, submissions
from portal.interaction.models import FeedbackReport, InfoRequest, Message
from portal.outbox import queue
from portal.outbox.models import Notification
from portal.outbox.sender import MAX_ATTEMPTS, Relay, Sender, backoff, start_background
from portal.states import NotificationStatus
from tests.actors import staff
from tests.clock import instant
from tests.staff import login_as
from tests.test_interaction import csrf_token, request_data

BASE = "https://www.example.gov.cn"
ADDRESS = "resident@example.com"
START = "2026-12-01 10:00"  # a Tuesday


# -- the relay ------------------------------------------------------------------------


class Handler:
    """What the relay does with DATA: accept (and keep the mail), refuse with 451, answer
    too slowly, or drop the connection."""

    def __init__(self) -> None:
        self.mode = "accept"
        self.mails: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.mode == "refuse":
            return "451 4.3.0 Try again later"
        if self.mode == "slow":
            await asyncio.sleep(1.5)
            return "451 4.4.2 Too late"
        if self.mode == "drop":
            server.transport.abort()
            return "421 4.4.2 Closing"
        mail = message_from_bytes(envelope.content, policy=default)
        assert isinstance(mail, EmailMessage)
        with self.lock:
            self.mails.append(mail)
        return "250 2.0.0 OK"

    def message_ids(self) -> list[str]:
        return [str(mail["Message-ID"]) for mail in self.mails]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def relay() -> Iterator[tuple[Handler, int]]:
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def mail_app(app, relay):
    _, port = relay
    app.config.update(
        SMTP_URL=f"smtp://127.0.0.1:{port}?timeout=0.5",
        MAIL_FROM="东晓街道 <noreply@example.gov.cn>",
        BASE_URL=BASE,
    )
    return app


class Clock:
    """The portal's clock, moved by hand (no sleeping for back-off or leases)."""

    def __init__(self, start: str) -> None:
        self.now = instant(start)
        timeutil.set_clock(lambda: self.now)

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def sender(app, worker_id: str = "test") -> Sender:
    return Sender.from_config(app.config, worker_id=worker_id)


def rows() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).order_by(Notification.id)))


def new_message(contact: str = ADDRESS, token: str = "m1", quarantine: str | None = None):
    data = {
        "subject": "占道经营",
        "content": "小区门口每天傍晚有人占道经营。",
        "category": "城市管理",
    }
    return submissions.submit_message(
        {**data, "category": "城市管理", "name": "王先生", "contact": contact, "consent": True},
        form_token=token,
        quarantine=quarantine,
    )


def item(model, number: str):
    return db.session.scalar(sa.select(model).where(model.tracking_no == number))


def text_of(mail: EmailMessage) -> tuple[str, str]:
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


# -- one mail per status change ------------------------------------------------------


def test_a_status_change_delivers_exactly_one_mail_without_the_query_code(
    mail_app, relay, clock, ctx
):
    handler, _ = relay
    sub = new_message()
    assert [(r.event, r.status) for r in rows()] == [("received", NotificationStatus.QUEUED)]
    assert sender(mail_app).send_once().sent == 1

    receipt = handler.mails[0]
    assert receipt["To"] == ADDRESS and sub.tracking_no in str(receipt["Subject"])
    plain, html = text_of(receipt)
    for body in (plain, html):
        assert sub.tracking_no in body and f"{BASE}/track" in body
        assert sub.code in body  # the receipt alone carries the code
        assert "王先生" not in body and "占道经营" not in body

    message = item(Message, sub.tracking_no)
    messages.answer_message(
        message, reply="已安排城管中队处理，谢谢。", department="城管中队", actor=staff("h")
    )
    assert sender(mail_app).send_once().sent == 1
    assert sender(mail_app).send_once().claimed == 0  # exactly one mail per change
    assert len(handler.mails) == 2
    answered = handler.mails[1]
    plain, html = text_of(answered)
    for body in (plain, html):
        assert sub.tracking_no in body and f"{BASE}/track" in body
        assert sub.code not in body
        assert "王先生" not in body and "城管中队" not in body and "占道经营" not in body
    assert answered["Message-ID"] != receipt["Message-ID"]
    assert str(answered["Message-ID"]).endswith("@example.gov.cn>")
    sent = rows()
    assert [r.status for r in sent] == [NotificationStatus.SENT] * 2
    assert sent[0].text_body == "" and sent[0].html_body == ""  # the code is not kept
    assert sent[1].text_body  # others are
    assert {r.recipient for r in sent} == {"r***@example.com"}  # the address is not kept

    # Correcting the answer is not a new status: no second mail.
    messages.answer_message(message, reply="补充答复。", department="城管中队", actor=staff("h"))
    assert len(rows()) == 2


def test_only_a_valid_email_address_gets_mail_and_never_a_quarantined_one(mail_app, ctx):
    new_message(contact="13812345678", token="phone")
    new_message(contact="not-an-address@", token="junk")
    new_message(token="bot", quarantine="honeypot")
    assert rows() == []
    assert queue.mail_address(" Resident@Example.COM ") == "Resident@example.com"
    assert queue.mail_address("a@b") is None and queue.mail_address("a\n@b.cn") is None


def test_every_step_of_a_request_queues_its_mail_in_the_same_transaction(mail_app, clock, ctx):
    sub = submissions.submit_request(
        {**request_data(), "applicant_type": "person"}, form_token="r1"
    )
    request = item(InfoRequest, sub.tracking_no)
    actor = staff("h")
    info_requests.request_supplement(request, note="请写明文件名称", actor=actor)
    clock.advance(days=1)
    info_requests.resume(request, actor=actor)
    info_requests.extend_request(request, days=10, reason="需调档", approver="主任", actor=actor)
    with pytest.raises(InvalidTransition):  # refused: no event, and no mail either
        info_requests.extend_request(request, days=5, reason="再延", approver="主任", actor=actor)
    info_requests.start_consultation(request, note="涉及第三方", actor=actor)
    clock.advance(days=1)
    info_requests.resume(request, actor=actor)
    info_requests.close_request(request, outcome="disclosed", reply="见附件", actor=actor)
    events = [r.event for r in rows()]
    assert events == [
        "received",
        "supplement_asked",
        "supplement_received",
        "extended",
        "consultation_started",
        "consultation_ended",
        "closed",
    ]
    found = rows()
    assert all(r.recipient == request_data()["email"] for r in found)
    assert [r.carries_code for r in found] == [True] + [False] * 6
    for row in found[1:]:
        assert sub.code not in row.text_body and "李四" not in row.text_body
        assert "请写明文件名称" not in row.text_body  # staff's notes stay on /track
        assert sub.tracking_no in row.text_body and f"{BASE}/track" in row.html_body


def test_a_feedback_answer_is_mailed_once(mail_app, ctx):
    data = {
        "page_url": "/news/x",
        "kind": "typo",
        "description": "错别字一处。",
        "contact": ADDRESS,
    }
    sub = submissions.submit_feedback(data, form_token="f1")

    report = item(FeedbackReport, sub.tracking_no)
    feedback.answer_feedback(report, reply="已更正。", actor=staff("h"))
    feedback.answer_feedback(report, reply="已更正，谢谢。", actor=staff("h"))
    assert [(r.item_type, r.event) for r in rows()] == [
        ("feedback", "received"),
        ("feedback", "answered"),
    ]


# -- the relay failing ---------------------------------------------------------------


LAST_ERRORS = {
    "refuse": "SMTPDataError 451",
    "slow": "timeout",
    "drop": "SMTPServerDisconnected",
    "down": "ConnectionRefusedError errno 111",
}


@pytest.mark.parametrize("mode", list(LAST_ERRORS))
def test_a_failing_relay_leaves_the_row_queued_and_it_is_delivered_after_recovery(
    mail_app, relay, clock, ctx, mode
):
    handler, port = relay
    new_message()
    if mode == "down":  # nothing listens there
        mail_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}?timeout=0.5"
    else:
        handler.mode = mode
    outcome = sender(mail_app).send_once()
    assert (outcome.sent, outcome.retried) == (0, 1)
    [row] = rows()
    assert row.status == NotificationStatus.QUEUED and row.attempts == 1
    assert row.next_attempt_at == clock.now + timedelta(minutes=1)
    assert row.locked_by is None and row.last_error
    assert ADDRESS not in row.last_error and "Try again" not in row.last_error
    assert row.last_error == LAST_ERRORS[mode]

    handler.mode = "accept"
    mail_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}?timeout=0.5"
    assert sender(mail_app).send_once().claimed == 0  # not before its time
    clock.advance(seconds=61)
    assert sender(mail_app).send_once().sent == 1
    [row] = rows()
    assert row.status == NotificationStatus.SENT and row.attempts == 2
    assert handler.message_ids() == [row.message_id]


def test_back_off_doubles_to_six_hours_and_gives_up_after_the_last_attempt(
    mail_app, relay, clock, ctx
):
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert backoff(20) == timedelta(hours=6)
    handler, _ = relay
    handler.mode = "refuse"
    new_message()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        outcome = sender(mail_app).send_once()
        assert outcome.claimed == 1, attempt
        [row] = rows()
        assert row.attempts == attempt
        clock.advance(hours=6, seconds=1)
    assert row.status == NotificationStatus.FAILED and outcome.failed == 1
    assert row.text_body == ""  # the receipt's code is not kept once given up
    assert sender(mail_app).send_once().claimed == 0
    assert queue.backlog().failed == 1


# -- at least once, never twice at the same time --------------------------------------


def test_a_sender_that_dies_mid_send_is_replaced_and_the_mail_keeps_its_message_id(
    mail_app, relay, clock, ctx
):
    handler, _ = relay
    new_message()
    dying = sender(mail_app, "dying")
    [row_id] = dying.claim()
    row = db.session.get(Notification, row_id)
    mail = dying.message(row)
    smtp = dying.relay.connect()  # it hands the mail to the relay …
    smtp.send_message(mail)
    smtp.quit()
    db.session.rollback()  # … and dies before recording it

    other = sender(mail_app, "other")
    assert other.send_once().claimed == 0  # the lease still holds
    clock.advance(minutes=10, seconds=1)
    assert other.send_once().sent == 1
    assert len(handler.mails) == 2
    assert handler.message_ids()[0] == handler.message_ids()[1] == row.message_id
    [row] = rows()
    assert row.status == NotificationStatus.SENT and row.locked_by is None


def test_two_senders_never_both_claim_or_send_a_row(mail_app, relay, clock, app):
    handler, _ = relay
    with app.app_context():
        for n in range(24):
            new_message(token=f"many-{n}")
    barrier = threading.Barrier(2)
    claims: dict[str, list[int]] = {}

    def claim_all(worker: str) -> None:
        with app.app_context():
            barrier.wait()
            claims[worker] = Sender.from_config(app.config, worker_id=worker, batch=24).claim()
            db.session.remove()

    threads = [threading.Thread(target=claim_all, args=(w,)) for w in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(claims["a"]) & set(claims["b"])
    assert len(claims["a"]) + len(claims["b"]) == 24

    with app.app_context():  # leases run out; now two senders race through small batches
        clock.advance(minutes=11)
    sent: dict[str, int] = {}

    def drain(worker: str) -> None:
        with app.app_context():
            one = Sender.from_config(app.config, worker_id=worker, batch=3)
            barrier.wait()
            total = 0
            while (outcome := one.send_once()).claimed:
                total += outcome.sent
            sent[worker] = total
            db.session.remove()

    threads = [threading.Thread(target=drain, args=(w,)) for w in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = handler.message_ids()
    assert len(ids) == 24 and len(set(ids)) == 24
    assert sent["a"] + sent["b"] == 24
    with app.app_context():
        assert {r.status for r in rows()} == {NotificationStatus.SENT}


# -- settings, commands, dashboard ----------------------------------------------------


def test_the_relay_url_names_tls_starttls_credentials_and_timeout():
    plain = Relay.from_url("smtp://127.0.0.1")
    assert (plain.host, plain.port, plain.tls, plain.starttls) == ("127.0.0.1", 25, False, False)
    tls = Relay.from_url("smtps://user%40gov:p%3Ass@mail.example.gov.cn")
    assert (tls.port, tls.tls, tls.username, tls.password) == (465, True, "user@gov", "p:ss")
    submit = Relay.from_url("smtp://mail.example.gov.cn:587?starttls=1&timeout=5")
    assert (submit.port, submit.starttls, submit.timeout) == (587, True, 5.0)
    with pytest.raises(ValueError):
        Relay.from_url("http://mail.example.gov.cn")


def test_without_a_relay_nothing_is_sent_and_the_dashboard_says_so(app, runner, make_user):
    with app.app_context():
        new_message()
    result = runner.invoke(args=["outbox", "send-once"])
    assert result.exit_code != 0 and "PORTAL_SMTP_URL" in result.output
    with app.app_context():
        assert [r.status for r in rows()] == [NotificationStatus.QUEUED]
    client = login_as(app, make_user("handler1", "handler"))
    page = client.get("/admin/").get_data(as_text=True)
    assert "未配置邮件服务器" in page and "1 封邮件待发送" in page


def test_the_send_once_command_delivers(mail_app, relay, runner):
    handler, _ = relay
    with mail_app.app_context():
        new_message()
    result = runner.invoke(args=["outbox", "send-once"])
    assert result.exit_code == 0 and "1 sent" in result.output, result.output
    assert len(handler.mails) == 1
    assert "1 queued" not in runner.invoke(args=["outbox", "status"]).output


# -- a lost query code ----------------------------------------------------------------


def recover(client, number: str, url: str = "/track/recover"):
    return client.post(url, data={**csrf_token(client, url), "tracking_no": number})


def tracked(client, number: str, code: str) -> bool:
    page = client.post(
        "/track", data={**csrf_token(client, "/track"), "tracking_no": number, "code": code}
    ).get_data(as_text=True)
    return "没有找到对应的记录" not in page


def test_a_lost_code_is_replaced_and_sent_only_to_the_address_given(mail_app, relay, client, clock):
    handler, _ = relay
    assert 'href="/track/recover"' in client.get("/track").get_data(as_text=True)
    html = client.post(
        "/requests/new", data={**csrf_token(client, "/requests/new"), **request_data()}
    ).get_data(as_text=True)
    number = re.search(r"YSQ-\d{4}-\d{6}", html).group(0)
    old_code = re.search(r"<dt>查询码</dt><dd><strong>([^<]+)</strong>", html).group(1)
    with mail_app.app_context():
        phone_only = new_message(contact="13812345678", token="phone").tracking_no

    pages = {
        number: recover(client, number),
        phone_only: recover(client, phone_only),
        "YSQ-2026-999999": recover(client, "YSQ-2026-999999"),
        "nonsense": recover(client, "nonsense"),
    }
    assert {r.status_code for r in pages.values()} == {200}
    bodies = {
        re.sub(r'name="[^"]*token[^"]*" value="[^"]*"', "", r.get_data(as_text=True))
        for r in pages.values()
    }
    assert len(bodies) == 1  # the same page whatever the number
    assert old_code not in next(iter(bodies))

    with mail_app.app_context():
        assert [r.event for r in rows()] == ["received", "code_reissued"]
        sender(mail_app).send_once()
    assert [m["To"] for m in handler.mails] == [request_data()["email"]] * 2
    plain, _ = text_of(handler.mails[1])
    new_code = re.search(r"查询码：(\w+)", plain).group(1)
    assert new_code != old_code and number in plain and f"{BASE}/track" in plain
    assert "原查询码仍然有效" in plain  # whoever asked, the resident is not locked out
    assert tracked(client, number, old_code)
    assert tracked(client, number, new_code)
    assert not tracked(client, number, old_code)  # the new code was used: the old one ends

    recover(client, number)  # again at once: no second mail within 15 minutes
    with mail_app.app_context():
        assert len(rows()) == 2
        clock.advance(minutes=16)
        assert recovery.recover_code(number)


def test_the_recovery_form_needs_its_csrf_token_and_is_rate_limited(mail_app, client):
    assert client.post("/track/recover", data={"tracking_no": "LY-2026-000001"}).status_code == 400
    mail_app.config["MESSAGE_RATE"] = "2 per hour"
    assert recover(client, "LY-2026-000001").status_code == 200
    assert recover(client, "LY-2026-000002").status_code == 200
    blocked = recover(client, "LY-2026-000003")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    with mail_app.app_context():
        assert rows() == []


def test_asking_for_a_new_code_by_number_cannot_lock_the_resident_out(mail_app, clock, ctx):
    """Anyone who knows a tracking number may ask for a new code: the old one keeps working
    until the new one (only in the resident's mailbox) is used."""
    sub = new_message()
    assert recovery.recover_code(sub.tracking_no)
    [mail] = [r for r in rows() if r.event == "code_reissued"]
    new_code = re.search(r"查询码：(\w+)", mail.text_body).group(1)
    for _ in range(2):
        assert submissions.track(sub.tracking_no, sub.code) is not None
    assert submissions.track(sub.tracking_no, "WRONG234") is None

    clock.advance(minutes=16)  # asked again: the newer code replaces the unused one
    assert recovery.recover_code(sub.tracking_no)
    newest = re.search(r"查询码：(\w+)", rows()[-1].text_body).group(1)
    assert submissions.track(sub.tracking_no, new_code) is None
    assert submissions.track(sub.tracking_no, sub.code) is not None

    message = submissions.track(sub.tracking_no, newest)
    assert message is not None  # its first use makes it the code
    db.session.expire_all()
    message = item(Message, sub.tracking_no)
    assert message.pending_code_hash is None and message.pending_code_at is None
    assert submissions.track(sub.tracking_no, sub.code) is None
    assert submissions.track(sub.tracking_no, newest) is not None


def test_a_re_issued_code_unused_for_30_days_no_longer_opens_anything(mail_app, ctx):
    """A mailed code waits for its first use 30 days (the mail says so), not for ever; the
    resident's own code keeps working throughout."""
    from tests.clock import frozen

    with frozen("2026-03-02 10:00"):
        sub = new_message()
        assert recovery.recover_code(sub.tracking_no)
    mailed = re.search(r"查询码：(\w+)", rows()[-1].text_body).group(1)
    assert "30 天内" in rows()[-1].text_body
    with frozen("2026-04-02 10:00"):
        assert submissions.track(sub.tracking_no, mailed) is None
        assert submissions.track(sub.tracking_no, sub.code) is not None
    with frozen("2026-03-31 10:00"):
        assert submissions.track(sub.tracking_no, mailed) is not None


def test_a_form_sent_again_never_shows_a_code_that_does_not_work(mail_app, client, clock):
    """Re-posting a submitted form shows its receipt again; once the code was replaced
    (a re-issued code was used), that receipt no longer shows the old code."""
    mail_app.config["REQUEST_RATE"] = "10 per hour"  # each sending counts
    fields = csrf_token(client, "/requests/new")

    def send() -> str:
        return client.post("/requests/new", data={**fields, **request_data()}).get_data(
            as_text=True
        )

    def code_on(page: str) -> str | None:
        found = re.search(r"<dt>查询码</dt><dd><strong>([^<]+)</strong>", page)
        return found.group(1) if found else None

    first = send()
    number = re.search(r"YSQ-\d{4}-\d{6}", first).group(0)
    code = code_on(first)
    assert code and code_on(send()) == code  # the same receipt again

    with mail_app.app_context():
        assert recovery.recover_code(number)
        reissued = re.search(r"查询码：(\w+)", rows()[-1].text_body).group(1)
    again = send()
    assert code_on(again) == code and tracked(client, number, code)  # still the code
    assert tracked(client, number, reissued)  # now the re-issued one is the code

    replayed = send()
    assert code_on(replayed) is None and code not in replayed
    assert number in replayed and "不再有效" in replayed
    assert not tracked(client, number, code)
    with mail_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(InfoRequest.id))) == 1


def test_a_message_published_taken_off_and_published_again_is_announced_once(mail_app, ctx):
    from tests.staff import publish_as_previewed

    sub = new_message()
    message = item(Message, sub.tracking_no)
    messages.answer_message(message, reply="已处理。", department="城管中队", actor=staff("h"))
    publish_as_previewed(message)
    messages.unpublish_message(message, actor=staff("h"), reason="需要修改")
    publish_as_previewed(message)
    assert message.published
    assert [r.event for r in rows()] == ["received", "answered", "published"]


def test_an_opinion_hidden_and_published_again_is_announced_once(mail_app, relay, ctx):
    from portal.consultations import services
    from tests.staff import publish_as_previewed

    opinion = _opinion_with_mail()
    publish_as_previewed(opinion)
    services.hide_opinion(opinion, reason="含有他人信息", actor=staff("h"))
    publish_as_previewed(opinion)
    assert [(r.item_type, r.event) for r in rows()] == [
        ("opinion", "received"),
        ("opinion", "published"),
    ]


def test_the_purge_deletes_the_mails_of_what_it_anonymises(mail_app, relay, clock, ctx):
    from portal.ops import retention

    kept = new_message(token="kept")  # not answered: never purged, nor its mail
    sub = new_message(token="purged")
    message = item(Message, sub.tracking_no)
    messages.answer_message(message, reply="已处理。", department="城管中队", actor=staff("h"))
    assert sender(mail_app).send_once().sent == 3
    clock.advance(minutes=20)
    assert recovery.recover_code(sub.tracking_no)  # a mail still queued
    statuses = [(r.item_id, r.status) for r in rows()]
    assert statuses.count((message.id, NotificationStatus.QUEUED)) == 1

    later = clock.advance(days=mail_app.config["RETENTION_MESSAGE_DAYS"] + 1)
    assert retention.purge(now=later).messages == 1
    assert sender(mail_app).send_once().claimed == 0  # the queued mail never goes
    left = rows()
    assert {r.item_id for r in left} == {item(Message, kept.tracking_no).id}
    assert all("@" not in r.recipient or "***@" in r.recipient for r in left)
    assert retention.purge(now=later).total == 0


def test_the_privacy_statement_says_what_the_mail_address_is_used_for(client):
    from pathlib import Path

    page = client.get("/privacy").get_data(as_text=True)
    assert "办理进度通知邮件" in page and "z***@example.com" in page
    assert "邮件发出或放弃发送前" in page  # in the retention schedule too
    retention_doc = (Path(__file__).parent.parent / "docs" / "retention.md").read_text()
    assert "Status mails" in retention_doc and "`z***@example.com`" in retention_doc


def test_python_app_py_delivers_in_a_background_thread(mail_app, relay, clock):
    handler, _ = relay
    assert start_background(mail_app.__class__("other")) is None  # no relay: no thread
    with mail_app.app_context():
        new_message()
    background = start_background(mail_app, interval=0.05)
    assert background is not None
    try:
        for _ in range(100):
            if handler.mails:
                break
            background.stop.wait(0.05)
    finally:
        background.stop.set()
        background.thread.join(5)
    assert len(handler.mails) == 1 and not background.thread.is_alive()


def _opinion_with_mail():
    """An opinion with an e-mail address (and one with a phone number only) on an open
    consultation at ``/consultation/pufa``."""
    from portal.consultations import services
    from portal.documents import publishing
    from portal.documents.models import Document
    from portal.timeutil import parse_local

    timeutil.set_clock(lambda: instant("2024-06-10"))
    data = {"title": "征求意见", "summary": "摘要", "topic": "法治建设", "body": "全文。"}
    doc = publishing.create(
        "consultation",
        "pufa",
        {**data, "opens_on": "2024-06-01", "closes_on": "2024-06-30"},
        actor=staff("editor"),
    )
    publishing.publish(doc, actor=staff("reviewer"), published_at=parse_local("2024-06-01"))
    doc = db.session.get(Document, doc.id)
    opinion = services.submit_opinion(
        doc,
        {"content": "建议延长征集时间。", "name": "金先生", "contact": ADDRESS, "consent": True},
        raw_answers={},
        form_token="o1",
    )
    services.submit_opinion(
        doc, {"content": "没有留邮箱。", "contact": "13812345678"}, raw_answers={}, form_token="o2"
    )
    return opinion


def test_an_opinion_is_mailed_when_received_and_when_published(mail_app, relay, ctx):
    from tests.staff import publish_as_previewed

    opinion = _opinion_with_mail()
    publish_as_previewed(opinion)
    found = rows()
    assert [(r.item_type, r.event) for r in found] == [
        ("opinion", "received"),
        ("opinion", "published"),
    ]
    assert f"{BASE}/consultation/pufa" in found[0].text_body
    assert "金先生" not in found[1].text_body and "延长" not in found[1].text_body


def test_the_query_code_is_written_only_into_a_receipt_or_a_reissued_code(mail_app, ctx):
    from portal.outbox import compose

    for event in compose.EVENTS:
        mail = compose.build(
            "request", event, tracking_no="YSQ-2026-000005", organisation="东晓街道", code="K3Y"
        )
        assert ("K3Y" in mail.text) == (event in compose.CODE_EVENTS), event
        assert ("K3Y" in mail.html) == (event in compose.CODE_EVENTS), event
        assert "YSQ-2026-000005" in mail.subject and f"{BASE}/track" in mail.html


def test_the_sender_logs_in_with_the_credentials_of_the_relay_url(app, clock, ctx):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, data) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"portal", b"p@ss")
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535

    handler, port = Handler(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,  # loopback only; a real relay needs STARTTLS or smtps
    )
    controller.start()
    try:
        new_message()
        app.config["SMTP_URL"] = f"smtp://portal:wrong@127.0.0.1:{port}?timeout=2"
        assert sender(app).send_once().retried == 1
        assert rows()[0].last_error == "SMTPAuthenticationError 535"
        clock.advance(minutes=2)
        app.config["SMTP_URL"] = f"smtp://portal:p%40ss@127.0.0.1:{port}?timeout=2"
        assert sender(app).send_once().sent == 1
    finally:
        controller.stop()
    assert len(handler.mails) == 1
