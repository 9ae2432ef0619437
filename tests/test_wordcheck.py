"""错敏词 at review (issue 17 §8): outdated institution names and miswritten terms are shown
in context to the reviewer, who must acknowledge each before publishing (audited); a
published document with one is on the dashboard; platform admins add their own words, which
are looked for at once in what is already published; ``flask check words`` checks it all."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.admin import inspection
from portal.audit import AuditRecord
from portal.auth.actor import SYSTEM
from portal.documents import publishing, wordcheck
from portal.documents.models import Document, WordCheckWord, WordHit
from portal.errors import NotAuthorized, ValidationError
from portal.extensions import db
from portal.orgs import directory
from portal.states import DocumentStatus
from portal.timeutil import local_date, utcnow
from tests.actors import staff
from tests.staff import csrf, login_as
from tests.test_platform_admin import B, make_org

OUTDATED = "根据国家工商行政管理总局的部署，街道再接再励开展检查。"


def draft(app, title: str = "检查通知", body: str = OUTDATED) -> int:
    """A draft made in its own app context (staff test clients must not share one)."""
    with app.app_context():
        doc = publishing.create(
            "news",
            publishing.new_slug(),
            {"title": title, "topic": "综合政务", "body": body},
            actor=staff("editor1", "editor"),
        )
        return doc.id


def test_the_scan_names_each_hit_in_context_with_what_to_write(ctx, make_doc):
    doc = make_doc("news", status="draft", title="关于环境保护部文件的通知", body=OUTDATED)
    hits = wordcheck.scan(doc)
    assert [(h.word, h.field) for h in hits] == [
        ("国家工商行政管理总局", "正文"),
        ("环境保护部", "标题"),
        ("再接再励", "正文"),
    ]
    first = hits[0]
    assert first.suggestion == "国家市场监督管理总局" and first.category == "过时机构名称"
    assert first.before == "根据" and first.after.startswith("的部署")


def test_publishing_waits_until_every_word_is_acknowledged(ctx, make_doc):
    doc = make_doc("news", status="draft", body=OUTDATED)
    reviewer = staff("reviewer1", "reviewer")
    with pytest.raises(ValidationError) as refused:
        publishing.publish(doc, actor=reviewer, acknowledged=["国家工商行政管理总局"])
    assert refused.value.errors["wordcheck"] == "错敏词：发布前请逐条确认（再接再励）"
    assert db.session.get(Document, doc.id).status == DocumentStatus.DRAFT
    publishing.publish(doc, actor=reviewer, acknowledged=["国家工商行政管理总局", "再接再励"])
    assert doc.status == DocumentStatus.PUBLISHED
    record = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.action == "wordcheck_acknowledged")
    ).one()
    assert record.actor == "reviewer1" and "再接再励" in record.detail["words"]


def test_a_clean_document_publishes_as_before_and_the_loader_is_not_held_up(ctx, make_doc):
    clean = make_doc("news", status="draft", body="街道开展消防安全检查。")
    publishing.publish(clean, actor=staff("reviewer1", "reviewer"))
    shipped = make_doc("news", status="draft", body=OUTDATED)
    publishing.publish(shipped, actor=SYSTEM)  # the content loader's files are checked by people
    assert shipped.status == DocumentStatus.PUBLISHED


def test_the_reviewer_sees_the_words_and_ticks_each_before_publishing(app, make_user):
    doc_id = draft(app, title="旧名称")
    reviewer = login_as(app, make_user("reviewer1", "reviewer"))
    url = f"/admin/documents/{doc_id}/"
    page = reviewer.get(url).get_data(as_text=True)
    assert "错敏词检查：发现 2 处" in page
    assert (
        "根据<mark>国家工商行政管理总局</mark>的部署" in page
        and "建议写作“国家市场监督管理总局”" in page
    )
    token = csrf(reviewer, url)
    refused = reviewer.post(
        f"{url}publish", data={"csrf_token": token, "ack": ["国家工商行政管理总局"]}
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "发布前请逐条确认（再接再励）" in html
    assert 'value="国家工商行政管理总局" checked' in html  # what was ticked stays ticked
    done = reviewer.post(
        f"{url}publish",
        data={"csrf_token": csrf(reviewer, url), "ack": ["国家工商行政管理总局", "再接再励"]},
    )
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Document, doc_id).status == DocumentStatus.PUBLISHED

    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    assert "已发布的信息含错敏词：《旧名称》" in chief.get("/admin/").get_data(as_text=True)


def test_an_editor_submitting_is_told_of_the_words(app, make_user):
    doc_id = draft(app)
    editor = login_as(app, make_user("editor1", "editor"))
    url = f"/admin/documents/{doc_id}/"
    response = editor.post(f"{url}submit", data={"csrf_token": csrf(editor, url)})
    assert response.status_code == 302
    page = editor.get(url).get_data(as_text=True)
    assert "发现错敏词：再接再励、国家工商行政管理总局" in page


def test_platform_admins_add_and_remove_words_that_then_count(app, make_user):
    chief = login_as(app, make_user("chief", "admin"))
    page = "/admin/wordcheck"
    assert "国家工商行政管理总局" in chief.get(page).get_data(as_text=True)
    bad = chief.post(page, data={"csrf_token": csrf(chief, page), "word": "环境保护部"})
    assert bad.status_code == 400 and "“环境保护部”已在列表中" in bad.get_data(as_text=True)
    added = chief.post(
        page,
        data={
            "csrf_token": csrf(chief, page),
            "word": "东晓社区工作站",
            "suggestion": "东晓社区党群服务中心",
        },
    )
    assert added.status_code == 302
    doc_id = draft(app, body="请到东晓社区工作站办理。")
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        assert [h.word for h in wordcheck.scan(doc)] == ["东晓社区工作站"]
        word_id = db.session.scalar(sa.select(WordCheckWord.id))
    removed = chief.post(
        f"/admin/wordcheck/{word_id}/remove", data={"csrf_token": csrf(chief, page)}
    )
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(WordCheckWord.id))) == 0
        actions = set(db.session.scalars(sa.select(AuditRecord.action)))
        assert {"wordcheck_word_added", "wordcheck_word_removed"} <= actions

    org_admin = login_as(app, make_user("admin2", "admin", platform_admin=False))
    assert org_admin.get(page).status_code == 403
    with app.app_context(), pytest.raises(NotAuthorized):
        wordcheck.add(staff("admin2", "admin"), "某词", "")


def test_an_expired_word_form_keeps_what_was_typed(app, make_user):
    chief = login_as(app, make_user("chief", "admin"))
    response = chief.post("/admin/wordcheck", data={"word": "旧机构名"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "页面已过期" in html and 'value="旧机构名"' in html


def test_a_live_document_cannot_take_a_new_word_without_review(ctx, make_doc):
    """Editing a published document is no way round the reviewer's acknowledgement."""
    doc = make_doc("news", body="街道开展消防安全检查。")  # published, clean
    reviewer = staff("reviewer1", "reviewer")
    with pytest.raises(ValidationError) as refused:
        publishing.update(doc, {"body": OUTDATED}, actor=reviewer)
    assert "已发布的信息中新出现“再接再励、国家工商行政管理总局”" in refused.value.errors["body"]
    assert db.session.get(Document, doc.id).body == "街道开展消防安全检查。"
    # A word acknowledged at publication may stay through later edits.
    draft_doc = make_doc("news", status="draft", body=OUTDATED)
    publishing.publish(draft_doc, actor=reviewer, acknowledged=["国家工商行政管理总局", "再接再励"])
    publishing.update(draft_doc, {"summary": "更新摘要"}, actor=reviewer)
    assert draft_doc.summary == "更新摘要"


