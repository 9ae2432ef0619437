"""Operations: /healthz, serving under gunicorn, backup and restore, retention purge."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from portal import create_app, search
from portal.audit import AuditRecord
from portal.changelog import DocumentChange
from portal.config import normalize_database_url
from portal.documents import publishing
from portal.documents.models import Attachment, Document
from portal.extensions import db
from portal.interaction import calendar, info_requests, messages, submissions
from portal.interaction.models import InfoRequest, Message
from portal.ops import backup, health, retention, serving
from portal.search.index import get_index
from portal.timeutil import local_date, utcnow
from tests.actors import staff
from tests.conftest import BASE_FIELDS, ROOT
from tests.staff import publish_as_previewed
from tests.synthetic_ids import make_id

PDF = b"%PDF-1.4\n% ops test\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
NAME, ID_NUMBER, PHONE, EMAIL = "李四", make_id("19851122"), "13912345678", "li4@example.com"
ADDRESS = "深圳市罗湖区东晓路1号"
MESSAGE_NAME, MESSAGE_PHONE = "王先生", "13812345678"


@pytest.fixture(autouse=True)
def fast_query_codes(monkeypatch):
    """Query-code hashes at one round: scrypt is slow and the codes' strength is not tested."""
    monkeypatch.setattr(
        submissions,
        "generate_password_hash",
        lambda code: generate_password_hash(code, "pbkdf2:sha256:1"),
    )


def known_years() -> list[int]:
    return calendar.coverage()["known_years"]


def at(year: int, month: int, day: int = 15) -> datetime:
    return datetime(year, month, day, 4, 0, tzinfo=UTC)


# -- /healthz ---------------------------------------------------------------------------


def healthz(client, monkeypatch, now: datetime | None = None):
    if now is not None:
        monkeypatch.setattr(health, "utcnow", lambda: now)
    response = client.get("/healthz")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    return response.status_code, response.get_json()


def quiet_year() -> datetime:
    """A June whose year and the next one the calendar knows: the calendar check is ok."""
    years = known_years()
    return at(max(y for y in years if y + 1 in years), 6)


def test_healthz_reports_every_check_and_no_paths(app, client, make_doc, monkeypatch, tmp_path):
    make_doc("news")  # publishing builds the index
    status, body = healthz(client, monkeypatch, quiet_year())
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "search", "calendar", "disk"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    database = body["checks"]["database"]
    assert database["revision"] == database["head"]
    search_check = body["checks"]["search"]
    assert search_check["pending_changes"] == 0
    assert search_check["applied_change"] == search_check["newest_change"] > 0
    assert search_check["verify"] == {
        "generation": get_index().current_generation(),
        "checked_at": quiet_year().isoformat(),
        "missing": 0,
        "stale": 0,
        "extra": 0,
    }
    assert set(body["checks"]["disk"]["folders"]) == {"instance", "uploads", "search_index"}
    text = json.dumps(body)
    assert str(tmp_path) not in text and app.instance_path not in text
    assert "sqlite" not in text.lower() and "postgres" not in text.lower()


def test_healthz_fails_without_an_index_and_does_not_build_one(app, client, monkeypatch):
    status, body = healthz(client, monkeypatch, quiet_year())
    assert status == 503 and body["status"] == "fail"
    assert body["checks"]["search"]["status"] == "fail"
    assert "search rebuild" in body["checks"]["search"]["error"]
    assert body["checks"]["database"]["status"] == "ok"
    assert not Path(app.config["SEARCH_INDEX"]).exists()


def test_healthz_fails_when_the_schema_is_not_at_the_head(client, make_doc, monkeypatch):
    make_doc("news")
    monkeypatch.setattr(health, "script_heads", lambda directory: ("9999",))
    status, body = healthz(client, monkeypatch, quiet_year())
    assert status == 503
    assert body["checks"]["database"]["status"] == "fail"
    assert "db upgrade" in body["checks"]["database"]["error"]


def test_healthz_fails_when_the_index_lags_behind(app, client, make_doc, monkeypatch):
    doc = make_doc("news")
    db.session.add(DocumentChange(document_id=doc.id, action="updated"))  # never synced
    db.session.commit()
    made = db.session.scalar(sa.select(sa.func.max(DocumentChange.created_at)))
    limit = app.config["HEALTH_INDEX_LAG_SECONDS"]
    monkeypatch.setitem(health.CHECKS, "calendar", lambda now: health.Check(health.OK))

    status, body = healthz(client, monkeypatch, made + timedelta(seconds=limit - 5))
    assert status == 200, body
    assert body["checks"]["search"]["pending_changes"] == 1

    status, body = healthz(client, monkeypatch, made + timedelta(seconds=limit + 5))
    assert status == 503
    assert body["checks"]["search"]["status"] == "fail"
    assert "search sync" in body["checks"]["search"]["error"]

    search.sync()
    status, body = healthz(client, monkeypatch, made + timedelta(seconds=limit + 5))
    assert status == 200 and body["checks"]["search"]["pending_changes"] == 0


