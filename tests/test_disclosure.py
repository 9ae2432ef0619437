"""The 政府信息公开 section of every organisation (issue 17 §1–§2): its four parts, the
catalogue of 法定主动公开内容 with no empty column shown, filing by editors, the admins'
catalogue editing, the 公开指南 with its versions, per-organisation isolation and the
dashboard's warnings about empty and stale columns."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.auth.actor import SYSTEM, Actor
from portal.disclosure import editing, guide, listing
from portal.disclosure.models import GuideVersion
from portal.documents import filing as tree
from portal.documents import loader, publishing
from portal.documents.models import CatalogFiling, CatalogNode, Document
from portal.errors import NotAuthorized, NotFound, ValidationError
from portal.extensions import db
from portal.orgs import directory, profile
from portal.timeutil import parse_local
from tests.conftest import BASE_FIELDS, ROOT
from tests.staff import csrf, login_as
from tests.test_platform_admin import B, home_code, make_org

PARTS = ("政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报")


def publish(
    app, kind: str, title: str, *, org: str | None = None, catalog=None, when="2024-05-01 10:00"
) -> int:
    """A published document of ``kind`` (its own app context: staff clients need theirs)."""
    with app.app_context():
        org_id = directory.by_code(org).id if org else None
        doc = publishing.create(
            kind,
            "",
            {"title": title, "topic": "综合政务", **BASE_FIELDS[kind]},
            actor=SYSTEM,
            org_id=org_id,
            catalog=catalog,
        )
        publishing.publish(doc, actor=SYSTEM, published_at=parse_local(when))
        return doc.id


def node_id(app, key: str, org: str | None = None) -> int:
    with app.app_context():
        org_id = directory.by_code(org).id if org else directory.home().id
        found = listing.node(org_id, key)
        assert found is not None, key
        return found.id


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_demo_section_has_its_four_parts_and_no_empty_column(app, client):
    with app.app_context():
        report = loader.load_directory(ROOT / "content")
        assert report.failed == 0, report.errors
        guide.load_example(ROOT / "content" / "disclosure.yaml")
        profile.load_example(ROOT / "content" / "about.yaml")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/disclosure/"' in home  # in the main navigation

    page = client.get("/disclosure/")
    assert page.status_code == 200
    shown = text(page)
    positions = [shown.index(part) for part in PARTS]
    assert positions == sorted(positions)  # in the order of 61号

    catalog = client.get("/disclosure/catalog/").get_data(as_text=True)
    links = sorted(set(re.findall(r'href="(/disclosure/catalog/[a-z0-9-]+/)"', catalog)))
    assert len(links) >= 8
    for link in links:
        column = client.get(link)
        assert column.status_code == 200, link
        html = column.get_data(as_text=True)
        # every column shown has something in it: documents, sub-columns or its page
        assert 'class="doc-item"' in html or "下级栏目" in html or "/about/" in html, link
    for part in ("/disclosure/guide", "/disclosure/rules/", "/disclosure/annual/"):
        assert client.get(part).status_code == 200, part
    rules = text(client.get("/disclosure/rules/"))
    assert "政府信息公开工作制度" in rules and "深罗东办〔2024〕5号" in rules and "有效" in rules


def test_an_empty_column_is_never_shown_to_residents(app, client):
    publish(app, "news", "街道召开安全生产会议")
    catalog = client.get("/disclosure/catalog/").get_data(as_text=True)
    assert 'href="/disclosure/catalog/gzdt/"' in catalog
    for hidden in ("shjz", "ghjh", "czzj", "msss", "rules"):
        assert f'href="/disclosure/catalog/{hidden}/"' not in catalog, hidden
    assert client.get("/disclosure/catalog/shjz/").status_code == 404
    assert client.get("/disclosure/catalog/msss/").status_code == 404  # its children are empty
    # the rules part appears only when there are rules
    assert "/disclosure/rules/" not in client.get("/disclosure/").get_data(as_text=True)
    assert client.get("/disclosure/rules/").status_code == 404

    column = client.get("/disclosure/catalog/gzdt/")
    assert column.status_code == 200
    html = column.get_data(as_text=True)
    for label in ("公开依据", "公开时限", "公开主体", "公开渠道", "索引号", "发布机构"):
        assert label in html, label
    assert "街道召开安全生产会议" in html


def test_a_column_lists_newest_first_paginated_with_its_feed(app, client):
    app.config["PAGE_SIZE"] = 2
    for day in (1, 3, 2):
        publish(app, "notice", f"通知{day}", when=f"2024-06-0{day} 09:00")
    first = client.get("/disclosure/catalog/tzgg/").get_data(as_text=True)
    assert first.index("通知3") < first.index("通知2")
    assert "通知1" not in first and 'rel="next"' in first
    assert "通知1" in client.get("/disclosure/catalog/tzgg/?page=2").get_data(as_text=True)
    assert client.get("/disclosure/catalog/tzgg/?page=9").status_code == 404
    assert 'href="/disclosure/catalog/tzgg.rss"' in first

    feed = client.get("/disclosure/catalog/tzgg.rss")
    assert feed.status_code == 200 and feed.mimetype == "application/rss+xml"
    assert "通知3" in feed.get_data(as_text=True)
    assert client.get("/disclosure/catalog/tzgg.atom").status_code == 200
    assert client.get("/disclosure/catalog/nosuch.rss").status_code == 404
    assert client.get("/disclosure/catalog/rules.rss").status_code == 404


def test_the_editor_chooses_columns_else_it_goes_by_kind(app, client, make_user):
    publish(app, "news", "第一条动态")  # the tree is made with the first document
    editor = login_as(app, make_user("editor1", "editor"))
    planning = node_id(app, "ghjh")
    url = "/admin/documents/new/news"
    page = editor.get(url).get_data(as_text=True)
    assert "公开目录" in page and 'name="catalog"' in page
    assert re.search(rf'value="{node_id(app, "gzdt")}"[^>]*checked', page)  # its kind's default
    form = {
        "csrf_token": csrf(editor, url),
        "title": "东晓街道2025年重点工作计划",
        "topic": "综合政务",
        "body": "正文",
        "catalog_shown": "1",
        "catalog": str(planning),
        "action": "save",
    }
    assert editor.post(url, data=form).status_code == 302
    with app.app_context():
        doc = db.session.scalar(sa.select(Document).where(Document.title == form["title"]))
        assert tree.filed_ids(doc.id) == [planning]
        assert doc.revisions[-1].snapshot["catalog"] == ["规划计划"]
        publishing.publish(doc, actor=SYSTEM)
    assert form["title"] in client.get("/disclosure/catalog/ghjh/").get_data(as_text=True)
    assert form["title"] not in client.get("/disclosure/catalog/gzdt/").get_data(as_text=True)


def test_a_document_cannot_be_filed_under_another_organisations_column(app):
    make_org(app, B, 2)
    publish(app, "news", "翠竹动态", org=B)
    theirs = node_id(app, "gzdt", org=B)
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            data = {"title": "东晓动态", "topic": "综合政务"}
            publishing.create("news", "", data, actor=SYSTEM, catalog=[theirs])
        assert "公开目录" in refused.value.errors["catalog"]
        assert db.session.scalar(sa.select(Document.id).where(Document.title == "东晓动态")) is None


def test_each_organisation_has_its_own_catalogue(app, client):
    make_org(app, B, 2)
    publish(app, "news", "东晓的动态")
    publish(app, "news", "翠竹的动态", org=B)
    ours = client.get("/disclosure/catalog/gzdt/").get_data(as_text=True)
    theirs = client.get(f"/org/{B}/disclosure/catalog/gzdt/").get_data(as_text=True)
    assert "东晓的动态" in ours and "翠竹的动态" not in ours
    assert "翠竹的动态" in theirs and "东晓的动态" not in theirs
    assert f'href="/org/{B}/disclosure/catalog/gzdt/"' in client.get(
        f"/org/{B}/disclosure/catalog/"
    ).get_data(as_text=True)
    with app.app_context():
        assert {n.organisation_id for n in tree.nodes(directory.by_code(B).id)} == {
            directory.by_code(B).id
        }


def test_admins_edit_their_catalogue_and_bad_input_stores_nothing(app, client, make_user):
    publish(app, "news", "动态")
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    code = home_code(app)
    url = f"/admin/orgs/{code}/catalog/new"
    before = _count(app, CatalogNode)
    bad = chief.post(url, data={"csrf_token": csrf(chief, url), "key": "社会", "name": ""})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "栏目名称：必填" in html and "栏目标识：" in html
    assert _count(app, CatalogNode) == before

    parent = node_id(app, "msss")
    good = {
        "csrf_token": csrf(chief, url),
        "key": "tyjr",
        "name": "退役军人服务",
        "parent": str(parent),
        "basis": "《退役军人保障法》",
        "time_limit": "信息形成之日起20个工作日内",
        "subject": "东晓街道退役军人服务站",
        "channel": "政府网站",
        "update_days": "180",
        "kinds": ["notice"],
    }
    assert chief.post(url, data=good).status_code == 302
    with app.app_context():
        made = listing.node(directory.home().id, "tyjr")
        assert made is not None and made.parent_id == parent and made.kinds == ["notice"]
    tree_page = chief.get(f"/admin/orgs/{code}/catalog").get_data(as_text=True)
    assert "退役军人服务" in tree_page and "空白，对居民隐藏" in tree_page
    # filed, it shows; a column with documents cannot be removed
    publish(app, "news", "慰问退役军人", catalog=[made.id])
    assert "慰问退役军人" in client.get("/disclosure/catalog/tyjr/").get_data(as_text=True)
    remove = f"/admin/orgs/{code}/catalog/{made.id}/remove"
    chief.post(remove, data={"csrf_token": csrf(chief, f"/admin/orgs/{code}/catalog")})
    with app.app_context():
        assert listing.node(directory.home().id, "tyjr") is not None
    # a column cannot move under its own child
    with app.app_context():
        with pytest.raises(ValidationError) as looped:
            editing.save(SYSTEM, code, parent, {"name": "民生事项", "parent": str(made.id)})
        assert "上级栏目" in looped.value.errors["parent"]


def test_another_organisations_admin_cannot_touch_the_catalogue(app, make_user):
    make_org(app, B, 2)
    publish(app, "news", "动态")
    theirs = login_as(app, make_user("b_admin", "admin", orgs=(B,), platform_admin=False))
    code = home_code(app)
    assert theirs.get(f"/admin/orgs/{code}/catalog").status_code == 403
    assert theirs.get(f"/admin/orgs/{code}/guide").status_code == 403
    target = node_id(app, "gzdt")
    token = csrf(theirs, f"/admin/orgs/{B}/catalog")
    moved = theirs.post(
        f"/admin/orgs/{code}/catalog/{target}/move", data={"csrf_token": token, "direction": "up"}
    )
    assert moved.status_code == 403
    with app.app_context():
        actor = Actor.staff("b_admin", "admin", org_ids=[directory.by_code(B).id])
        with pytest.raises(NotAuthorized):
            editing.remove(actor, code, target)
        # nor through their own organisation's address
        with pytest.raises(NotFound):
            editing.remove(actor, B, target)
        assert listing.node(directory.home().id, "gzdt") is not None


def test_the_guide_follows_the_facts_and_keeps_its_versions(app, client, make_user):
    code = home_code(app)
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    url = f"/admin/orgs/{code}/profile"
    form = {"address": "东晓路 1 号", "office_hours": "工作日 9:00—18:00", "phone": "0755-1"}
    chief.post(url, data={**form, "csrf_token": csrf(chief, url)})
    page = client.get("/disclosure/guide").get_data(as_text=True)
    first = text(client.get("/disclosure/guide")) + page
    for needed in (
        "东晓路 1 号",
        "工作日 9:00—18:00",
        "20 个工作日",
        "不超过 20 个工作日",
        "申请人的姓名或者名称、身份证明、联系方式",
        "国办函〔2020〕109号",
        "行政复议",
        "六个月内",
        "/requests/new",
    ):
        assert needed in first, needed
    html = client.get("/disclosure/guide").get_data(as_text=True)
    assert re.search(
        r'<svg role="img" aria-labelledby="flow-title" aria-describedby="flow-desc"', html
    )
    assert '<title id="flow-title">' in html

    chief.post(url, data={**form, "address": "东晓路 99 号", "csrf_token": csrf(chief, url)})
    guide_url = f"/admin/orgs/{code}/guide"
    saved = chief.post(
        guide_url,
        data={
            "csrf_token": csrf(chief, guide_url),
            "office": "党政综合办公室",
            "review_body": "深圳市罗湖区人民政府",
            "court": "深圳市罗湖区人民法院",
        },
    )
    assert saved.status_code == 302
    now = text(client.get("/disclosure/guide"))
    assert "东晓路 99 号" in now and "深圳市罗湖区人民政府申请" in now and "党政综合办公室" in now
    assert "版本记录" in now and "第 3 版（现行）" in now
    old = text(client.get("/disclosure/guide?version=1"))
    assert "东晓路 1 号" in old and "已不是现行版本" in old and "东晓路 99 号" not in old
    assert client.get("/disclosure/guide?version=9").status_code == 404
    # saving the same text again records no new version
    chief.post(
        guide_url,
        data={
            "csrf_token": csrf(chief, guide_url),
            "office": "党政综合办公室",
            "review_body": "深圳市罗湖区人民政府",
            "court": "深圳市罗湖区人民法院",
        },
    )
    assert _count(app, GuideVersion) == 3


def test_guide_text_too_long_is_refused_by_field(app, make_user):
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    url = f"/admin/orgs/{home_code(app)}/guide"
    refused = chief.post(url, data={"csrf_token": csrf(chief, url), "court": "院" * 101})
    assert refused.status_code == 400
    assert "行政诉讼管辖法院：不能超过 100 个字" in refused.get_data(as_text=True)
    assert _count(app, GuideVersion) == 0


def test_an_expired_column_form_keeps_what_was_typed(app, make_user):
    publish(app, "news", "动态")
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    url = f"/admin/orgs/{home_code(app)}/catalog/new"
    chief.get(url)
    response = chief.post(url, data={"csrf_token": "stale", "key": "abc", "name": "新栏目名"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "页面已过期" in html and 'value="新栏目名"' in html


def test_the_dashboard_names_empty_and_stale_columns(app, make_user):
    publish(app, "finance", "2023年预算", when="2023-02-01 10:00")
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    dashboard = text(chief.get("/admin/"))
    assert "空白栏目" in dashboard and "社会救助" in dashboard and "单项否决" in dashboard
    with app.app_context():
        found = listing.problems([directory.home().id], date(2026, 12, 3))[directory.home().id]
    stale = [p for p in found if p.name == "财政资金"]
    assert stale and stale[0].age and "超过 400 天未更新" in stale[0].rule
    assert "公开目录“财政资金”已" in dashboard


def test_the_annual_part_lists_every_year_and_published_reports(app, client):
    publish(app, "news", "旧动态", when="2022-03-01 10:00")
    publish(app, "report", "2024年法治政府建设年度报告")
    page = client.get("/disclosure/annual/").get_data(as_text=True)
    for year in (2022, 2023, 2024, 2025):
        assert f'href="/reports/annual/{year}"' in page, year
    assert "2024年法治政府建设年度报告" in page


def test_a_new_tree_files_what_the_organisation_already_published(app):
    publish(app, "policy", "某规范性文件")
    with app.app_context():
        org_id = directory.home().id
        db.session.execute(sa.delete(CatalogFiling))
        db.session.execute(sa.delete(CatalogNode))
        db.session.commit()
        assert editing.create_default(SYSTEM, directory.home().code)
        policy_node = listing.node(org_id, "gfxwj")
        assert policy_node is not None
        assert [d.title for d in listing.newest(policy_node.id, 5)] == ["某规范性文件"]


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_a_content_file_names_its_columns(app, tmp_path: Path):
    folder = tmp_path / "content" / "policy"
    folder.mkdir(parents=True)
    (folder / "zd.md").write_text(
        "---\ntitle: 公开制度\ntopic: 综合政务\npublished_at: 2024-01-02\n"
        "doc_number: 东办〔2024〕1号\nissued_on: 2024-01-01\nvalidity: 有效\n"
        "catalog: [rules]\n---\n正文\n",
        encoding="utf-8",
    )
    (folder / "bad.md").write_text(
        "---\ntitle: 另一个\ntopic: 综合政务\npublished_at: 2024-01-02\n"
        "doc_number: 东办〔2024〕2号\nissued_on: 2024-01-01\nvalidity: 有效\n"
        "catalog: [nosuch]\n---\n正文\n",
        encoding="utf-8",
    )
    with app.app_context():
        report = loader.load_directory(tmp_path / "content")
        assert report.created == 1 and report.failed == 1
        assert "没有标识为 nosuch 的栏目" in report.errors[0]
        rules = listing.node(directory.home().id, tree.RULES)
        assert [d.title for d in listing.newest(rules.id, 5)] == ["公开制度"]


def test_a_document_page_names_its_columns(app, client):
    doc_id = publish(app, "news", "街道开展防汛演练")
    with app.test_request_context():
        url = db.session.get(Document, doc_id).url
    html = client.get(url).get_data(as_text=True)
    assert "所属栏目" in html and 'href="/disclosure/catalog/gzdt/"' in html


@pytest.mark.parametrize(
    "values, field",
    [
        ({"update_days": "²"}, "更新周期"),
        ({"update_days": "9" * 5000}, "更新周期"),
        ({"parent": "²"}, "上级栏目"),
        ({"parent": "9" * 25}, "上级栏目"),
        ({"kinds": ["nosuch"]}, "默认归入的信息类型"),
    ],
)
def test_junk_in_the_column_form_is_a_chinese_message(app, make_user, values, field):
    publish(app, "news", "动态")
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    url = f"/admin/orgs/{home_code(app)}/catalog/new"
    data = {"csrf_token": csrf(chief, url), "key": "abc", "name": "新栏目", **values}
    response = chief.post(url, data=data)
    assert response.status_code == 400
    assert field + "：" in response.get_data(as_text=True)
    with app.app_context():
        assert listing.node(directory.home().id, "abc") is None
    assert chief.get(f"/admin/orgs/{home_code(app)}/catalog/{'9' * 25}").status_code == 404


@pytest.mark.parametrize("value", ["²", "9" * 25, "x"])
def test_junk_columns_in_the_editor_are_refused_by_field(app, make_user, value):
    publish(app, "news", "动态")
    editor = login_as(app, make_user("editor1", "editor"))
    url = "/admin/documents/new/news"
    form = {
        "csrf_token": csrf(editor, url),
        "title": "一条新动态",
        "topic": "综合政务",
        "catalog_shown": "1",
        "catalog": value,
        "action": "save",
    }
    response = editor.post(url, data=form)
    assert response.status_code == 400
    assert "公开目录：" in response.get_data(as_text=True)
    assert editor.post(url, data={**form, "action": "preview"}).status_code == 200
    with app.app_context():
        found = db.session.scalar(sa.select(Document.id).where(Document.title == "一条新动态"))
        assert found is None


def test_the_current_version_of_the_guide_is_not_called_outdated(app, client):
    with app.app_context():
        guide.ensure_sections()
    assert "第 1 版（现行）" in text(client.get("/disclosure/guide"))
    current = client.get("/disclosure/guide?version=1")
    assert current.status_code == 301 and current.headers["Location"].endswith("/disclosure/guide")


def test_a_hidden_column_has_no_feed(app, client):
    publish(app, "news", "动态")
    assert client.get("/disclosure/catalog/shjz.rss").status_code == 404
    assert client.get("/disclosure/catalog/gzdt.rss").status_code == 200
    assert client.get("/disclosure/catalog/%00x.rss").status_code == 404
    assert client.get("/disclosure/catalog/%00x/").status_code == 404


def test_a_new_organisation_has_its_section_from_the_start(app, client):
    make_org(app, B, 2)
    with app.app_context():
        org_id = directory.by_code(B).id
        assert tree.has_tree(org_id)
        assert [v.reason for v in guide.history(org_id)] == ["首次发布"]
    assert "第 1 版（现行）" in text(client.get(f"/org/{B}/disclosure/guide"))


def test_existing_organisations_get_their_section_on_upgrade(app):
    publish(app, "policy", "早已发布的文件")
    with app.app_context():
        org_id = directory.home().id
        db.session.execute(sa.delete(CatalogFiling))
        db.session.execute(sa.delete(CatalogNode))
        db.session.commit()
        assert guide.ensure_sections() == 1
        assert guide.ensure_sections() == 0  # a second start finds everything there
        found = listing.node(org_id, "gfxwj")
        assert [d.title for d in listing.newest(found.id, 5)] == ["早已发布的文件"]
        assert len(guide.history(org_id)) == 1


def test_the_publishing_subject_follows_the_organisations_name(app, client):
    publish(app, "news", "动态")
    with app.app_context():
        from portal.orgs import service

        service.update(SYSTEM, directory.home().code, name="深圳市罗湖区东晓街道新名称办事处")
    assert "深圳市罗湖区东晓街道新名称办事处" in text(client.get("/disclosure/catalog/gzdt/"))


def test_a_content_file_without_columns_keeps_what_editors_chose(app, tmp_path: Path):
    folder = tmp_path / "content" / "news"
    folder.mkdir(parents=True)
    path = folder / "dt.md"
    path.write_text(
        "---\ntitle: 动态\ntopic: 综合政务\npublished_at: 2024-01-02\n---\n正文\n", encoding="utf-8"
    )
    with app.app_context():
        loader.load_directory(tmp_path / "content")
        doc = db.session.scalar(sa.select(Document).where(Document.slug == "dt"))
        planning = listing.node(directory.home().id, "ghjh")
        publishing.update(doc, {}, actor=SYSTEM, catalog=[planning.id])
        path.write_text(path.read_text(encoding="utf-8") + "更多正文\n", encoding="utf-8")
        assert loader.load_directory(tmp_path / "content").updated == 1
        assert tree.filed_ids(doc.id) == [planning.id]


def test_each_column_keeps_its_count_as_documents_come_and_go(app, runner):
    def standing(key: str) -> tuple[int, object]:
        with app.app_context():
            found = listing.node(directory.home().id, key)
            return found.published, found.newest_at

    doc_id = publish(app, "news", "动态一", when="2024-05-01 10:00")
    publish(app, "news", "动态二", when="2024-06-01 10:00")
    count, newest = standing("gzdt")
    assert count == 2 and newest is not None and newest.month == 6
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        publishing.update(
            doc, {}, actor=SYSTEM, catalog=[listing.node(doc.organisation_id, "ghjh").id]
        )
    assert standing("gzdt")[0] == 1 and standing("ghjh")[0] == 1
    with app.app_context():
        publishing.withdraw(db.session.get(Document, doc_id), reason="已过时", actor=SYSTEM)
    assert standing("ghjh") == (0, None)
    # a bulk change behind the service's back, then the retally command
    with app.app_context():
        db.session.execute(sa.update(CatalogNode).values(published=99))
        db.session.commit()
    result = runner.invoke(args=["content", "retally"])
    assert result.exit_code == 0 and "公开目录 columns" in result.output
    assert standing("gzdt")[0] == 1 and standing("ghjh")[0] == 0