def test_removing_a_word_clears_its_dashboard_warning(app, ctx, make_doc):
    wordcheck.add(SYSTEM, "旧社区名", "")
    doc = make_doc("news", status="draft", title="旧社区名的活动")
    publishing.publish(doc, actor=staff("reviewer1", "reviewer"), acknowledged=["旧社区名"])
    assert db.session.scalar(sa.select(sa.func.count(WordHit.document_id))) == 1
    word_id = db.session.scalar(sa.select(WordCheckWord.id))
    wordcheck.remove(SYSTEM, word_id)
    assert db.session.scalar(sa.select(sa.func.count(WordHit.document_id))) == 0


# -- a word added later, and the whole list again (issue 17: published documents) ------


def word_alert_titles(org_code: str | None = None) -> list[str]:
    """The published titles the inspection warnings name for a 错敏词."""
    org = directory.by_code(org_code) if org_code else directory.home()
    today = local_date(utcnow())
    return inspection.standings(today, [org.id], requests=False)[org.id].word_hits


def test_adding_a_word_finds_it_in_documents_published_before(app, ctx, make_doc):
    old = make_doc("news", title="去年的通知", body="请到东晓社区工作站办理。")
    in_field = make_doc("enforcement", title="处罚决定", party="东晓社区工作站食堂")
    make_doc("faq", title="问答", question="东晓社区工作站在哪？")  # a field residents never see
    make_doc("news", status="draft", title="草稿", body="东晓社区工作站")  # not published
    make_doc("news", title="无关", body="街道开展消防安全检查。")
    assert word_alert_titles() == []

    wordcheck.add(staff("chief", "platform"), "东晓社区工作站", "东晓社区党群服务中心")
    hits = db.session.execute(sa.select(WordHit.document_id, WordHit.word)).all()
    assert sorted(hits) == [(old.id, "东晓社区工作站"), (in_field.id, "东晓社区工作站")]
    assert word_alert_titles() == ["去年的通知", "处罚决定"]
    record = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.action == "wordcheck_found")
    ).one()
    assert record.actor == "chief" and record.detail["documents"] == 2
    assert record.detail["document_ids"] == [old.id, in_field.id]
    assert record.action_label == "已发布信息中发现新增的错敏词"
    assert record.organisation_id == old.organisation_id
    added = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.action == "wordcheck_word_added")
    ).one()
    assert added.detail == {"word": "东晓社区工作站", "documents": 2}

    wordcheck.remove(SYSTEM, db.session.scalar(sa.select(WordCheckWord.id)))
    assert word_alert_titles() == []