def test_full_verify_runs_at_most_every_n_minutes_and_finds_drift(
    app, client, make_doc, monkeypatch
):
    doc = make_doc("news")
    make_doc("news")
    monkeypatch.setitem(health.CHECKS, "calendar", lambda now: health.Check(health.OK))
    calls = []
    real_verify = get_index().verify
    monkeypatch.setattr(get_index(), "verify", lambda: calls.append(1) or real_verify())
    start = utcnow() + timedelta(minutes=1)

    assert healthz(client, monkeypatch, start)[0] == 200
    assert healthz(client, monkeypatch, start + timedelta(minutes=30))[0] == 200
    assert len(calls) == 1  # cached for PORTAL_HEALTH_VERIFY_MINUTES (60)

    # The index loses a document behind the database's back.
    _, ix = get_index().open_index()
    writer = ix.writer()
    writer.delete_by_term("id", str(doc.id))
    writer.commit()
    assert healthz(client, monkeypatch, start + timedelta(minutes=59))[0] == 200
    status, body = healthz(client, monkeypatch, start + timedelta(minutes=61))
    assert status == 503 and len(calls) == 2
    assert body["checks"]["search"]["verify"]["missing"] == 1
    assert "search verify" in body["checks"]["search"]["error"]

    get_index().fix(get_index().verify())
    assert healthz(client, monkeypatch, start + timedelta(minutes=61, seconds=30))[0] == 503
    status, body = healthz(client, monkeypatch, start + timedelta(minutes=62, seconds=30))
    assert status == 200, body  # a drift is looked at again after a minute
    assert body["checks"]["search"]["verify"]["missing"] == 0

    app.config["HEALTH_VERIFY_MINUTES"] = 0
    status, body = healthz(client, monkeypatch, start + timedelta(days=1))
    assert status == 200 and "verify" not in body["checks"]["search"]


def test_calendar_without_an_arrangement_warns_but_never_fails(client, monkeypatch):
    # With chinese-calendar 1.11 and the shipped holidays.yaml, `last` is 2026: on 2026-12-02
    # 2027 has no State Council arrangement yet. Its deadlines count the statutory holidays,
    # so every host stays in the load balancer and monitoring gets a warning.
    calendar.reset_caches()
    last = max(known_years())
    monkeypatch.setitem(health.CHECKS, "search", lambda now: health.Check(health.OK))

    status, body = healthz(client, monkeypatch, at(last - 1, 12))
    assert status == 200 and body["checks"]["calendar"]["status"] == "ok"
    assert body["checks"]["calendar"]["provisional_years"] == []

    for now in (at(last, 11), at(last, 12, 2), at(last, 12, 31)):
        status, body = healthz(client, monkeypatch, now)
        assert status == 200 and body["status"] == "ok", body
        check = body["checks"]["calendar"]
        assert check["status"] == "warn"
        assert check["provisional_years"] == [last + 1]
        assert check["years"] == {str(last): "arranged", str(last + 1): "provisional"}
        assert check["last_known_year"] == last
        assert str(last + 1) in check["warning"] and "holidays.yaml" in check["warning"]

    status, body = healthz(client, monkeypatch, at(last + 1, 3))  # this year provisional too
    assert status == 200
    assert body["checks"]["calendar"]["status"] == "warn"
    assert body["checks"]["calendar"]["provisional_years"] == [last + 1, last + 2]


def test_calendar_year_from_the_overrides_file_counts(client, monkeypatch, tmp_path):
    last = max(known_years())
    overrides = tmp_path / "holidays.yaml"
    overrides.write_text(f"{last + 1}:\n  holidays: [{last + 1}-01-01]\n", encoding="utf-8")
    calendar.load_overrides(overrides)
    try:
        monkeypatch.setitem(health.CHECKS, "search", lambda now: health.Check(health.OK))
        status, body = healthz(client, monkeypatch, at(last, 12, 20))
        assert status == 200 and body["checks"]["calendar"]["status"] == "ok"
        assert body["checks"]["calendar"]["years"][str(last + 1)] == "arranged"
        assert body["checks"]["calendar"]["provisional_years"] == []
    finally:
        calendar.reset_caches()


def test_calendar_with_an_unreadable_holiday_file_warns(client, monkeypatch, tmp_path, caplog):
    broken = tmp_path / "holidays.yaml"
    broken.write_text("2027:\n  holidays: [2028-01-01]\n", encoding="utf-8")  # wrong year
    monkeypatch.setattr(calendar, "DATA_FILE", broken)
    monkeypatch.setitem(health.CHECKS, "search", lambda now: health.Check(health.OK))
    calendar.reset_caches()
    try:
        with caplog.at_level(logging.ERROR, logger=health.__name__):
            status, body = healthz(client, monkeypatch, at(2026, 12, 2))
        assert status == 200
        assert body["checks"]["calendar"]["status"] == "warn"
        assert "holidays.yaml" in body["checks"]["calendar"]["warning"]
        assert str(tmp_path) not in json.dumps(body)
        assert any(r.name == health.__name__ for r in caplog.records)
    finally:
        monkeypatch.undo()
        calendar.reset_caches()


def test_healthz_fails_when_disk_space_is_short(app, client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "search", lambda now: health.Check(health.OK))
    monkeypatch.setitem(health.CHECKS, "calendar", lambda now: health.Check(health.OK))
    assert healthz(client, monkeypatch)[0] == 200
    app.config["HEALTH_MIN_FREE_MB"] = 10**12
    status, body = healthz(client, monkeypatch)
    assert status == 503
    assert body["checks"]["disk"]["folders"]["uploads"]["status"] == "fail"
    app.config["HEALTH_MIN_FREE_MB"] = 0
    app.config["HEALTH_MIN_FREE_PERCENT"] = 100.1
    assert healthz(client, monkeypatch)[0] == 503


def test_a_check_that_crashes_is_a_failure_not_a_500(client, monkeypatch):
    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "CHECKS", {**health.CHECKS, "disk": broken})
    status, body = healthz(client, monkeypatch)
    assert status == 503
    assert body["checks"]["disk"] == {"status": "fail", "error": "RuntimeError"}


# -- serving ----------------------------------------------------------------------------


