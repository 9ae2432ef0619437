"""The back office of a platform (issue 15): each office's dashboard, the supervision view
(监管), organisations managed by platform admins, accounts and the audit log, all scoped
to the organisations of the signed-in person."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.auth.actor import SYSTEM
from portal.auth.models import Membership, User
from portal.creditcode import check_char
from portal.documents import publishing
from portal.extensions import db
from portal.interaction import submissions
from portal.interaction.models import Message
from portal.orgs import directory, service
from portal.orgs.models import Organisation
from portal.timeutil import utcnow
from tests.actors import staff
from tests.conftest import BASE_FIELDS
from tests.staff import csrf, login_as

B = "cuizhu"


def credit(n: int) -> str:
    """A valid 统一社会信用代码, different for each ``n``."""
    first = "11440303MB2C9" + f"{n:04d}"
    return first + check_char(first)


def make_org(app, code: str, n: int, short_name: str | None = None) -> None:
    with app.app_context():
        short = short_name or f"第{n}街道"
        service.create(
            SYSTEM,
            code=code,
            name=f"深圳市罗湖区{short}办事处",
            short_name=short,
            kind="street",
            credit_code=credit(n),
        )


def home_code(app) -> str:
    with app.app_context():
        return directory.home().code


def add_document(app, code: str, slug: str, status: str = "published") -> None:
    with app.app_context():
        org_id = directory.by_code(code).id
        doc = publishing.create(
            "news",
            slug,
            {"title": f"{slug}标题", "topic": "综合政务", **BASE_FIELDS["news"]},
            actor=staff("t"),
            org_id=org_id,
        )
        if status == "in_review":
            publishing.submit(doc, actor=staff("t"))
        elif status == "published":
            publishing.publish(doc, actor=staff("t"))


def add_message(app, code: str, token: str, days_old: int = 0) -> None:
    with app.app_context():
        sub = submissions.submit_message(
            {"subject": "路灯", "content": "路灯坏了", "category": "城市管理"},
            form_token=token,
            org_id=directory.by_code(code).id,
        )
        if days_old:
            message = db.session.scalar(
                sa.select(Message).where(Message.tracking_no == sub.tracking_no)
            )
            message.received_at = utcnow() - timedelta(days=days_old)
            db.session.commit()


@pytest.fixture
def platform(app) -> tuple[str, str]:
    """The home office A and a second one, B (翠竹街道): one document in review in A and
    two in B; one new message in A, and in B three, one of them 70 days old."""
    make_org(app, B, 1, "翠竹街道")
    a = home_code(app)
    add_document(app, a, "a-review", "in_review")
    add_document(app, B, "b-review-1", "in_review")
    add_document(app, B, "b-review-2", "in_review")
    add_message(app, a, "a-1")
    for n, age in enumerate((0, 0, 70)):
        add_message(app, B, f"b-{n}", age)
    return a, B


def short_name(app, code: str) -> str:
    with app.app_context():
        return directory.by_code(code).short_name


def table_row(html: str, code: str) -> str:
    """The supervision table's row of the organisation ``code``."""
    match = re.search(rf'<tr[^>]*id="org-{code}".*?</tr>', html, re.S)
    assert match, code
    return match.group(0)


# -- dashboard ------------------------------------------------------------------------


def test_a_handler_of_one_office_sees_only_its_counts(app, make_user, platform):
    a, b = platform
    handler = login_as(app, make_user("handler_a", "handler", orgs=(a,)))
    html = handler.get("/admin/").get_data(as_text=True)
    assert re.search(r"<strong>1</strong>待答复留言", html)
    assert "<strong>3</strong>" not in html
    assert "待审核信息" not in html  # a handler does not review documents
    assert short_name(app, b) not in html
    assert "已超过 2 个月未答复" not in html  # B's warning is B's


