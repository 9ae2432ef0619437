"""Access is checked inside the services (the last gate), whoever calls them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.actor import SYSTEM, Actor, Permission, require
from portal.auth.blueprint import ACCESS
from portal.consultations import questions as question_service
from portal.consultations import services as consultations
from portal.documents import publishing
from portal.errors import NotAuthorized
from portal.extensions import db
from portal.interaction import handling, info_requests, messages, submissions
from portal.interaction.models import InfoRequest, Message
from portal.ops import retention
from portal.orgs import directory
from portal.reports.figures import set_review_figures
from tests.actors import staff

EDITOR = staff("e", "editor")
REVIEWER = staff("r", "reviewer")
HANDLER = staff("h", "handler")
ADMIN = staff("a", "admin")


def _message() -> Message:
    sub = submissions.submit_message(
        {"subject": "路灯不亮", "content": "东晓路路灯坏了一周。", "category": "城市管理"},
        form_token="m",
    )
    return db.session.scalar(sa.select(Message).where(Message.tracking_no == sub.tracking_no))


def _request() -> InfoRequest:
    sub = submissions.submit_request(
        {
            "applicant_type": "person",
            "name": "张三",
            "phone": "13912345678",
            "description": "东晓街道道路维修资金使用情况",
            "medium": "电子",
            "delivery": "自行领取",
        },
        form_token="r",
    )
    return db.session.scalar(
        sa.select(InfoRequest).where(InfoRequest.tracking_no == sub.tracking_no)
    )


def test_documents_are_written_by_writers_and_published_by_reviewers(ctx):
    data = {"title": "东晓街道工作动态", "topic": "综合政务", "body": "正文。"}
    with pytest.raises(NotAuthorized):
        publishing.create("news", "a", data, actor=HANDLER)
    doc = publishing.create("news", "a", data, actor=EDITOR)
    with pytest.raises(NotAuthorized):
        publishing.publish(doc, actor=EDITOR)
    with pytest.raises(NotAuthorized):
        publishing.publish(doc, actor=ADMIN)
    publishing.publish(doc, actor=REVIEWER)
    with pytest.raises(NotAuthorized):
        publishing.withdraw(doc, reason="过时", actor=EDITOR)
    assert doc.status == "published"


def test_messages_and_requests_are_handled_by_handlers_only(ctx):
    message, item = _message(), _request()
    for actor in (EDITOR, REVIEWER, ADMIN):
        with pytest.raises(NotAuthorized):
            messages.answer_message(message, reply="已处理。", department="城管办", actor=actor)
        with pytest.raises(NotAuthorized):
            info_requests.extend_request(item, days=5, reason="调档", approver="主任", actor=actor)
        with pytest.raises(NotAuthorized):
            handling.reveal_personal_data(item, fields=["name"], actor=actor)
    messages.answer_message(message, reply="已处理。", department="城管办", actor=HANDLER)
    info_requests.extend_request(item, days=5, reason="调档", approver="主任", actor=HANDLER)
    assert item.clock.extension_days == 5
    # The portal itself never reveals anyone's data: that is a person's act, on the record.
    with pytest.raises(NotAuthorized):
        handling.reveal_personal_data(item, fields=["name"], actor=SYSTEM)


def test_maintenance_is_the_portal_s_own(ctx):
    for actor in (EDITOR, REVIEWER, HANDLER, ADMIN):
        with pytest.raises(NotAuthorized):
            retention.purge(actor=actor, dry_run=True)
        with pytest.raises(NotAuthorized):
            info_requests.refresh_deadlines(actor=actor)
    assert retention.purge(actor=SYSTEM, dry_run=True).total == 0


def test_report_figures_and_consultation_results_need_their_roles(ctx, make_doc):
    with pytest.raises(NotAuthorized):
        set_review_figures(directory.home().id, 2024, {}, actor=EDITOR)
    doc = make_doc("consultation")
    with pytest.raises(NotAuthorized):
        consultations.publish_result(doc, summary="已采纳", actor=EDITOR)
    with pytest.raises(NotAuthorized):
        question_service.set_questions(doc, [], actor=HANDLER)


def test_the_route_table_follows_the_services_permissions():
    """A page's roles are those its service grants: they can never disagree."""
    pairs = {
        "admin.document_publish": Permission.REVIEW_DOCUMENTS,
        "admin.document_new": Permission.WRITE_DOCUMENTS,
        "admin.message_answer": Permission.HANDLE_MESSAGES,
        "admin.feedback_answer": Permission.HANDLE_MESSAGES,
        "admin.feedback_reveal": Permission.REVEAL_PERSONAL_DATA,
        "admin.request_close": Permission.HANDLE_REQUESTS,
        "admin.request_reveal": Permission.REVEAL_PERSONAL_DATA,
        "admin.opinion_publish": Permission.MODERATE_OPINIONS,
        "admin.consultation_result": Permission.PUBLISH_RESULTS,
        "admin.report_figures": Permission.ENTER_REPORT_FIGURES,
    }
    for endpoint, permission in pairs.items():
        for role in ACCESS[endpoint]:
            require(Actor.staff("x", role), permission)


def test_a_refusal_from_a_service_is_a_403_page(app, client):
    @app.get("/refused-for-test")
    def refused():
        require(EDITOR, Permission.MAINTAIN)

    response = client.get("/refused-for-test")
    assert response.status_code == 403 and "无权访问" in response.get_data(as_text=True)