def test_worker_count_defaults_to_cpu_cores_but_at_least_two():
    assert serving.default_workers(1) == 2
    assert serving.default_workers(2) == 2
    assert serving.default_workers(8) == 8


def test_after_fork_drops_the_masters_connections_and_searcher(app, make_doc):
    make_doc("news")
    assert search.search("测试").total == 1
    index = get_index()
    assert index._searcher is not None
    db.session.remove()  # a new worker has no session open
    pool = db.engine.pool
    serving.after_fork(app)
    assert index._searcher is None
    assert db.engine.pool is not pool
    pool.dispose()  # in a real worker the master's connections are left to the master
    assert search.search("测试").total == 1  # and everything works again afterwards


def test_gunicorn_error_lines_lose_query_strings(capsys):
    from gunicorn.config import Config

    config = Config()
    config.set("errorlog", "-")
    logger = serving.PrivateLogger(config)
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("Error handling request %s %s", "GET", "/search?q=李四&kind=news")
    logger.warning(
        "Invalid request from ip=127.0.0.1: Invalid request line: 'GET /track?no=LY-1 X'"
    )
    err = capsys.readouterr().err
    assert "/search?…" in err and "/track?…" in err
    assert "李四" not in err and "LY-1" not in err
    assert serving.scrub(42) == 42


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, **headers: str):
    """(status, headers, body) of a GET, without following redirects or verifying TLS."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, exc.read()


@dataclass
class Served:
    port: int
    access_log: Path
    error_log: Path


@pytest.fixture(scope="module")
def gunicorn_server(database_url, tmp_path_factory):
    """``gunicorn`` started in the project folder, so with ROOT/gunicorn.conf.py as is."""
    folder = tmp_path_factory.mktemp("gunicorn")
    served = Served(free_port(), folder / "access.log", folder / "error.log")
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": "test",
        "PORTAL_SEARCH_INDEX": str(folder / "index"),
        "PORTAL_UPLOAD_DIR": str(folder / "uploads"),
        "PORTAL_BIND": f"127.0.0.1:{served.port}",
        "PORTAL_PROXY_COUNT": "1",
    }
    env.pop("PORTAL_WORKERS", None)
    command = [sys.executable, "-m", "gunicorn", "--access-logfile", str(served.access_log)]
    command += ["--error-logfile", str(served.error_log)]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", served.port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no gunicorn"
                time.sleep(0.1)
        yield served
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_gunicorn_conf_serves_with_preload_two_workers_and_private_access_log(gunicorn_server):
    base = f"http://127.0.0.1:{gunicorn_server.port}"
    status, _, _ = fetch(f"{base}/search?q=%E6%9D%8E%E5%9B%9B{ID_NUMBER}")
    assert status == 200
    for _ in range(6):  # each worker disposed of the master's engine and works
        status, headers, body = fetch(f"{base}/healthz")
        assert headers["Cache-Control"] == "no-store"
        assert json.loads(body)["checks"]["database"]["status"] == "ok"
    log = gunicorn_server.error_log.read_text(encoding="utf-8")
    assert log.count("Booting worker with pid") == serving.default_workers()
    lines = gunicorn_server.access_log.read_text(encoding="utf-8").splitlines()
    assert any('"GET /search HTTP/1.1" 200' in line for line in lines), lines
    assert any('"GET /healthz HTTP/1.1"' in line for line in lines)
    text = "\n".join(lines)
    assert "q=" not in text and ID_NUMBER not in text and "%E6" not in text
    assert "127.0.0.1" not in text  # no client address at all


NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
def test_nginx_example_validates_and_caches_only_what_the_portal_allows(gunicorn_server, tmp_path):
    """deploy/nginx.conf on high ports in front of the gunicorn above, with a test certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed for a test certificate")
    certificate = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    certificate += ["-subj", "/CN=localhost", "-keyout", str(tmp_path / "key.pem")]
    certificate += ["-out", str(tmp_path / "cert.pem")]
    subprocess.run(certificate, check=True, capture_output=True)
    http, https = free_port(), free_port()
    site = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for old, new in [
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("127.0.0.1:8000", f"127.0.0.1:{gunicorn_server.port}"),
        ("/etc/ssl/portal/fullchain.pem", str(tmp_path / "cert.pem")),
        ("/etc/ssl/portal/privkey.pem", str(tmp_path / "key.pem")),
        ("/var/cache/nginx/portal", str(tmp_path / "cache")),
        ("/var/log/nginx", str(tmp_path)),
        ("/srv/portal/", f"{ROOT}/"),
    ]:
        assert old in site, old
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = " ".join(f"{kind}_temp_path {tmp_path / kind};" for kind in kinds)
    main = tmp_path / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        + "events {}\nhttp {\n  include /etc/nginx/mime.types;\n"
        + f"  {temp}\n"
        + f"  include {tmp_path / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    command = [NGINX, "-c", str(main), "-p", str(tmp_path)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen([*command, "-g", "daemon off;"])
    try:
        base = f"https://127.0.0.1:{https}"
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", https), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no nginx"
                time.sleep(0.1)
        status, headers, _ = fetch(f"http://127.0.0.1:{http}/news/?page=1")
        assert status == 301 and headers["Location"].startswith("https://")

        # Cached as long as the portal says (feeds: max-age=300), per query string ...
        first, second = (fetch(f"{base}/feeds/all.rss") for _ in range(2))
        assert first[0] == second[0] == 200
        assert (first[1]["X-Cache-Status"], second[1]["X-Cache-Status"]) == ("MISS", "HIT")
        assert fetch(f"{base}/feeds/all.rss?x=1")[1]["X-Cache-Status"] == "MISS"
        # ... but never for someone with a session, nor a page that sets a cookie.
        with_session = fetch(f"{base}/feeds/all.rss", Cookie="session=staff")
        assert with_session[1]["X-Cache-Status"] == "BYPASS"
        form = [fetch(f"{base}/messages/new") for _ in range(2)]
        assert all("Set-Cookie" in h and h["X-Cache-Status"] == "MISS" for _, h, _ in form)
        # Staff pages are never cached and say no-store.
        status, headers, _ = fetch(f"{base}/admin/login")
        assert status == 200 and headers["Cache-Control"] == "no-store"
        assert "X-Cache-Status" not in headers
        # Static files come from nginx: long cache only for versioned URLs.
        status, headers, body = fetch(f"{base}/static/css/site.css?v=1")
        assert status == 200 and body == (ROOT / "portal/static/css/site.css").read_bytes()
        assert headers["Cache-Control"] == "max-age=31536000"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert fetch(f"{base}/static/css/site.css")[1]["Cache-Control"] == "max-age=3600"
        # Residents' forms: at most PORTAL_MAX_REQUEST_MB; the health check from here only.
        request = urllib.request.Request(
            f"{base}/messages/new", data=b"x" * (3 * 1024 * 1024), method="POST"
        )
        context = ssl._create_unverified_context()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30, context=context)
        refused.value.close()
        assert refused.value.code == 413
        assert fetch(f"{base}/healthz")[0] in {200, 503}
        # Public pages and search: kept for the second the portal allows (X-Accel-Expires).
        pages = [fetch(f"{base}/search?q=abc") for _ in range(2)]
        log = (tmp_path / "portal.access.log").read_text(encoding="utf-8")
        assert "/search " in log and "q=abc" not in log and "x=1" not in log
        assert "127.0.0.0 [" in log and "127.0.0.1" not in log
        assert "X-Accel-Expires" not in pages[0][1]  # meant for nginx alone
        assert [h["X-Cache-Status"] for _, h, _ in pages] == ["MISS", "HIT"]
        # A page kept for one reader is not served to a reader in 长者模式, nor back.
        plain = fetch(f"{base}/search?q=abc")
        elder = [fetch(f"{base}/search?q=abc", Cookie="display=elder") for _ in range(2)]
        assert b'class="view-elder"' not in plain[2]
        assert [h["X-Cache-Status"] for _, h, _ in elder] == ["MISS", "HIT"]
        assert all(b'class="view-elder"' in body for _, _, body in elder)
    finally:
        server.terminate()
        server.wait(timeout=20)