def test_someone_in_two_offices_sees_a_section_for_each(app, make_user, platform):
    a, b = platform
    both = make_user("editor_ab", "editor", orgs=(a, b))
    with app.app_context():  # and handler in B only
        user_id = db.session.scalar(sa.select(User.id).where(User.username == "editor_ab"))
        db.session.add(
            Membership(user_id=user_id, organisation_id=directory.by_code(b).id, role="handler")
        )
        db.session.commit()
    html = login_as(app, both).get("/admin/").get_data(as_text=True)
    sections = dict(
        re.findall(
            r'<section class="org-section" aria-labelledby="org-([\w-]+)">(.*?)</section>',
            html,
            re.S,
        )
    )
    assert set(sections) == {a, b}
    assert re.search(r"<strong>1</strong>待审核信息", sections[a])
    assert re.search(r"<strong>2</strong>待审核信息", sections[b])
    assert "待答复留言" not in sections[a]  # an editor there
    assert re.search(r"<strong>3</strong>待答复留言", sections[b])  # a handler there
    assert "已超过 2 个月未答复" in sections[b] and "已超过 2 个月未答复" not in sections[a]


def test_one_office_dashboard_has_no_sections(app, make_user, platform):
    a, _ = platform
    html = login_as(app, make_user("editor_a", "editor", orgs=(a,))).get("/admin/")
    page = html.get_data(as_text=True)
    assert "org-section" not in page and "<h2>检查指标提醒</h2>" in page
    assert re.search(r"<strong>1</strong>待审核信息", page)


# -- supervision ----------------------------------------------------------------------


def test_supervision_lists_every_office_for_a_platform_admin(app, make_user, platform):
    a, b = platform
    chief = login_as(app, make_user("chief", "admin"))
    page = chief.get("/admin/supervision")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    row_a, row_b = table_row(html, a), table_row(html, b)
    assert short_name(app, a) in row_a and short_name(app, b) in row_b
    assert "1 条留言已超过 2 个月未答复" in row_b
    assert "已超过 2 个月未答复" not in row_a
    assert "“工作动态”栏目还没有发布任何信息" in row_a  # nothing published anywhere yet
    assert 'href="/admin/supervision"' in chief.get("/admin/").get_data(as_text=True)


def test_supervision_counts_published_documents_and_last_update(app, make_user, platform):
    _, b = platform
    add_document(app, b, "b-live")
    html = login_as(app, make_user("chief", "admin")).get("/admin/supervision")
    row_b = table_row(html.get_data(as_text=True), b)
    cells = re.findall(r"<td>(.*?)</td>", row_b, re.S)
    assert cells[1] == "1"  # published
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells[0])  # last update
    assert "“工作动态”栏目还没有发布任何信息" not in row_b


def test_an_office_admin_supervises_only_their_office(app, make_user, platform):
    a, b = platform
    admin_a = login_as(app, make_user("admin_a", "admin", orgs=(a,), platform_admin=False))
    html = admin_a.get("/admin/supervision").get_data(as_text=True)
    assert f'id="org-{a}"' in html and f'id="org-{b}"' not in html
    assert "已超过 2 个月未答复" not in html
    assert admin_a.get("/admin/orgs/").status_code == 403
    assert admin_a.get("/admin/users").status_code == 403


@pytest.mark.parametrize("role", ["editor", "reviewer", "handler"])
def test_staff_without_supervision_get_403(app, make_user, platform, role):
    client = login_as(app, make_user(f"{role}_x", role))
    assert client.get("/admin/supervision").status_code == 403
    assert 'href="/admin/supervision"' not in client.get("/admin/").get_data(as_text=True)


def _with_content(app, code: str, n: int) -> None:
    add_document(app, code, f"live-{n}")
    add_document(app, code, f"review-{n}", "in_review")
    add_message(app, code, f"m-{n}", 70)


def test_supervision_and_dashboard_statements_do_not_grow_with_organisations(
    app, make_user, count_queries
):
    _with_content(app, home_code(app), 0)
    make_org(app, "org-1", 1)
    _with_content(app, "org-1", 1)
    chief = login_as(app, make_user("chief", "admin"))
    everywhere = make_user("everywhere", "reviewer", orgs=(home_code(app), "org-1"))
    reviewer = login_as(app, everywhere)

    def count(client, url: str) -> int:
        client.get(url)  # warm: nothing cached differs between the two counts
        with count_queries() as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    two = count(chief, "/admin/supervision"), count(reviewer, "/admin/")
    for n in range(2, 6):
        make_org(app, f"org-{n}", n)
        _with_content(app, f"org-{n}", n)
        with app.app_context():
            user_id = db.session.scalar(sa.select(User.id).where(User.username == "everywhere"))
            org_id = directory.by_code(f"org-{n}").id
            db.session.add(Membership(user_id=user_id, organisation_id=org_id, role="reviewer"))
            db.session.commit()
    html = chief.get("/admin/supervision").get_data(as_text=True)
    assert html.count('id="org-') == 6
    assert reviewer.get("/admin/").get_data(as_text=True).count("org-section") == 6
    six = count(chief, "/admin/supervision"), count(reviewer, "/admin/")
    assert six == two


