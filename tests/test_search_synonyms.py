"""Synonym groups staff edit: what they change for a resident's search, who may edit
them, and what they refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app, search
from portal.audit import AuditRecord
from portal.auth.actor import Actor
from portal.changelog import DocumentChange
from portal.errors import NotAuthorized, ValidationError
from portal.extensions import db
from portal.search import analysis, synonyms
from portal.search.models import SynonymGroup
from tests.staff import csrf, login_as

CHIEF = Actor("chief", frozenset({"platform"}))


def slugs(q: str) -> list[str]:
    return [hit.document.slug for hit in search.search(q).hits]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_the_migration_seeds_the_shipped_groups(tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
            "SEARCH_INDEX": str(tmp_path / "index"),
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        rows = db.session.execute(
            sa.text("SELECT terms FROM search_synonym_group ORDER BY id")
        ).scalars()
        seeded = [" ".join(group) for group in analysis.synonyms_file_groups()]
        assert len(seeded) >= 10 and list(rows) == seeded
        assert "违法建筑" in analysis.synonyms("违建")
        db.session.remove()
        db.engine.dispose()


def test_a_new_group_makes_one_term_find_documents_with_the_other(ctx, make_doc):
    doc = make_doc("news", title="夜市摆摊规范管理", body="本街道夜市摆摊点位已经公布。")
    assert slugs("地摊经济") == []
    group = synonyms.create(CHIEF, "夜市摆摊  地摊经济")
    assert group.term_list == ["夜市摆摊", "地摊经济"]
    assert slugs("地摊经济") == [doc.slug]
    record = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.action == "synonyms_created")
    ).one()
    assert record.actor == "chief" and record.detail["terms"] == ["夜市摆摊", "地摊经济"]
    assert record.detail["reindexed"] == 1
    changes = db.session.scalars(
        sa.select(DocumentChange.document_id).where(DocumentChange.action == "reindex")
    ).all()
    assert changes == [doc.id]


def test_changing_and_deleting_a_group_follow_at_once(ctx, make_doc):
    doc = make_doc("news", title="共享单车停放", body="共享单车请停放在指定区域。")
    group = synonyms.create(CHIEF, "共享单车 单车")
    synonyms.update(CHIEF, group.id, "共享单车 小黄车")
    assert slugs("小黄车") == [doc.slug]
    synonyms.delete(CHIEF, group.id)
    assert slugs("小黄车") == []
    actions = db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.id)).all()
    assert actions[-3:] == ["synonyms_created", "synonyms_updated", "synonyms_deleted"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "必填"),
        ("单独", "2 至 10 个不同的词"),
        ("甲 " + "长" * 21, "不能超过 20 个字"),
        ("同一 同一 另一", "重复填写"),
        (" ".join(f"词{n}" for n in range(11)), "2 至 10 个不同的词"),
        ("已有词 新词", "已在其他同义词组中"),
    ],
)
def test_invalid_groups_are_refused_in_chinese_and_nothing_is_stored(ctx, text, message):
    synonyms.create(CHIEF, "已有词 旧词")
    before = count(SynonymGroup), count(AuditRecord)
    with pytest.raises(ValidationError) as info:
        synonyms.create(CHIEF, text)
    assert info.value.errors["terms"].startswith("同义词：")
    assert message in info.value.errors["terms"]
    assert (count(SynonymGroup), count(AuditRecord)) == before


def test_only_platform_admins_edit_synonyms(ctx):
    org_admin = Actor("admin1", frozenset(), {1: frozenset({"admin"})})
    with pytest.raises(NotAuthorized):
        synonyms.create(org_admin, "甲乙 丙丁")
    assert count(SynonymGroup) == 0


def test_the_staff_screen_adds_edits_and_deletes(app, make_user):
    chief = login_as(app, make_user("chief", "admin"))
    token = csrf(chief, "/admin/search/synonyms")
    added = chief.post(
        "/admin/search/synonyms", data={"csrf_token": token, "terms": "网格员 网格管理员"}
    )
    assert added.status_code == 302
    page = chief.get("/admin/search/synonyms").get_data(as_text=True)
    assert "网格员、网格管理员" in page and "已新建同义词组" in page
    with app.app_context():
        group_id = db.session.scalar(sa.select(SynonymGroup.id))
    edit = f"/admin/search/synonyms?edit={group_id}"
    assert 'value="网格员 网格管理员"' in chief.get(edit).get_data(as_text=True)
    token = csrf(chief, edit)
    bad = chief.post(
        "/admin/search/synonyms",
        data={"csrf_token": token, "group": str(group_id), "terms": "网格员"},
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "同义词：" in html and "2 至 10 个不同的词" in html and 'value="网格员"' in html
    assert "修改同义词组" in html
    token = csrf(chief, edit)
    saved = chief.post(
        "/admin/search/synonyms",
        data={"csrf_token": token, "group": str(group_id), "terms": "网格员 网格长"},
    )
    assert saved.status_code == 302
    token = csrf(chief, "/admin/search/synonyms")
    gone = chief.post(
        "/admin/search/synonyms",
        data={"csrf_token": token, "group": str(group_id), "delete": "1"},
    )
    assert gone.status_code == 302
    with app.app_context():
        assert count(SynonymGroup) == 0


def test_an_expired_form_keeps_what_was_typed(app, make_user):
    chief = login_as(app, make_user("chief", "admin"))
    response = chief.post("/admin/search/synonyms", data={"terms": "街巷长 巷长"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "页面已过期" in html and 'value="街巷长 巷长"' in html
    with app.app_context():
        assert count(SynonymGroup) == 0


def test_organisation_admins_and_editors_get_403(app, make_user):
    org_admin = login_as(app, make_user("admin1", "admin", platform_admin=False))
    assert org_admin.get("/admin/search/synonyms").status_code == 403
    editor = login_as(app, make_user("editor1", "editor"))
    assert editor.get("/admin/search/synonyms").status_code == 403


def test_a_discarded_app_is_left_alone_by_later_analysis(app, monkeypatch):
    """Once an app is emptied and disposed of (the end of a test), synonym look-ups read the
    data file and open nothing on its database: they had opened a connection no one closed,
    reported tests later as a ResourceWarning on PostgreSQL."""
    from tests.conftest import empty_database

    monkeypatch.setattr(analysis, "SYNONYM_CHECK_EVERY", 0.0)
    with app.app_context():
        assert "违法建筑" in analysis.synonyms("违建")  # read through the app's database
        empty_database(app)
        engine = db.engine
    assert engine.pool.checkedin() == 0
    assert "违法建筑" in analysis.synonyms("违建")
    assert engine.pool.checkedin() == 0