def form_tokens(client, url: str) -> dict[str, str]:
    """The hidden fields (CSRF token, form token, render time) of the form at ``url``."""
    html = client.get(url).get_data(as_text=True)
    pattern = r'<input[^>]*name="(csrf_token|form_token|rendered)"[^>]*value="([^"]*)"'
    return dict(re.findall(pattern, html))


def test_app_logs_never_carry_what_residents_typed(app, client, ctx, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    first = client.post(
        "/requests/new",
        data={
            **form_tokens(client, "/requests/new"),
            "applicant_type": "person",
            "name": NAME,
            "id_type": "居民身份证",
            "id_number": ID_NUMBER,
            "phone": PHONE,
            "email": EMAIL,
            "address": ADDRESS,
            "description": "东晓街道2024年违法建筑治理方案",
            "medium": "电子",
            "delivery": "电子邮件",
        },
    )
    assert first.status_code == 200
    taken = db.session.scalar(sa.select(InfoRequest.tracking_no))
    # A clash on the tracking number makes the INSERT fail with every value as a parameter.
    monkeypatch.setattr(submissions, "_next_tracking_no", lambda model, prefix: taken)
    second = client.post(
        "/requests/new",
        data={
            **form_tokens(client, "/requests/new"),
            "applicant_type": "person",
            "name": "张三丰",
            "id_type": "居民身份证",
            "id_number": make_id("19700101"),
            "phone": "13700001111",
            "email": "zhang3@example.com",
            "address": ADDRESS,
            "description": "东晓街道2024年违法建筑治理方案",
            "medium": "电子",
            "delivery": "电子邮件",
        },
    )
    assert second.status_code == 500
    assert "Unhandled error" in caplog.text and "IntegrityError" in caplog.text
    for value in ("张三丰", make_id("19700101"), "13700001111", "zhang3@example.com", ADDRESS):
        assert value not in caplog.text
    for value in (NAME, ID_NUMBER, PHONE, EMAIL):
        assert value not in caplog.text


# -- backup and restore -----------------------------------------------------------------


def instance_app(url: str, folder: Path) -> Flask:
    """A portal instance of its own: database URL, upload folder, index folder."""
    folder.mkdir(parents=True, exist_ok=True)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": url,
            "UPLOAD_DIR": str(folder / "uploads"),
            "SEARCH_INDEX": str(folder / "search_index"),
        }
    )


