"""机构概况 (/about/): what residents read of an organisation, kept by its own admins, with a
dashboard warning when nobody has checked it for six months (issue 17 §3)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import timeutil
from portal.audit import AuditRecord
from portal.auth.actor import Actor
from portal.errors import NotAuthorized, ValidationError
from portal.extensions import db
from portal.orgs import directory, profile
from portal.orgs.models import OrgLeader, OrgProfile, OrgUnit
from tests.conftest import ROOT
from tests.staff import csrf, login_as
from tests.test_platform_admin import B, home_code, make_org

FORM = {
    "functions": "负责辖区公共服务。\n负责综合行政执法。",
    "address": "深圳市罗湖区东晓路 1 号",
    "office_hours": "周一至周五 9:00—18:00",
    "phone": "0755-12345678",
    "fax": "",
    "email": "dxjd@example.gov.cn",
    "postcode": "518000",
    "directions": "地铁布心站 A 出口步行 5 分钟。",
    "units-0-name": "党政综合办公室",
    "units-0-duties": "负责机关日常运转。",
    "units-0-phone": "0755-22223333",
    "units-1-name": "",
    "units-1-duties": "",
    "units-1-phone": "",
    "leaders-0-name": "张三",
    "leaders-0-post": "主任",
    "leaders-0-duties": "主持全面工作。",
}


def rows(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_an_organisation_without_a_profile_says_so_and_offers_a_message(client):
    response = client.get("/about/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "机构概况" in html and "正在整理中" in html and "/messages/new" in html


def test_the_home_page_links_to_the_profile(client):
    assert 'href="/about/"' in client.get("/").get_data(as_text=True)


def test_an_admin_fills_in_the_profile_and_residents_read_it(app, client, make_user):
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    code = home_code(app)
    url = f"/admin/orgs/{code}/profile"
    saved = chief.post(url, data={**FORM, "csrf_token": csrf(chief, url)})
    assert saved.status_code == 302, saved.get_data(as_text=True)

    html = client.get("/about/").get_data(as_text=True)
    for text in (
        "负责辖区公共服务。",
        "党政综合办公室",
        "负责机关日常运转。",
        'href="tel:075522223333"',
        "张三",
        "主任",
        "主持全面工作。",
        "深圳市罗湖区东晓路 1 号",
        "周一至周五 9:00—18:00",
        'href="mailto:dxjd@example.gov.cn"',
        "地铁布心站 A 出口步行 5 分钟。",
        'id="contact"',
        "本页信息核对于",
    ):
        assert text in html, text
    assert "正在整理中" not in html
    with app.app_context():
        assert rows(OrgUnit) == 1 and rows(OrgLeader) == 1  # the blank row is left out
        record = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "org_profile_saved")
        ).one()
        assert record.actor == "chief"

    # Emptying a row removes it; the next save replaces the lists.
    again = chief.post(
        url,
        data={
            **FORM,
            "leaders-0-name": "",
            "leaders-0-post": "",
            "leaders-0-duties": "",
            "csrf_token": csrf(chief, url),
        },
    )
    assert again.status_code == 302
    assert "张三" not in client.get("/about/").get_data(as_text=True)


def test_bad_input_is_named_in_chinese_and_nothing_is_stored(app, make_user):
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    url = f"/admin/orgs/{home_code(app)}/profile"
    bad = {
        **FORM,
        "units-0-name": "",  # duties without a name
        "leaders-0-post": "",
        "email": "not-an-email",
        "postcode": "51800",
        "functions": "职" * (profile.FUNCTIONS_LIMIT + 1),
    }
    response = chief.post(url, data={**bad, "csrf_token": csrf(chief, url)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in (
        "内设机构第1行：名称必填",
        "领导信息第1行：职务必填",
        "电子邮箱：格式不正确",
        "邮政编码：应为6位数字",
        f"机构职能：不能超过 {profile.FUNCTIONS_LIMIT} 个字",
    ):
        assert message in html, message
    assert 'value="负责机关日常运转。"' in html or "负责机关日常运转。</textarea>" in html
    with app.app_context():
        assert rows(OrgProfile) == rows(OrgUnit) == rows(OrgLeader) == 0
        assert directory.home().address == ""


def test_an_expired_form_keeps_what_was_typed(app, make_user):
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    response = chief.post(f"/admin/orgs/{home_code(app)}/profile", data=FORM)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "页面已过期" in html and 'value="党政综合办公室"' in html
    with app.app_context():
        assert rows(OrgProfile) == 0


def test_each_organisation_keeps_its_own_and_no_other(app, client, make_user):
    make_org(app, B, 2, "翠竹街道")
    theirs = login_as(app, make_user("b_admin", "admin", orgs=(B,), platform_admin=False))
    url = f"/admin/orgs/{B}/profile"
    assert (
        theirs.post(
            url, data={**FORM, "units-0-name": "翠竹综合办", "csrf_token": csrf(theirs, url)}
        ).status_code
        == 302
    )
    assert "翠竹综合办" in client.get(f"/org/{B}/about/").get_data(as_text=True)
    assert "翠竹综合办" not in client.get("/about/").get_data(as_text=True)

    home = f"/admin/orgs/{home_code(app)}/profile"
    assert theirs.get(home).status_code == 403
    token = csrf(theirs, url)
    assert theirs.post(home, data={**FORM, "csrf_token": token}).status_code == 403
    listed = theirs.get("/admin/profiles").get_data(as_text=True)
    assert f"/admin/orgs/{B}/profile" in listed and home not in listed
    editor = login_as(app, make_user("editor1", "editor", orgs=(B,)))
    assert editor.get(url).status_code == 403
    with app.app_context():
        with pytest.raises(NotAuthorized):
            profile.confirm(Actor.staff("x", "editor"), B)
        assert "翠竹综合办" not in str(profile.about(directory.home()))


def test_the_dashboard_warns_until_someone_reviews_and_again_after_six_months(app, make_user):
    chief = login_as(app, make_user("chief", "admin", platform_admin=False))
    assert "机构概况（职能、内设机构、领导和联系方式）尚未核对" in chief.get("/admin/").get_data(
        as_text=True
    )
    url = f"/admin/orgs/{home_code(app)}/profile"
    page = chief.get(url).get_data(as_text=True)
    assert "确认无需修改" in page
    token = csrf(chief, url)
    confirmed = chief.post(f"{url}/confirm", data={"csrf_token": token})
    assert confirmed.status_code == 302
    board = chief.get("/admin/").get_data(as_text=True)
    assert "尚未核对" not in board and "未核对" not in board
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditRecord.id)).where(
                    AuditRecord.action == "org_profile_confirmed"
                )
            )
            == 1
        )

    later = timeutil.utcnow() + timedelta(days=profile.PROFILE_REVIEW_DAYS + 2)
    timeutil.set_clock(lambda: later)
    board = chief.get("/admin/").get_data(as_text=True)
    assert "机构概况超过 6 个月未核对" in board
    assert "需要核对" in chief.get("/admin/profiles").get_data(as_text=True)


def test_the_service_refuses_rows_beyond_the_limit(ctx):
    units = [{"name": f"科室{i}"} for i in range(profile.MAX_ROWS + 1)]
    with pytest.raises(ValidationError) as caught:
        profile.save(
            Actor.staff("chief", "admin"),
            directory.home().code,
            functions="",
            directions="",
            contacts={},
            units=units,
            leaders=[],
        )
    assert caught.value.errors == {"units": f"内设机构：最多 {profile.MAX_ROWS} 行"}
    assert rows(OrgUnit) == 0


def test_the_demo_profile_loads_once_and_never_overwrites_staff_edits(ctx, tmp_path: Path):
    example = ROOT / "content" / "about.yaml"
    assert profile.load_example(example)
    about = profile.about(directory.home())
    assert about.functions and len(about.units) >= 4 and not about.leaders
    assert "示例" in directory.home().address  # a placeholder an office replaces
    profile.save(
        Actor.staff("chief", "admin"),
        directory.home().code,
        functions="改过的职能",
        directions="",
        contacts={"address": "实际地址"},
        units=[],
        leaders=[],
    )
    assert not profile.load_example(example)
    assert profile.about(directory.home()).functions == "改过的职能"
    assert not profile.load_example(tmp_path / "missing.yaml")


def test_the_demo_notice_points_to_the_profile_not_to_a_wall(client):
    from portal.documents.loader import load_directory

    notice = ROOT / "content" / "notice" / "banshi-dating-tousu-jiandu-qudao-gonggao.md"
    text = notice.read_text(encoding="utf-8")
    assert "详见办事大厅公示" not in text and "/about/#contact" in text
    with client.application.app_context():
        load_directory(ROOT / "content")
        profile.load_example(ROOT / "content" / "about.yaml")
    html = client.get("/notice/banshi-dating-tousu-jiandu-qudao-gonggao").get_data(as_text=True)
    assert 'href="/about/#contact"' in html
    assert 'id="contact"' in client.get("/about/").get_data(as_text=True)
