"""The publishing service: the only writer of documents."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.database import unit_of_work
from portal.documents import publishing
from portal.documents.models import Document
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from tests.actors import staff
from tests.conftest import BASE_FIELDS


def data(kind: str, **overrides):
    return {"title": "标题", "topic": "综合政务", "body": "正文", **BASE_FIELDS[kind], **overrides}


@pytest.mark.parametrize("kind", sorted(BASE_FIELDS))
def test_every_kind_can_be_created_and_published(ctx, kind):
    doc = publishing.create(kind, f"{kind}-one", data(kind), actor=staff("editor"))
    assert doc.status == "draft" and doc.published_at is None
    publishing.publish(doc, actor=staff("reviewer"))
    assert doc.status == "published" and doc.published_at is not None
    assert [r.action for r in doc.revisions] == ["created", "published"]
    assert doc.revisions[0].actor == "editor" and doc.revisions[1].actor == "reviewer"


@pytest.mark.parametrize(
    ("kind", "overrides", "field", "message"),
    [
        ("news", {"title": ""}, "title", "标题：必填"),
        ("news", {"title": "长" * 201}, "title", "标题：不能超过 200 个字"),
        ("news", {"topic": "其他"}, "topic", "主题分类：应为以下之一"),
        ("policy", {"issued_on": "2024/03/01"}, "issued_on", "成文日期：日期格式无效"),
        ("policy", {"validity": "有效吧"}, "validity", "有效性：应为以下之一"),
        ("policy", {"interpretation": "没有/这个"}, "interpretation", "政策解读：应为"),
        ("enforcement", {"decision_no": ""}, "decision_no", "决定书文号：行政处罚公示必须填写"),
        ("enforcement", {"subtype": "行政许可"}, "subtype", "公示类别"),
        (
            "enforcement",
            {"party_type": "person", "party": "张三 440101199001011234"},
            "party",
            "当事人：自然人不得公开",
        ),
        ("finance", {"amount": "-5"}, "amount", "金额（元）：应为不小于 0 的金额"),
        ("finance", {"amount": "1.234"}, "amount", "金额最多两位小数"),
        ("finance", {"amount": "1e999"}, "amount", "金额（元）：金额过大，请核对（单位为元）"),
        ("finance", {"fiscal_year": "二〇二四"}, "fiscal_year", "资金年度：应为整数"),
        (
            "consultation",
            {"closes_on": "2024-05-01"},
            "closes_on",
            "征集截止：不能早于征集开始日期",
        ),
        ("report", {"year": 1900}, "year", "报告年度：不能小于 2000"),
        ("faq", {"question": ""}, "question", "问题：必填"),
    ],
)
def test_invalid_fields_are_rejected_with_chinese_message_and_nothing_stored(
    ctx, kind, overrides, field, message
):
    with pytest.raises(ValidationError) as info:
        publishing.create(kind, "bad", data(kind, **overrides), actor=staff("editor"))
    assert message in info.value.errors[field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


def test_person_party_is_stored_by_surname_only(ctx):
    doc = publishing.create(
        "enforcement",
        "p",
        data("enforcement", party="王小明", party_type="person"),
        actor=staff("e"),
    )
    assert doc.extra["party"] == "王某"


def test_index_numbers_follow_the_official_format_and_count_up(ctx, app):
    first = publishing.create("news", "a", data("news"), actor=staff("e"))
    second = publishing.create("notice", "b", data("notice"), actor=staff("e"))
    code = app.config["ORG_CREDIT_CODE"]
    year = first.created_at.year
    assert first.index_no == f"{code}/{year}-00001"
    assert second.index_no == f"{code}/{year}-00002"


def test_given_index_number_is_kept_and_must_be_unique(ctx, app):
    code = app.config["ORG_CREDIT_CODE"]
    publishing.create("news", "a", data("news", index_no=f"{code}/2024-00042"), actor=staff("e"))
    with pytest.raises(ValidationError) as info:
        publishing.create(
            "news", "b", data("news", index_no=f"{code}/2024-00042"), actor=staff("e")
        )
    assert "索引号" in info.value.errors["index_no"]


def test_duplicate_slug_in_same_kind_is_refused(ctx):
    publishing.create("news", "same", data("news"), actor=staff("e"))
    with pytest.raises(ValidationError) as info:
        publishing.create("news", "same", data("news"), actor=staff("e"))
    assert "标识" in info.value.errors["slug"]
    publishing.create("notice", "same", data("notice"), actor=staff("e"))  # other kind is fine


def test_update_records_a_revision_and_rerenders_body(ctx):
    doc = publishing.create("news", "a", data("news"), actor=staff("e"))
    publishing.publish(doc, actor=staff("r"))
    publishing.update(doc, {"body": "新的**正文**"}, actor=staff("e2"), note="更正")
    assert doc.status == "published"
    assert "<strong>正文</strong>" in doc.body_html
    last = doc.revisions[-1]
    assert (last.number, last.action, last.actor, last.note) == (3, "updated", "e2", "更正")
    assert last.snapshot["body"] == "新的**正文**"


def test_withdraw_needs_a_reason_and_keeps_it(ctx):
    doc = publishing.create("news", "a", data("news"), actor=staff("e"))
    publishing.publish(doc, actor=staff("r"))
    with pytest.raises(ValidationError) as info:
        publishing.withdraw(doc, reason="  ", actor=staff("r"))
    assert info.value.errors["reason"] == "撤回原因：必填"
    publishing.withdraw(doc, reason="政策已废止", actor=staff("r"))
    assert doc.status == "withdrawn" and doc.withdrawn_reason == "政策已废止"
    assert doc.revisions[-1].action == "withdrawn"


def test_workflow_transitions_are_enforced(ctx):
    doc = publishing.create("news", "a", data("news"), actor=staff("e"))
    with pytest.raises(InvalidTransition):
        publishing.withdraw(doc, reason="原因", actor=staff("r"))
    publishing.submit(doc, actor=staff("e"))
    assert doc.status == "in_review"
    with pytest.raises(InvalidTransition):
        publishing.submit(doc, actor=staff("e"))
    publishing.publish(doc, actor=staff("r"))
    with pytest.raises(InvalidTransition):
        publishing.publish(doc, actor=staff("r"))
    publishing.withdraw(doc, reason="原因", actor=staff("r"))
    with pytest.raises(InvalidTransition):
        publishing.update(doc, {"title": "改"}, actor=staff("e"))


def test_subscribers_hear_about_changes_only_after_commit(ctx):
    heard: list[tuple[str, str, bool]] = []

    def listener(sender, changes):
        for document, action in changes:
            committed = db.session.scalar(
                sa.select(Document.status).where(Document.id == document.id)
            )
            heard.append((document.slug, action, committed == document.status))

    # Two changes in one unit of work: heard of only after its commit.
    with publishing.changes_committed.connected_to(listener), unit_of_work():
        doc = publishing.create("news", "a", data("news"), actor=staff("e"))
        publishing.publish(doc, actor=staff("r"))
        assert heard == []
    assert heard == [("a", "created", True), ("a", "published", True)]


def test_control_characters_are_stripped_from_every_text_field(ctx):
    doc = publishing.create(
        "policy",
        "ctl",
        data(
            "policy",
            title="标题\x00含\x0b控制",
            body="正文\x1f",
            doc_number="深罗东办\x00〔2024〕1号",
            tags=["标\x00签"],
        ),
        actor=staff("e"),
    )
    assert doc.title == "标题含控制"
    assert doc.body == "正文"
    assert doc.extra["doc_number"] == "深罗东办〔2024〕1号"
    assert doc.tags == ["标签"]