# -- organisations --------------------------------------------------------------------


def _org_form(**overrides: str) -> dict[str, str]:
    return {
        "code": "huangbei",
        "name": "深圳市罗湖区黄贝街道办事处",
        "short_name": "黄贝街道",
        "kind": "street",
        "credit_code": credit(7),
        "parent": "",
        "sort": "5",
        "address": "深圳市罗湖区黄贝路1号",
        "office_hours": "",
        "phone": "0755-12345678",
        "fax": "",
        "email": "hb@example.gov.cn",
        "postcode": "518000",
        **overrides,
    }


def _org_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Organisation.id))) or 0


def test_a_platform_admin_creates_and_edits_an_organisation(app, make_user):
    chief = login_as(app, make_user("chief", "admin"))
    data = _org_form(parent=home_code(app), csrf_token=csrf(chief, "/admin/orgs/"))
    response = chief.post("/admin/orgs/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = chief.get("/admin/orgs/").get_data(as_text=True)
    assert "已新建单位“深圳市罗湖区黄贝街道办事处”（huangbei）" in listing
    assert credit(7) in listing and "深圳市罗湖区黄贝路1号" in listing
    with app.app_context():
        org = directory.by_code("huangbei")
        assert org.sort == 5 and org.parent_id == directory.home().id
        assert db.session.scalar(
            sa.select(AuditRecord.id).where(
                AuditRecord.action == "org_created", AuditRecord.organisation_id == org.id
            )
        )

    edit = "/admin/orgs/huangbei/edit"
    form = chief.get(edit).get_data(as_text=True)
    assert 'value="黄贝街道"' in form and 'value="518000"' in form
    changed = _org_form(short_name="黄贝", postcode="518001", csrf_token=csrf(chief, edit))
    changed.pop("code")
    assert chief.post(edit, data=changed).status_code == 302
    with app.app_context():
        org = directory.by_code("huangbei")
        assert org.short_name == "黄贝" and org.postcode == "518001"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"credit_code": credit(7)[:17] + "0"}, "credit_code", "统一社会信用代码：校验位不正确"),
        ({"credit_code": "abc"}, "credit_code", "统一社会信用代码：应为18位"),
        ({"code": "Bad Code!"}, "code", "单位代码：应为2至32位"),
        ({"code": ""}, "code", "单位代码：必填"),
        ({"name": ""}, "name", "单位全称：必填"),
        ({"name": "长" * 101}, "name", "不能超过 100 个字"),
        ({"kind": "planet"}, "kind", "单位类型："),
        ({"parent": "nowhere"}, "parent", "上级单位：没有代码为 nowhere 的单位"),
        ({"sort": "first"}, "sort", "排序：应为"),
        ({"sort": "9" * 40}, "sort", "排序：应为"),
        ({"postcode": "5180"}, "postcode", "邮政编码：应为6位数字"),
        ({"email": "not-an-email"}, "email", "电子邮箱：格式不正确"),
        ({"address": "\x00\u202e" + "址" * 300}, "address", "不能超过 200 个字"),
    ],
)
def test_bad_organisation_input_is_refused_in_chinese_and_nothing_stored(
    app, make_user, overrides, field, message
):
    chief = login_as(app, make_user("chief", "admin"))
    before = _org_count(app)
    data = _org_form(**overrides, csrf_token=csrf(chief, "/admin/orgs/"))
    response = chief.post("/admin/orgs/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', html), field
    assert _org_count(app) == before


def test_every_problem_of_the_form_is_shown_at_once(app, make_user):
    chief = login_as(app, make_user("chief", "admin"))
    data = _org_form(
        sort="first", credit_code="abc", name="", csrf_token=csrf(chief, "/admin/orgs/")
    )
    html = chief.post("/admin/orgs/", data=data).get_data(as_text=True)
    assert "请修改以下 3 处内容后再提交" in html
    for field in ("sort", "credit_code", "name"):
        assert f'id="{field}-error"' in html, field


def test_bad_edit_is_refused_and_changes_nothing(app, make_user):
    chief = login_as(app, make_user("chief", "admin"))
    make_org(app, B, 1, "翠竹街道")
    edit = f"/admin/orgs/{B}/edit"
    data = _org_form(credit_code="91440300MA5" + "0" * 7, csrf_token=csrf(chief, edit))
    data.pop("code")
    response = chief.post(edit, data=data)
    assert response.status_code == 400
    assert "统一社会信用代码：" in response.get_data(as_text=True)
    loop = {**data, "credit_code": credit(1), "parent": B}
    response = chief.post(edit, data=loop)
    assert "上级单位：不能是本单位或其下级单位" in response.get_data(as_text=True)
    with app.app_context():
        org = directory.by_code(B)
        assert org.short_name == "翠竹街道" and org.credit_code == credit(1)
        assert org.parent_id is None
    assert chief.get("/admin/orgs/nowhere/edit").status_code == 404
    assert chief.post("/admin/orgs/nowhere/edit", data=data).status_code == 404


def test_organisation_forms_need_csrf_and_a_platform_admin(app, make_user):
    chief = login_as(app, make_user("chief", "admin"))
    editor = login_as(app, make_user("editor1", "editor"))
    before = _org_count(app)
    assert chief.post("/admin/orgs/", data=_org_form()).status_code == 400
    edit = f"/admin/orgs/{home_code(app)}/edit"
    assert chief.post(edit, data=_org_form(short_name="改名")).status_code == 400
    token = csrf(editor, "/admin/")
    assert editor.get("/admin/orgs/").status_code == 403
    assert editor.post("/admin/orgs/", data=_org_form(csrf_token=token)).status_code == 403
    assert editor.get(edit).status_code == 403
    assert _org_count(app) == before
    with app.app_context():
        assert directory.home().short_name != "改名"
    assert 'href="/admin/orgs/"' in chief.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/orgs/"' not in editor.get("/admin/").get_data(as_text=True)


# -- accounts and audit ---------------------------------------------------------------


def test_users_page_shows_memberships_and_platform_admins(app, make_user, platform):
    a, b = platform
    make_user("editor_ab", "editor", orgs=(a, b))
    html = login_as(app, make_user("chief", "admin")).get("/admin/users").get_data(as_text=True)
    row = re.search(r"<tr>\s*<td>editor_ab</td>.*?</tr>", html, re.S).group(0)
    assert f"{short_name(app, a)} 编辑" in row and f"{short_name(app, b)} 编辑" in row
    assert "<td>否</td>" in row
    chief_row = re.search(r"<tr>\s*<td>chief</td>.*?</tr>", html, re.S).group(0)
    assert "<td>是</td>" in chief_row and "管理员" in chief_row


def test_audit_rows_are_scoped_to_the_offices_one_supervises(app, make_user, platform):
    a, b = platform  # the fixture's documents are audited in their organisations
    admin_a = login_as(app, make_user("admin_a", "admin", orgs=(a,), platform_admin=False))
    admin_b = login_as(app, make_user("admin_b", "admin", orgs=(b,), platform_admin=False))
    chief = login_as(app, make_user("chief", "admin"))

    seen_a = admin_a.get("/admin/audit").get_data(as_text=True)
    assert "a-review标题" in seen_a and "b-review-1标题" not in seen_a
    assert "<td>admin_a</td>" not in seen_a and "<td>chief</td>" not in seen_a  # no sign-ins
    seen_b = admin_b.get("/admin/audit").get_data(as_text=True)
    assert "b-review-1标题" in seen_b and "a-review标题" not in seen_b

    everything = chief.get("/admin/audit").get_data(as_text=True)
    assert "a-review标题" in everything and "b-review-1标题" in everything
    assert "<td>admin_a</td>" in everything  # sign-ins, about no organisation
    assert '<th scope="col">单位</th>' in everything and "<td>平台</td>" in everything
    only_b = chief.get(f"/admin/audit?org={b}").get_data(as_text=True)
    assert "b-review-1标题" in only_b and "a-review标题" not in only_b
    # a filter naming an office one does not supervise shows nothing of it
    assert "b-review-1标题" not in admin_a.get(f"/admin/audit?org={b}").get_data(as_text=True)


def test_one_office_audit_page_has_no_organisation_column(app, make_user):
    html = login_as(app, make_user("chief", "admin")).get("/admin/audit").get_data(as_text=True)
    assert '<th scope="col">单位</th>' not in html and "<td>chief</td>" in html