def close_app(app: Flask) -> None:
    app.extensions["portal.search"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def populate(app: Flask, folder: Path) -> dict:
    """Documents (one with an attachment), a published message and a closed request."""
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        pdf = folder / "plan.pdf"
        pdf.write_bytes(PDF)
        common = {"summary": "摘要", "topic": "城市管理", "body": "违法建筑治理的正文。"}
        news = publishing.create(
            "news",
            "illegal-buildings",
            {"title": "东晓街道违法建筑治理进展", **common},
            actor=staff("test"),
            attachments=[publishing.AttachmentFile("治理方案", pdf, "治理方案.pdf")],
        )
        publishing.publish(news, actor=staff("test"))
        policy = publishing.create(
            "policy",
            "plan-2024",
            {"title": "违法建筑治理工作方案", **common, **BASE_FIELDS["policy"]},
            actor=staff("test"),
        )
        publishing.publish(policy, actor=staff("test"))
        publishing.create(
            "faq",
            "draft-faq",
            {"title": "草稿问答", **common, **BASE_FIELDS["faq"]},
            actor=staff("test"),
        )
        message = submissions.submit_message(
            {
                "subject": "违建投诉",
                "content": "楼顶有违法建筑。",
                "category": "城市管理",
                "name": MESSAGE_NAME,
                "contact": MESSAGE_PHONE,
                "consent": True,
            },
            form_token="ops-message",
        )
        row = db.session.scalar(
            sa.select(Message).where(Message.tracking_no == message.tracking_no)
        )
        messages.answer_message(
            row, reply="已处理。", department="城市管理办公室", actor=staff("h")
        )
        publish_as_previewed(row, "h")
        request = submissions.submit_request(
            {
                "applicant_type": "person",
                "name": NAME,
                "id_type": "居民身份证",
                "id_number": ID_NUMBER,
                "phone": PHONE,
                "email": EMAIL,
                "address": ADDRESS,
                "description": "违法建筑治理工作方案全文",
                "medium": "电子",
                "delivery": "电子邮件",
            },
            form_token="ops-request",
        )
        item = db.session.scalar(
            sa.select(InfoRequest).where(InfoRequest.tracking_no == request.tracking_no)
        )
        info_requests.close_request(item, outcome="disclosed", reply="已提供。", actor=staff("h"))
        return {
            "documents": {
                ("news", "illegal-buildings"),
                ("policy", "plan-2024"),
                ("faq", "draft-faq"),
            },
            "searchable": {news.id, policy.id},
            "attachment": hashlib.sha256(PDF).hexdigest(),
            "message": (message.tracking_no, message.code),
            "request": (request.tracking_no, request.code),
        }


def check_restored(app: Flask, expected: dict) -> None:
    """Every record, file and search hit of ``populate`` is in ``app``'s instance."""
    with app.app_context():
        docs = db.session.scalars(sa.select(Document)).all()
        assert {(d.kind, d.slug) for d in docs} == expected["documents"]
        results = search.search("违法建筑")
        assert {hit.document.id for hit in results.hits} == expected["searchable"]
        attachment = db.session.scalar(sa.select(Attachment))
        assert attachment.sha256 == expected["attachment"]
        stored = Path(app.config["UPLOAD_DIR"]) / attachment.stored_name
        assert stored.read_bytes() == PDF
        message = submissions.track(*expected["message"])
        assert message is not None and message.name == MESSAGE_NAME and message.published
        request = submissions.track(*expected["request"])
        assert request is not None and request.id_number == ID_NUMBER
        assert request.outcome == "disclosed"
        assert search.verify().ok
    client = app.test_client()
    assert client.get("/news/illegal-buildings").status_code == 200
    assert "违建投诉" in client.get("/messages/").get_data(as_text=True)
    with client.get(f"/attachments/{attachment.id}/治理方案.pdf") as download:
        assert download.status_code == 200 and download.data == PDF


def archive_manifest(path: Path) -> tuple[dict, dict[str, bytes]]:
    with tarfile.open(path, "r:gz") as tar:
        contents = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    return json.loads(contents.pop("manifest.json")), contents


def test_backup_and_restore_into_a_fresh_sqlite_instance(tmp_path):
    source = instance_app(f"sqlite:///{tmp_path / 'a' / 'portal.db'}", tmp_path / "a")
    target = instance_app(f"sqlite:///{tmp_path / 'b' / 'portal.db'}", tmp_path / "b")
    try:
        expected = populate(source, tmp_path)
        (tmp_path / "backups").mkdir()
        # A writer holds an uncommitted change while the backup runs: not in the copy.
        with source.app_context():
            writer = db.engine.connect().execution_options(portal_immediate=True)
            writer.begin()  # BEGIN IMMEDIATE (portal/database.py): holds the write lock
            writer.execute(sa.text("UPDATE document SET title = 'uncommitted'"))
            result = source.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
            writer.rollback()
            writer.close()
        assert result.exit_code == 0, result.output
        (archive,) = (tmp_path / "backups").glob("portal-backup-*.tar.gz")
        assert archive.stat().st_mode & 0o777 == 0o600
        manifest, contents = archive_manifest(archive)
        assert manifest["format"] == 1
        assert manifest["database"]["kind"] == "sqlite"
        with source.app_context():
            assert manifest["database"]["revision"] == ",".join(
                health.script_heads(source.extensions["migrate"].directory)
            )
        assert manifest["counts"] == {
            "documents": 3,
            "attachments": 1,
            "messages": 1,
            "requests": 1,
        }
        assert set(contents) == set(manifest["files"])
        for name, data in contents.items():
            assert hashlib.sha256(data).hexdigest() == manifest["files"][name]["sha256"]
        assert f"uploads/{expected['attachment']}.pdf" in contents
        assert b"uncommitted" not in contents["database.sqlite3"]

        result = target.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "Rebuilt the search index: 2 published documents." in result.output
        check_restored(target, expected)
        with target.app_context():
            restored = db.session.scalar(
                sa.select(AuditRecord).where(AuditRecord.action == "restore")
            )
            assert restored.detail == {"backup_created_at": manifest["created_at"]}

        again = target.test_cli_runner().invoke(args=["restore", str(archive)])
        assert again.exit_code == 1 and "--force" in again.output
        forced = target.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
        assert forced.exit_code == 0, forced.output
        check_restored(target, expected)
    finally:
        close_app(source)
        close_app(target)


def test_restore_refuses_a_damaged_archive_and_leaves_the_database_alone(tmp_path):
    source = instance_app(f"sqlite:///{tmp_path / 'a' / 'portal.db'}", tmp_path / "a")
    target = instance_app(f"sqlite:///{tmp_path / 'b' / 'portal.db'}", tmp_path / "b")
    try:
        populate(source, tmp_path)
        archive = tmp_path / "good.tar.gz"
        assert source.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
        exists = source.test_cli_runner().invoke(args=["backup", str(archive)])
        assert exists.exit_code == 1 and "already exists" in exists.output
        manifest, contents = archive_manifest(archive)
        damaged = tmp_path / "damaged.tar.gz"
        with tarfile.open(damaged, "w:gz") as tar:
            for name, data in [("manifest.json", json.dumps(manifest).encode()), *contents.items()]:
                if name.startswith("uploads/"):
                    data = data.replace(b"ops test", b"tampered")
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        result = target.test_cli_runner().invoke(args=["restore", str(damaged)])
        assert result.exit_code == 1 and "damaged" in result.output
        with target.app_context():
            assert backup.database_is_empty()
        assert not list((tmp_path / "b" / "uploads").glob("*.pdf"))

        newer = tmp_path / "newer.tar.gz"
        with tarfile.open(newer, "w:gz") as tar:
            data = json.dumps(
                {**manifest, "database": {**manifest["database"], "revision": "9999"}}
            )
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data.encode())
            tar.addfile(info, io.BytesIO(data.encode()))
        result = target.test_cli_runner().invoke(args=["restore", str(newer)])
        assert result.exit_code == 1 and "revision 9999 is unknown" in result.output

        evil = tmp_path / "evil.tar.gz"
        with tarfile.open(evil, "w:gz") as tar:
            for name, data in [("manifest.json", json.dumps(manifest).encode()), ("../x", b"x")]:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        result = target.test_cli_runner().invoke(args=["restore", str(evil)])
        assert result.exit_code == 1 and "unexpected entry" in result.output
        assert not (tmp_path / "b" / "x").exists()
    finally:
        close_app(source)
        close_app(target)