def test_a_word_is_matched_as_written_and_other_organisations_keep_theirs(app, ctx, make_doc):
    make_org(app, B, 2)
    make_doc("news", title="本街道", body="Wi-Fi 覆盖东晓社区工作站。")
    make_doc("news", org=B, title="翠竹的", body="翠竹 东晓社区工作站 100% 覆盖")
    make_doc("news", title="大小写", body="WI-FI 不同写法")
    wordcheck.add(SYSTEM, "Wi-Fi 覆盖", "")  # LIKE ignores case on SQLite; the scan does not
    assert word_alert_titles() == ["本街道"]
    wordcheck.add(SYSTEM, "100% 覆盖", "")  # % is a literal, not a LIKE wildcard
    assert word_alert_titles(B) == ["翠竹的"]
    assert word_alert_titles() == ["本街道"]


def test_a_platform_admin_adding_a_word_is_told_how_many_documents_have_it(app, make_user):
    doc_id = draft(app, title="去年的通知", body="请到东晓社区工作站办理。")
    with app.app_context():
        publishing.publish(db.session.get(Document, doc_id), actor=staff("r", "reviewer"))
    chief = login_as(app, make_user("chief", "admin"))
    page = "/admin/wordcheck"
    form = {"csrf_token": csrf(chief, page), "word": "东晓社区工作站"}
    added = chief.post(page, data=form, follow_redirects=True)
    assert "已发布的信息中有 1 篇含有该词" in added.get_data(as_text=True)
    org_admin = login_as(app, make_user("admin2", "admin", platform_admin=False))
    dashboard = org_admin.get("/admin/").get_data(as_text=True)
    assert "已发布的信息含错敏词：《去年的通知》" in dashboard


def test_check_words_rebuilds_the_warnings_and_fails_on_unacknowledged_words(app, runner, make_doc):
    make_doc("news", title="清洁", body="街道开展消防安全检查。")
    acknowledged = make_doc("news", status="draft", title="已确认", body="再接再励")
    publishing.publish(
        acknowledged, actor=staff("reviewer1", "reviewer"), acknowledged=["再接再励"]
    )
    result = runner.invoke(args=["check", "words"])
    assert result.exit_code == 0, result.output
    assert "Checked 2 published documents: 1 listed words found, 0 not acknowledged." in (
        result.output
    )

    loaded = make_doc("news", status="draft", title="导入的", body="原国土资源部的文件")
    publishing.publish(loaded, actor=SYSTEM)  # nobody acknowledged it
    db.session.execute(sa.delete(WordHit))  # e.g. hits recorded before a word was shipped
    db.session.commit()
    result = runner.invoke(args=["check", "words"])
    assert result.exit_code == 1, result.output
    assert f"WORD dongxiao document {loaded.id}: 国土资源部 in 《导入的》" in result.output
    assert "已确认" not in result.output
    db.session.rollback()
    assert db.session.execute(sa.select(WordHit.document_id, WordHit.word)).all() == [
        (acknowledged.id, "再接再励"),
        (loaded.id, "国土资源部"),
    ]
    assert runner.invoke(args=["check", "words", "--org", "dongxiao"]).exit_code == 1
    assert runner.invoke(args=["check", "words", "--org", "nowhere"]).exit_code != 0
