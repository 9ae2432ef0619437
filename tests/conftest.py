"""Fixtures: a migrated database per session, emptied after every test (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from portal import create_app, timeutil
from portal.documents import publishing
from portal.documents.models import Document
from portal.extensions import db
from portal.orgs import directory
from portal.orgs.service import ensure_home
from portal.search import synonyms
from portal.timeutil import parse_local
from tests.actors import staff
from tests.staff import user_maker

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.solr_cluster", "tests.solr_backend"]


def _reset_postgres(url: str) -> None:
    from portal.config import normalize_database_url

    engine = sa.create_engine(normalize_database_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated once for the whole run, through the real Alembic migrations."""
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()
    return url


@pytest.fixture
def search_config() -> dict[str, Any]:
    """Settings of the search backend (the embedded Whoosh index unless a module asks for
    ``both_backends``, see ``tests/solr_backend.py``)."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, search_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "SEARCH_INDEX": str(tmp_path / "search_index"),
            "CONTENT_DIR": str(ROOT / "content"),
            "MIN_FILL_SECONDS": 0,
            **search_config,
        }
    )
    with app.app_context():
        ensure_home()  # every test starts with the one organisation a new database has
    yield app
    empty_database(app)


def empty_database(app: Flask) -> None:
    """Delete every row the test wrote and release the app's connections and searchers."""
    app.extensions["portal.search"].close()
    synonyms.forget(app)  # later analysis must not reconnect through this app's engine
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name == "organisation":  # parents first would break the tree
                    conn.execute(table.update().values(parent_id=None))
                conn.execute(table.delete())
        ensure_home()  # as a new database has it: apps made by tests themselves need it
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _system_clock() -> Iterator[None]:
    """Every test ends on the system clock, whatever it froze."""
    yield
    timeutil.set_clock(None)


@pytest.fixture(autouse=True)
def _synonyms_from_the_file() -> Iterator[None]:
    """Every test ends with the search analysis reading ``data/synonyms.txt``, not the
    database of an app the test made (and disposed of) itself."""
    yield
    synonyms.forget()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app: Flask):
    with app.app_context():
        yield


BASE_FIELDS: dict[str, dict[str, Any]] = {
    "news": {},
    "notice": {"valid_until": "2030-12-31"},
    "policy": {"doc_number": "深罗东办〔2024〕1号", "issued_on": "2024-03-01", "validity": "有效"},
    "enforcement": {
        "subtype": "行政处罚",
        "decision_no": "深罗东执罚〔2024〕第0001号",
        "party": "某餐饮管理有限公司",
        "party_type": "organisation",
        "legal_basis": "《深圳经济特区市容和环境卫生管理条例》第二十条",
        "result": "罚款人民币2000元",
        "decided_on": "2024-05-06",
    },
    "faq": {"question": "如何申请政府信息公开？"},
    "finance": {"fiscal_year": 2024, "amount": "1250000.00", "project": "部门预算"},
    "consultation": {"opens_on": "2024-06-01", "closes_on": "2024-06-30"},
    "service": {
        "basis": "《中华人民共和国政府信息公开条例》",
        "conditions": "本辖区居民",
        "materials": "居民身份证",
        "place": "街道党群服务中心一楼",
        "hours": "工作日 9:00—18:00",
        "phone": "0755-12345678",
        "fee": "不收费",
    },
    "report": {"year": 2024},
}


@pytest.fixture
def make_doc(app: Flask, ctx: None) -> Callable[..., Document]:
    """Create (and by default publish) a document of any kind through the publishing service."""
    counter = iter(range(1, 1_000_000))

    def _make(
        kind: str = "news",
        *,
        slug: str | None = None,
        status: str = "published",
        published_at: str = "2024-05-01 10:00",
        org: str | None = None,
        **fields: Any,
    ) -> Document:
        n = next(counter)
        data: dict[str, Any] = {
            "title": f"测试信息{n}",
            "summary": f"摘要{n}",
            "topic": "综合政务",
            "body": f"正文第{n}篇。",
            **BASE_FIELDS[kind],
            **fields,
        }
        org_id = directory.by_code(org).id if org else None  # type: ignore[union-attr]
        doc = publishing.create(
            kind, slug or f"{kind}-{n}", data, actor=staff("test"), org_id=org_id
        )
        if status == "in_review":
            publishing.submit(doc, actor=staff("test"))
        elif status in {"published", "withdrawn"}:
            publishing.publish(doc, actor=staff("test"), published_at=parse_local(published_at))
            if status == "withdrawn":
                publishing.withdraw(doc, reason="信息已过时", actor=staff("test"))
        return doc

    return _make


@pytest.fixture
def count_queries(app: Flask):
    """Collect the SELECT statements run inside a ``with count_queries() as statements:`` block."""
    from contextlib import contextmanager

    @contextmanager
    def _count():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return _count


@pytest.fixture
def make_user(app: Flask):
    """``make_user(username, role, totp=False)`` creates a staff account (see tests/staff.py)."""
    return user_maker(app)
