"""Many organisations on one installation: each has its pages under ``/org/<code>/``, its
own numbering, inbox and staff; nobody sees or changes another office's data."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.auth.actor import SYSTEM, Actor
from portal.creditcode import check_char
from portal.documents import publishing
from portal.documents.models import Document
from portal.errors import NotAuthorized, ValidationError
from portal.extensions import db
from portal.interaction import messages, submissions
from portal.interaction.models import InfoRequest, Message
from portal.orgs import directory, service
from portal.orgs.models import Organisation
from tests.staff import csrf, login_as


def credit(serial: int) -> str:
    """A valid 统一社会信用代码 (check character per GB 32100)."""
    first = f"11440303MB2D{serial:05d}"
    return first + check_char(first)


def add_org(code: str, short: str, serial: int, kind: str = "street") -> Organisation:
    return service.create(
        SYSTEM,
        code=code,
        name=f"深圳市罗湖区{short}办事处",
        short_name=short,
        kind=kind,
        credit_code=credit(serial),
    )


@pytest.fixture
def two_orgs(app):
    """The home organisation (东晓) and 翠竹街道, each with a news item called ``shared``;
    made in an app context of its own (a session left open would lock SQLite for the
    requests of the test), returned as organisation snapshots and document ids."""
    with app.app_context():
        add_org("cuizhu", "翠竹街道", 1)
        directory.forget()
        home = directory.home()
        cuizhu = directory.by_code("cuizhu")
        docs = {}
        for org, title in ((home, "东晓的新闻"), (cuizhu, "翠竹的新闻")):
            doc = publishing.create(
                "news",
                "shared",
                {"title": title, "topic": "综合政务", "body": f"{title}正文"},
                actor=SYSTEM,
                org_id=org.id,
            )
            publishing.publish(doc, actor=SYSTEM)
            docs[org.code] = doc.id
    return home, cuizhu, docs


def _message(org_id: int, key: str) -> Message:
    sub = submissions.submit_message(
        {"subject": "路灯不亮", "content": "路灯坏了一周。", "category": "城市管理"},
        form_token=key,
        org_id=org_id,
    )
    return db.session.scalar(sa.select(Message).where(Message.tracking_no == sub.tracking_no))


# -- organisations ---------------------------------------------------------------------


def test_a_new_database_has_its_home_organisation_from_the_settings(ctx):
    home = directory.home()
    assert (home.code, home.short_name, home.credit_code) == (
        "dongxiao",
        "东晓街道",
        "11440303MB2C93574X",
    )
    assert not directory.is_platform()


def test_bad_organisation_facts_are_refused_in_chinese_and_nothing_is_stored(ctx):
    with pytest.raises(ValidationError) as info:
        service.create(
            SYSTEM,
            code="Bad Code",
            name="",
            short_name="x",
            kind="county",
            credit_code="11440303MB2D00001A",
            postcode="12",
        )
    errors = info.value.errors
    assert set(errors) == {"code", "name", "kind", "credit_code", "postcode"}
    assert errors["credit_code"].startswith("统一社会信用代码：")
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 1


def test_an_editor_may_not_create_an_organisation(ctx):
    with pytest.raises(NotAuthorized):
        service.create(Actor.staff("e", "editor"), code="x1", name="x")


def test_cli_creates_lists_and_updates_organisations(runner, app):
    created = runner.invoke(
        args=[
            "orgs",
            "create",
            "jianshe",
            "--name",
            "深圳市罗湖区住房和建设局",
            "--short-name",
            "区住房建设局",
            "--kind",
            "department",
            "--credit-code",
            credit(7),
            "--parent",
            "dongxiao",
            "--phone",
            "0755-12345678",
        ]
    )
    assert created.exit_code == 0, created.output
    listed = runner.invoke(args=["orgs", "list"])
    assert "* dongxiao" in listed.output and "jianshe" in listed.output
    assert "⊂ dongxiao" in listed.output
    updated = runner.invoke(args=["orgs", "update", "jianshe", "--office-hours", "周一至周五"])
    assert updated.exit_code == 0, updated.output
    bad = runner.invoke(args=["orgs", "update", "jianshe", "--credit-code", "123"])
    assert bad.exit_code != 0 and "统一社会信用代码" in bad.output
    loop = runner.invoke(args=["orgs", "update", "dongxiao", "--parent", "jianshe"])
    assert loop.exit_code != 0 and "上级单位" in loop.output
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.code == "jianshe"))
        assert org.office_hours == "周一至周五" and org.kind == "department"


def test_cli_creates_a_user_with_memberships_in_two_offices(runner, app, two_orgs):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "wang",
            "--role",
            "handler",
            "--org",
            "dongxiao",
            "--org",
            "cuizhu",
            "--password",
            "东晓街道-长久的口令-2026",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "handler@dongxiao" in result.output and "handler@cuizhu" in result.output
    unknown = runner.invoke(
        args=[
            "users",
            "create",
            "li",
            "--role",
            "editor",
            "--org",
            "nowhere",
            "--password",
            "东晓街道-长久的口令-2026",
        ]
    )
    assert unknown.exit_code != 0 and "nowhere" in unknown.output


# -- public pages -----------------------------------------------------------------------


def test_each_organisation_has_its_pages_under_its_code(client, two_orgs):
    _home, _cuizhu, _docs = two_orgs
    root = client.get("/news/shared").get_data(as_text=True)
    other = client.get("/org/cuizhu/news/shared").get_data(as_text=True)
    assert "东晓的新闻" in root and "翠竹的新闻" not in root
    assert "翠竹的新闻" in other and "深圳市罗湖区翠竹街道办事处" in other
    assert 'href="/org/cuizhu/news/shared"' in client.get("/org/cuizhu/news/").get_data(
        as_text=True
    )
    page = client.get("/org/cuizhu/").get_data(as_text=True)
    assert "翠竹街道政府信息公开" in page and "翠竹的新闻" in page and "东晓的新闻" not in page
    # links on an organisation's pages stay in it
    assert 'href="/org/cuizhu/news/"' in page and 'href="/org/cuizhu/messages/"' in page
    listing = client.get("/org/cuizhu/news/").get_data(as_text=True)
    assert "翠竹的新闻" in listing and "东晓的新闻" not in listing
    assert client.get("/org/cuizhu/feeds/all.rss").status_code == 200
    feed = client.get("/org/cuizhu/feeds/news.atom").get_data(as_text=True)
    assert "翠竹的新闻" in feed and "东晓的新闻" not in feed
    root_feed = client.get("/feeds/all.rss").get_data(as_text=True)
    assert "东晓的新闻" in root_feed and "翠竹的新闻" not in root_feed


def test_unknown_organisation_is_404_and_the_home_code_redirects_to_the_root(client, two_orgs):
    assert client.get("/org/nowhere/").status_code == 404
    assert client.get("/org/nowhere/news/shared").status_code == 404
    moved = client.get("/org/dongxiao/news/?page=1")
    assert moved.status_code == 301 and moved.headers["Location"] == "/news/?page=1"
    assert client.get("/org/dongxiao/").headers["Location"] == "/"


def test_the_orgs_page_groups_organisations_with_counts_and_newest(client, two_orgs):
    page = client.get("/orgs/").get_data(as_text=True)
    assert "街道办事处" in page and "翠竹街道" in page and "东晓街道" in page
    assert "已公开 1 条" in page and "翠竹的新闻" in page
    home = client.get("/").get_data(as_text=True)
    assert 'href="/orgs/"' in home


def test_a_one_office_site_shows_no_platform_navigation(client, make_doc):
    make_doc("news")
    page = client.get("/").get_data(as_text=True)
    assert "/orgs/" not in page and "在本单位内搜索" not in page
    assert "深圳市罗湖区东晓街道办事处" in page


def test_index_numbers_use_each_organisations_credit_code(two_orgs, ctx):
    _, cuizhu, ids = two_orgs
    theirs, ours = (
        db.session.get(Document, ids["cuizhu"]),
        db.session.get(Document, ids["dongxiao"]),
    )
    assert theirs.index_no.startswith(cuizhu.credit_code + "/")
    assert ours.index_no.startswith("11440303MB2C93574X/")
    assert theirs.publisher == "深圳市罗湖区翠竹街道办事处"


def test_a_message_to_an_organisation_is_its_own_and_tracked_from_anywhere(client, two_orgs):
    token = csrf(client, "/org/cuizhu/messages/new")
    form = client.get("/org/cuizhu/messages/new").get_data(as_text=True)
    assert 'action="/org/cuizhu/messages/new"' in form or "form_token" in form
    import re

    form_token = re.search(r'name="form_token"[^>]*value="([^"]+)"', form).group(1)
    answer = client.post(
        "/org/cuizhu/messages/new",
        data={
            "csrf_token": token,
            "form_token": form_token,
            "subject": "翠竹路路灯不亮",
            "content": "翠竹路的路灯坏了一周，请尽快修理。",
            "category": "城市管理",
        },
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    with client.application.app_context():
        stored = db.session.scalar(sa.select(Message))
        assert stored.organisation_id == directory.by_code("cuizhu").id
    assert stored.tracking_no.startswith("LY-")  # no organisation code to remember


def test_a_request_form_is_addressed_to_the_organisation(client, two_orgs, app):
    page = client.get("/org/cuizhu/requests/new").get_data(as_text=True)
    assert "您可以向深圳市罗湖区翠竹街道办事处申请获取政府信息" in page
    with app.app_context():
        _request_to(two_orgs[1].id)


def _request_to(org_id: int) -> None:
    sub = submissions.submit_request(
        {
            "applicant_type": "person",
            "name": "张三",
            "phone": "13912345678",
            "description": "道路维修资金",
            "medium": "电子",
            "delivery": "电子邮件",
        },
        form_token="r1",
        org_id=org_id,
    )
    item = db.session.scalar(
        sa.select(InfoRequest).where(InfoRequest.tracking_no == sub.tracking_no)
    )
    assert item.organisation_id == org_id
    assert submissions.track(sub.tracking_no, sub.code) is not None


def test_content_files_name_their_organisation(app, ctx, tmp_path: Path, two_orgs):
    from portal.documents import loader

    (tmp_path / "news").mkdir()
    head = "---\ntitle: 翠竹要闻\ntopic: 综合政务\npublished_at: 2024-05-01\n"
    (tmp_path / "news" / "a.md").write_text(head + "organisation: cuizhu\n---\n正文\n", "utf-8")
    (tmp_path / "news" / "b.md").write_text(head + "organisation: nowhere\n---\n正文\n", "utf-8")
    report = loader.load_directory(tmp_path)
    assert report.created == 1 and report.failed == 1
    assert "b.md" in report.errors[0] and "organisation" in report.errors[0]
    assert "nowhere" in report.errors[0]
    doc = db.session.scalar(sa.select(Document).where(Document.slug == "a"))
    assert doc.organisation_id == two_orgs[1].id


# -- staff: isolation -------------------------------------------------------------------


def test_services_refuse_another_offices_items(two_orgs, ctx):
    home, cuizhu, ids = two_orgs
    docs = {code: db.session.get(Document, doc_id) for code, doc_id in ids.items()}
    editor_a = Actor.staff("e", "editor", "reviewer", org_ids=[home.id])
    handler_a = Actor.staff("h", "handler", org_ids=[home.id])
    with pytest.raises(NotAuthorized):
        publishing.create(
            "news", "x", {"title": "越权", "topic": "综合政务"}, actor=editor_a, org_id=cuizhu.id
        )
    with pytest.raises(NotAuthorized):
        publishing.withdraw(docs["cuizhu"], reason="越权", actor=editor_a)
    publishing.withdraw(docs["dongxiao"], reason="过时", actor=editor_a)
    theirs = _message(cuizhu.id, "m-b")
    with pytest.raises(NotAuthorized):
        messages.answer_message(theirs, reply="答复", department="城管", actor=handler_a)
    assert theirs.status == "received"


def test_a_handler_sees_only_their_offices_inbox(app, two_orgs, make_user):
    home, cuizhu, _ = two_orgs
    with app.app_context():
        ours = _message(home.id, "m-a").id
        theirs = _message(cuizhu.id, "m-b").id
    client = login_as(app, make_user("handler_a", "handler"))
    listing = client.get("/admin/messages/?status=all").get_data(as_text=True)
    assert f"/admin/messages/{ours}" in listing and f"/admin/messages/{theirs}" not in listing
    assert client.get(f"/admin/messages/{ours}").status_code == 200
    assert client.get(f"/admin/messages/{theirs}").status_code == 404
    token = csrf(client, f"/admin/messages/{ours}")
    refused = client.post(
        f"/admin/messages/{theirs}/answer",
        data={"csrf_token": token, "reply": "越权答复", "department": "城管"},
    )
    assert refused.status_code == 404
    with app.app_context():
        assert db.session.get(Message, theirs).reply is None
    both = login_as(app, make_user("handler_ab", "handler", orgs=("dongxiao", "cuizhu")))
    assert both.get(f"/admin/messages/{theirs}").status_code == 200


def test_an_editor_sees_and_writes_only_their_offices_documents(app, two_orgs, make_user):
    _, _, docs = two_orgs
    client = login_as(app, make_user("editor_b", "editor", orgs=("cuizhu",)))
    listing = client.get("/admin/documents/").get_data(as_text=True)
    assert "翠竹的新闻" in listing and "东晓的新闻" not in listing
    assert client.get(f"/admin/documents/{docs['dongxiao']}/").status_code == 404
    assert client.get(f"/admin/documents/{docs['cuizhu']}/").status_code == 200
    # a new document is written for the editor's own office
    assert "/admin/documents/new/news" in listing
    assert client.get("/admin/documents/new/news?org=dongxiao").status_code == 404


# -- scale: statements per page ----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/org/{code}/",
        "/org/{code}/news/",
        "/org/{code}/news/{slug}",
        "/orgs/",
        "/org/{code}/messages/",
        "/org/{code}/feeds/news.rss",
    ],
)
def test_statements_per_page_do_not_grow_with_organisations_or_documents(
    app, client, ctx, count_queries, path
):
    """The same pages run the same number of statements with 2 organisations and 1 item
    each as with 6 organisations and 4 items each."""

    app.extensions["portal.pagecache"].max_bytes = 0  # every page rendered, none kept

    def measure(orgs: int, per_org: int) -> int:
        for n in range(len(directory.all_orgs()), orgs):
            add_org(f"org{n}", f"第{n}街道", 100 + n)
        directory.forget()
        for org in directory.all_orgs():
            have = db.session.scalar(
                sa.select(sa.func.count(Document.id)).where(Document.organisation_id == org.id)
            )
            for i in range(have, per_org):
                doc = publishing.create(
                    "news",
                    f"n{i}",
                    {"title": f"{org.short_name}新闻{i}", "topic": "综合政务"},
                    actor=SYSTEM,
                    org_id=org.id,
                )
                publishing.publish(doc, actor=SYSTEM)
        url = path.format(code="org1", slug="n0")
        client.get(url)  # warm caches that are per process, not per page
        db.session.commit()  # the test's own reads end before the page is asked for
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(statements)

    small = measure(2, 1)
    large = measure(6, 4)
    assert small == large and small > 0


# -- the migration of a one-office database ---------------------------------------------


def test_migration_gives_every_row_of_a_one_office_site_its_home_organisation(tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}",
            "SEARCH_INDEX": str(tmp_path / "index"),
        }
    )
    migrations = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=migrations, revision="0009")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO document (kind, slug, title, summary, body, body_html, "
                    "publisher, index_no, topic, tags, extra, illustrative, status, "
                    "published_at, created_at, updated_at) VALUES ('news', 'old', '旧新闻', '', "
                    "'', '', '东晓街道', '11440303MB2C93574X/2024-00001', '综合政务', '[]', "
                    "'{}', false, 'published', '2024-05-01 02:00:00', '2024-05-01 02:00:00', "
                    "'2024-05-01 02:00:00')"
                )
            )
            for name, role in (("chief", "admin"), ("writer", "editor")):
                conn.execute(
                    sa.text(
                        "INSERT INTO staff_user (username, display_name, role, password_hash, "
                        "session_version, active, created_at) VALUES (:n, :n, :r, 'x', 1, true, "
                        "'2024-01-01 00:00:00')"
                    ),
                    {"n": name, "r": role},
                )
            conn.execute(
                sa.text(
                    "INSERT INTO review_litigation_figures (year, review_upheld, "
                    "review_corrected, review_other, review_pending, suit_direct_upheld, "
                    "suit_direct_corrected, suit_direct_other, suit_direct_pending, "
                    "suit_after_review_upheld, suit_after_review_corrected, "
                    "suit_after_review_other, suit_after_review_pending, updated_by, updated_at) "
                    "VALUES (2024, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'chief', "
                    "'2024-12-31 00:00:00')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO audit_record (actor, action, target_type, target_id, detail, "
                    "created_at) VALUES ('chief', 'login', 'user', 1, '{}', '2024-01-01'), "
                    "('writer', 'created', 'document', 1, '{}', '2024-01-01')"
                )
            )
        upgrade(directory=migrations)
        home = directory.home()
        assert (home.id, home.code, home.name) == (1, "dongxiao", "深圳市罗湖区东晓街道办事处")
        for table in ("document", "review_litigation_figures"):
            owners = db.session.execute(sa.text(f"SELECT organisation_id FROM {table}")).scalars()
            assert set(owners) == {1}, table
        audit = dict(
            db.session.execute(sa.text("SELECT action, organisation_id FROM audit_record")).all()
        )
        assert audit == {"login": None, "created": 1}
        roles = db.session.execute(
            sa.text(
                "SELECT u.username, u.platform_admin, m.organisation_id, m.role FROM staff_user u "
                "JOIN membership m ON m.user_id = u.id ORDER BY u.username"
            )
        ).all()
        assert [tuple(row) for row in roles] == [
            ("chief", True, 1, "admin"),
            ("writer", False, 1, "editor"),
        ]
        # the old page still answers at its old address, and a new organisation can be added
        with app.test_request_context():
            doc = db.session.scalar(sa.select(Document))
            assert doc.url == "/news/old"
        add_org("cuizhu", "翠竹街道", 1)
        assert db.session.scalar(sa.select(sa.func.max(Organisation.id))) == 2
        db.engine.dispose()


def test_consultations_are_the_organisations_own(app, client, two_orgs, make_user):
    """An opinion sent on another organisation's consultation page is that organisation's;
    its staff moderate it, a handler of another office gets 404 and may not act on it."""
    from datetime import timedelta

    from portal import timeutil
    from portal.consultations import services as consultations
    from portal.consultations.models import Opinion

    home, cuizhu, _ = two_orgs
    today = timeutil.today()
    with app.app_context():
        doc = publishing.create(
            "consultation",
            "plan",
            {
                "title": "翠竹街道规划征求意见",
                "topic": "综合政务",
                "opens_on": (today - timedelta(days=1)).isoformat(),
                "closes_on": (today + timedelta(days=10)).isoformat(),
            },
            actor=SYSTEM,
            org_id=cuizhu.id,
        )
        publishing.publish(doc, actor=SYSTEM)
        doc_id = doc.id
    page = client.get("/org/cuizhu/consultation/plan").get_data(as_text=True)
    assert 'action="/org/cuizhu/consultation/plan/opinions"' in page
    assert client.get("/consultation/plan").status_code == 404  # not the home one's
    import re

    fields = dict(
        re.findall(r'<input[^>]*name="(csrf_token|form_token|rendered)"[^>]*value="([^"]*)"', page)
    )
    sent = client.post(
        "/org/cuizhu/consultation/plan/opinions",
        data={**fields, "content": "建议增加社区绿地和健身设施。", "consent": "y"},
    )
    assert sent.status_code == 200, sent.get_data(as_text=True)
    ours = login_as(app, make_user("handler_a", "handler"))
    theirs = login_as(app, make_user("handler_b", "handler", orgs=("cuizhu",)))
    assert ours.get(f"/admin/consultations/{doc_id}").status_code == 404
    assert "翠竹街道规划征求意见" not in ours.get("/admin/consultations/").get_data(as_text=True)
    assert theirs.get(f"/admin/consultations/{doc_id}").status_code == 200
    with app.app_context():
        opinion = db.session.scalar(sa.select(Opinion))
        assert opinion.document_id == doc_id
        with pytest.raises(NotAuthorized):
            consultations.hide_opinion(
                opinion, reason="越权", actor=Actor.staff("h", "handler", org_ids=[home.id])
            )


def test_a_saved_search_feed_keeps_its_organisation(client, two_orgs):
    scoped = client.get("/search.rss?q=新闻&org=cuizhu").get_data(as_text=True)
    everywhere = client.get("/search.rss?q=新闻").get_data(as_text=True)
    assert "翠竹的新闻" in scoped and "东晓的新闻" not in scoped
    assert "翠竹的新闻" in everywhere and "东晓的新闻" in everywhere


def test_the_tally_follows_every_publication_and_a_recount_agrees(runner, app, two_orgs, ctx):
    """The counts pages read (``document_tally``) equal a count of the documents after
    publishing, withdrawing and re-dating, and ``flask content retally`` finds the same."""
    from portal.documents import tally
    from portal.documents.models import DocumentTally
    from portal.states import DocumentStatus
    from portal.timeutil import parse_local

    home, cuizhu, ids = two_orgs
    for n in range(3):
        doc = publishing.create(
            "notice",
            f"n{n}",
            {"title": f"通知{n}", "topic": "综合政务", "valid_until": "2030-12-31"},
            actor=SYSTEM,
            org_id=cuizhu.id,
        )
        publishing.publish(doc, actor=SYSTEM, published_at=parse_local(f"2024-0{n + 1}-01 10:00"))
    publishing.withdraw(db.session.get(Document, ids["dongxiao"]), reason="过时", actor=SYSTEM)
    newest = db.session.scalar(sa.select(Document).where(Document.slug == "n2"))
    publishing.update(newest, {}, actor=SYSTEM, published_at=parse_local("2025-03-01 09:00"))

    def counted() -> dict[tuple[int, str], tuple[int, object]]:
        rows = db.session.execute(
            sa.select(Document.organisation_id, Document.kind, sa.func.count())
            .add_columns(sa.func.max(Document.published_at))
            .where(Document.status == DocumentStatus.PUBLISHED)
            .group_by(Document.organisation_id, Document.kind)
        ).all()
        return {(org, kind): (count, newest) for org, kind, count, newest in rows}

    def kept() -> dict[tuple[int, str], tuple[int, object]]:
        return {
            (row.organisation_id, row.kind): (row.published, row.newest_at)
            for row in db.session.scalars(sa.select(DocumentTally))
            if row.published
        }

    assert kept() == counted()
    assert kept()[(cuizhu.id, "notice")][0] == 3
    assert tally.per_kind(home.id).get("news", 0) == 0
    db.session.commit()
    result = runner.invoke(args=["content", "retally"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert kept() == counted()


def test_cli_creates_a_platform_admin_without_an_office_role(runner, app):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "zhengwu",
            "--platform-admin",
            "--password",
            "东晓街道-长久的口令-2026",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "platform-admin" in result.output and "otpauth://" in result.output
    neither = runner.invoke(
        args=["users", "create", "nobody", "--password", "东晓街道-长久的口令-2026"]
    )
    assert neither.exit_code != 0 and "角色" in neither.output


def test_kept_pages_follow_a_new_or_renamed_organisation(app, client):
    """The page cache keeps the home page until something on it changes: a second
    organisation adds 机构导航, a new name shows in every page's header."""
    with app.app_context():
        doc = publishing.create("news", "n", {"title": "新闻", "topic": "综合政务"}, actor=SYSTEM)
        publishing.publish(doc, actor=SYSTEM)
    assert 'href="/orgs/"' not in client.get("/").get_data(as_text=True)
    assert 'href="/orgs/"' not in client.get("/").get_data(as_text=True)  # kept now
    with app.app_context():
        add_org("cuizhu", "翠竹街道", 1)
    assert 'href="/orgs/"' in client.get("/").get_data(as_text=True)
    with app.app_context():
        service.update(SYSTEM, "dongxiao", name="深圳市罗湖区东晓街道办事处（新）")
    assert "深圳市罗湖区东晓街道办事处（新）" in client.get("/news/").get_data(as_text=True)