@pytest.fixture
def pg_scratch():
    """Two scratch PostgreSQL databases of this test's own, dropped afterwards.

    Runs whenever ``PORTAL_TEST_DATABASE_URL`` is set (the server is taken from it); otherwise
    it tries the local server and skips if it or the client tools are missing.
    """
    configured = os.environ.get("PORTAL_TEST_DATABASE_URL")
    base = configured or "postgresql://postgres@127.0.0.1:5432/postgres"
    server = sa.make_url(normalize_database_url(base)).set(database="postgres")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")) and not configured:
        pytest.skip("pg_dump/pg_restore not installed")
    engine = sa.create_engine(
        server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        engine.connect().close()
    except sa.exc.OperationalError:
        engine.dispose()
        if configured:
            raise
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    names = [f"ops_scratch_{os.getpid()}_{part}" for part in ("src", "dst")]
    with engine.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield [server.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with engine.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def test_backup_and_restore_on_postgresql(pg_scratch, tmp_path):
    source_url, target_url = pg_scratch
    source = instance_app(source_url, tmp_path / "a")
    target = instance_app(target_url, tmp_path / "b")
    try:
        expected = populate(source, tmp_path)
        archive = tmp_path / "pg.tar.gz"
        result = source.test_cli_runner().invoke(args=["backup", str(archive)])
        assert result.exit_code == 0, result.output
        manifest, contents = archive_manifest(archive)
        assert manifest["database"]["kind"] == "postgresql"
        assert contents["database.pgdump"].startswith(b"PGDMP")
        assert manifest["counts"]["documents"] == 3
        with target.app_context():  # a fresh instance that ran `db upgrade` already
            upgrade(directory=target.extensions["migrate"].directory)
        result = target.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        check_restored(target, expected)
        assert target.test_cli_runner().invoke(args=["restore", str(archive)]).exit_code == 1
        forced = target.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
        assert forced.exit_code == 0, forced.output
        check_restored(target, expected)
        with target.app_context():  # the restored database takes new rows (sequences set)
            publishing.publish(
                publishing.create(
                    "news",
                    "after-restore",
                    {"title": "恢复后新增", "summary": "", "topic": "综合政务", "body": "正文"},
                    actor=staff("t"),
                ),
                actor=staff("t"),
            )
    finally:
        close_app(source)
        close_app(target)


def test_restore_refuses_a_backup_of_the_other_database_kind(tmp_path, monkeypatch):
    source = instance_app(f"sqlite:///{tmp_path / 'a' / 'portal.db'}", tmp_path / "a")
    try:
        populate(source, tmp_path)
        archive = tmp_path / "b.tar.gz"
        assert source.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
        monkeypatch.setattr(backup, "database_kind", lambda: "postgresql")
        result = source.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
        assert result.exit_code == 1 and "holds a sqlite database" in result.output
    finally:
        close_app(source)


# -- retention --------------------------------------------------------------------------


def add_request(*, organisation: bool = False, quarantine: str | None = None, close: bool = True):
    token = f"ret-r-{organisation}-{quarantine}-{close}"
    sub = submissions.submit_request(
        {
            "applicant_type": "organisation" if organisation else "person",
            "organisation_type": "商业企业" if organisation else None,
            "name": "某某咨询有限公司" if organisation else NAME,
            "id_type": "统一社会信用代码" if organisation else "居民身份证",
            "id_number": ID_NUMBER,
            "phone": PHONE,
            "email": EMAIL,
            "address": ADDRESS,
            "description": f"请公开违法建筑治理方案，联系{PHONE}，{NAME}",
            "purpose": "了解情况",
            "medium": "电子",
            "delivery": "电子邮件",
        },
        form_token=token,
        quarantine=quarantine,
    )
    item = db.session.scalar(
        sa.select(InfoRequest).where(InfoRequest.tracking_no == sub.tracking_no)
    )
    if close and not quarantine:
        info_requests.close_request(
            item, outcome="disclosed", reply=f"{NAME}：已提供。", actor=staff("h")
        )
    return item, sub


def add_message(*, publish: bool = False, answer: bool = True, quarantine: str | None = None):
    sub = submissions.submit_message(
        {
            "subject": "占道经营",
            "content": f"门口占道经营，请联系{MESSAGE_PHONE}。{MESSAGE_NAME}",
            "category": "城市管理",
            "name": MESSAGE_NAME,
            "contact": MESSAGE_PHONE,
            "consent": True,
        },
        form_token=f"ret-m-{publish}-{answer}-{quarantine}",
        quarantine=quarantine,
    )
    item = db.session.scalar(sa.select(Message).where(Message.tracking_no == sub.tracking_no))
    if answer and not quarantine:
        messages.answer_message(
            item, reply=f"{MESSAGE_NAME}您好，已处理。", department="城管办", actor=staff("h")
        )
        if publish:
            publish_as_previewed(item, "h")
    return item, sub


def report_csv(client, year: int) -> list[list[str]]:
    response = client.get(f"/reports/annual/{year}.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def snapshot(model) -> list[tuple]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(model).order_by(model.id)).all()
    return [tuple(getattr(r, c.key) for c in sa.inspect(model).columns) for r in rows]


@pytest.fixture
def ledger(app, ctx):
    person, person_sub = add_request()
    organisation, _ = add_request(organisation=True)
    open_request, _ = add_request(close=False)
    spam_request, _ = add_request(quarantine="honeypot")
    published, _ = add_message(publish=True)
    private, _ = add_message()
    unanswered, _ = add_message(answer=False)
    spam_message, _ = add_message(quarantine="too_fast")
    return {
        "person": (person.id, person_sub),
        "organisation": organisation.id,
        "open": open_request.id,
        "spam_request": spam_request.id,
        "published": published.id,
        "private": private.id,
        "unanswered": unanswered.id,
        "spam_message": spam_message.id,
    }


def purge_at(monkeypatch, now: datetime, **options) -> retention.PurgeReport:
    monkeypatch.setattr(retention, "utcnow", lambda: now)
    return retention.purge(**options)


def test_purge_waits_for_each_period_then_anonymises(app, client, ledger, monkeypatch):
    now = utcnow()
    year = local_date(now).year
    before_report = report_csv(client, year)
    before_public = client.get("/messages/").get_data(as_text=True)
    unchanged = (snapshot(InfoRequest), snapshot(Message))
    days = app.config  # the RETENTION_*_DAYS settings
    hour = timedelta(hours=1)

    # Nothing is due before its period.
    report = purge_at(monkeypatch, now + timedelta(days=days["RETENTION_QUARANTINE_DAYS"]) - hour)
    assert report.total == 0
    assert (snapshot(InfoRequest), snapshot(Message)) == unchanged

    # Quarantined submissions go first; dry runs only count.
    quarantine_due = now + timedelta(days=days["RETENTION_QUARANTINE_DAYS"]) + hour
    dry = purge_at(monkeypatch, quarantine_due, dry_run=True)
    assert (dry.quarantined, dry.requests, dry.messages) == (2, 0, 0)
    assert (snapshot(InfoRequest), snapshot(Message)) == unchanged
    purges = sa.select(sa.func.count(AuditRecord.id)).where(AuditRecord.action == "purge")
    assert db.session.scalar(purges) == 1  # the first run's, none for the dry run
    report = purge_at(monkeypatch, quarantine_due)
    assert (report.quarantined, report.requests, report.messages) == (2, 0, 0)
    spam = db.session.get(InfoRequest, ledger["spam_request"])
    assert (spam.name, spam.description, spam.phone, spam.id_number) == (
        "已删除",
        "已删除",
        "",
        None,
    )
    assert db.session.get(Message, ledger["spam_message"]).content == "已删除"

    report = purge_at(monkeypatch, now + timedelta(days=days["RETENTION_MESSAGE_DAYS"]) - hour)
    assert report.total == 0
    report = purge_at(monkeypatch, now + timedelta(days=days["RETENTION_MESSAGE_DAYS"]) + hour)
    assert (report.messages, report.requests, report.unanswered_kept) == (2, 0, 1)
    for key in ("published", "private"):
        message = db.session.get(Message, ledger[key])
        assert message.name is None and message.contact is None
        assert MESSAGE_PHONE not in message.content and MESSAGE_NAME not in message.content
        assert message.status == "answered" and message.replied_at is not None
    assert MESSAGE_NAME not in db.session.get(Message, ledger["private"]).reply
    assert db.session.get(Message, ledger["unanswered"]).contact == MESSAGE_PHONE  # still open

    report = purge_at(monkeypatch, now + timedelta(days=days["RETENTION_REQUEST_DAYS"]) - hour)
    assert report.requests == 0
    last_day = now + timedelta(days=days["RETENTION_REQUEST_DAYS"]) + hour
    report = purge_at(monkeypatch, last_day)
    assert report.requests == 2
    for key in ("person", "organisation"):
        item = db.session.get(InfoRequest, ledger[key] if key == "organisation" else ledger[key][0])
        assert (item.name, item.id_number, item.phone, item.email, item.address) == (
            "已删除",
            None,
            "",
            None,
            None,
        )
        assert item.description.startswith("请公开违法建筑治理方案")
        assert PHONE not in item.description
        assert "139****5678" in item.description
        assert (item.outcome, item.applicant_type) != (None, None)
    person = db.session.get(InfoRequest, ledger["person"][0])
    assert NAME not in person.description and NAME not in person.reply  # own name masked
    organisation = db.session.get(InfoRequest, ledger["organisation"])
    assert organisation.organisation_type == "商业企业"
    opened = db.session.get(InfoRequest, ledger["open"])
    assert (opened.name, opened.id_number) == (NAME, ID_NUMBER)  # still being handled

    # Idempotent: a second run changes nothing and says so.
    after = (snapshot(InfoRequest), snapshot(Message))
    assert purge_at(monkeypatch, last_day).total == 0
    assert (snapshot(InfoRequest), snapshot(Message)) == after

    # The record stays useful: public answers, the annual report, tracking.
    public = client.get("/messages/").get_data(as_text=True)
    published = db.session.get(Message, ledger["published"])
    assert published.public_subject in public and published.public_reply in public
    assert public.count('class="message"') == before_public.count('class="message"') == 1
    assert report_csv(client, year) == before_report
    person_id, person_sub = ledger["person"]
    tracked = submissions.track(person_sub.tracking_no, person_sub.code)
    assert tracked.id == person_id and tracked.status == "closed"

    audits = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.action == "purge").order_by(AuditRecord.id)
    ).all()
    assert len(audits) == 7  # one per run that was not a dry run
    nothing = {
        "requests": 0,
        "messages": 0,
        "feedback": 0,
        "opinions": 0,
        "quarantined": 0,
        "files": 0,
    }
    assert audits[-2].detail == {**nothing, "requests": 2}
    assert audits[-1].detail == nothing
    assert all(a.actor == "system" and a.target_type == "system" for a in audits)


def test_purge_command(app, runner, ledger, monkeypatch):
    later = utcnow() + timedelta(days=app.config["RETENTION_REQUEST_DAYS"] + 1)
    monkeypatch.setattr(retention, "utcnow", lambda: later)
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    counts = (
        "{} information requests, {} messages, 0 reports of an error, 0 consultation opinions "
        "and {} quarantined"
    )
    assert "Would anonymise " + counts.format(2, 2, 2) in dry.output
    assert "Kept 1 unanswered messages" in dry.output
    done = runner.invoke(args=["purge"])
    assert "Anonymised " + counts.format(2, 2, 2) in done.output
    again = runner.invoke(args=["purge"])
    assert "Anonymised " + counts.format(0, 0, 0) in again.output


def test_purge_periods_come_from_settings(app, ctx, ledger, monkeypatch):
    app.config["RETENTION_REQUEST_DAYS"] = 0
    report = purge_at(monkeypatch, utcnow() + timedelta(minutes=1))
    assert (report.requests, report.messages, report.quarantined) == (2, 0, 0)


def test_purge_anonymises_consultation_opinions(app, client, make_doc, monkeypatch):
    """An opinion's name and contact go a message period after receipt; its published
    (masked) text and its answers stay, so the public page and the tallies do not change."""
    from portal.consultations.models import Opinion

    doc = make_doc(
        "consultation", slug="consult-purge", opens_on="2020-01-01", closes_on="2099-12-31"
    )
    with app.app_context():
        kept = Opinion(
            document_id=doc.id,
            form_token="keep",
            content="建议增加路灯，电话13800138000",
            name="王五",
            contact="13800138000",
            consent=True,
            status="published",
            public_content="建议增加路灯，电话138****8000",
            answers={"1": "A"},
        )
        spam = Opinion(
            document_id=doc.id,
            form_token="spam",
            content="广告",
            name="x",
            contact="y",
            quarantined=True,
            quarantine_reason="honeypot",
        )
        db.session.add_all([kept, spam])
        db.session.commit()
        kept_id, spam_id = kept.id, spam.id
        before = client.get("/consultation/consult-purge").get_data(as_text=True)
        early = purge_at(monkeypatch, utcnow() + timedelta(days=30))
        assert early.opinions == 0 and early.quarantined == 0
        days = app.config["RETENTION_MESSAGE_DAYS"]
        report = purge_at(monkeypatch, utcnow() + timedelta(days=days + 1))
        assert (report.opinions, report.quarantined) == (1, 1)
        db.session.expire_all()
        kept, spam = db.session.get(Opinion, kept_id), db.session.get(Opinion, spam_id)
        assert (kept.name, kept.contact) == (None, None)
        assert "13800138000" not in kept.content and kept.answers == {"1": "A"}
        assert kept.public_content == "建议增加路灯，电话138****8000"
        assert (spam.name, spam.contact, spam.content) == (None, None, "已删除")
        assert purge_at(monkeypatch, utcnow() + timedelta(days=days + 2)).total == 0
        after = client.get("/consultation/consult-purge").get_data(as_text=True)
    token = re.compile(r'name="(csrf_token|form_token|rendered)" type="hidden" value="[^"]*"')
    assert token.sub("", after) == token.sub("", before)  # the form's tokens are per visit


def test_the_server_probe_closes_its_socket_when_nothing_answers_in_time():
    """A listening socket that never answers (gunicorn before its workers fork): the probe
    gives up after its timeout without leaving the socket open (it had, which failed a
    run on a busy machine with an unclosed-socket ResourceWarning)."""
    import gc
    import socket

    from tests.servers import answers

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert answers(listener.getsockname()[1], timeout=0.2) is False
        gc.collect()  # an unclosed socket would warn here, an error under filterwarnings
