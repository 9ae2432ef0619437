"""Several hosts on one database: each app process has its own search index directory and
caches, yet what one publishes or withdraws shows up (or disappears) on the other — in
search and in the feeds — within two seconds."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

from tests.servers import Session, gunicorn
from tests.staff import PASSWORD

WORD = "龙舟竞渡"
TITLE = f"东晓街道举办{WORD}邀请赛"
SEARCH = "/search?q=" + quote(WORD)


def _wait_until(check, limit: float = 2.0) -> float:
    """Seconds until ``check()`` holds; fails after ``limit`` seconds."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit, "not seen on the other host within 2 s"
        time.sleep(0.05)
    return time.monotonic() - start


def _on(session: Session, path: str) -> bool:
    status, _, text = session.get(path)
    return status == 200 and TITLE in re.sub(r"</?mark>", "", text)  # search highlights words


def test_publish_and_withdraw_on_one_host_show_on_the_other(app, make_user, tmp_path):
    make_user("reviewer1", "reviewer")
    shared = {
        "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
        "PORTAL_SECRET_KEY": "scale-out-test",
        "PORTAL_MIN_FILL_SECONDS": "0",
    }
    host_a = {
        **shared,
        "PORTAL_SEARCH_INDEX": str(tmp_path / "a" / "index"),
        "PORTAL_UPLOAD_DIR": str(tmp_path / "a" / "uploads"),
    }
    host_b = {
        **shared,
        "PORTAL_SEARCH_INDEX": str(tmp_path / "b" / "index"),
        "PORTAL_UPLOAD_DIR": str(tmp_path / "b" / "uploads"),
    }
    with gunicorn(host_a) as port_a, gunicorn(host_b) as port_b:
        a, b = Session(port_a), Session(port_b)
        # Host B has built its index and cached its feed before anything happens.
        assert not _on(b, SEARCH) and not _on(b, "/feeds/news.rss")

        status, headers, _ = a.post_form(
            "/admin/login", "/admin/login", {"username": "reviewer1", "password": PASSWORD}
        )
        assert status == 302, status
        status, headers, _ = a.post_form(
            "/admin/documents/new/news",
            "/admin/documents/new/news",
            {
                "title": TITLE,
                "topic": "民生服务",
                "body": f"{WORD}在深圳水库举行。",
                "action": "save",
            },
        )
        assert status == 302, status
        doc_path = re.sub(r"^https?://[^/]+", "", headers["Location"])
        doc_id = re.search(r"/admin/documents/(\d+)/", doc_path).group(1)
        status, _, _ = a.post_form(doc_path, f"/admin/documents/{doc_id}/publish", {})
        assert status == 302, status

        seen_in_search = _wait_until(lambda: _on(b, SEARCH))
        seen_in_feed = _wait_until(lambda: _on(b, "/feeds/news.rss"))
        assert _on(b, "/news/")

        withdraw = f"/admin/documents/{doc_id}/withdraw"
        status, _, _ = a.post_form(withdraw, withdraw, {"reason": "活动延期"})
        assert status == 302, status
        gone_from_search = _wait_until(lambda: not _on(b, SEARCH))
        gone_from_feed = _wait_until(lambda: not _on(b, "/feeds/news.rss"))
        a.close()
        b.close()
    print(  # shown with -s: how long the other host took
        f"published: search {seen_in_search:.2f}s feed {seen_in_feed:.2f}s; "
        f"withdrawn: search {gone_from_search:.2f}s feed {gone_from_feed:.2f}s"
    )


def test_rate_limits_hold_across_hosts_through_redis(app, tmp_path):
    """With ``PORTAL_REDIS_URL`` the message limit counts a client's submissions on every
    host together: two on host A use it up, the third on host B is refused."""
    import redis

    url = "redis://127.0.0.1:6379/14"  # database 14: this test's own
    redis.Redis.from_url(url).flushdb()
    shared = {
        "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
        "PORTAL_SECRET_KEY": "scale-out-test",
        "PORTAL_MIN_FILL_SECONDS": "0",
        "PORTAL_REDIS_URL": url,
        "PORTAL_MESSAGE_RATE": "2 per hour",
    }
    message = {
        "subject": "路灯不亮",
        "category": "城市管理",
        "content": "东晓路与太白路交叉口的路灯已经坏了三天。",
    }
    try:
        with (
            gunicorn({**shared, "PORTAL_SEARCH_INDEX": str(tmp_path / "a")}) as port_a,
            gunicorn({**shared, "PORTAL_SEARCH_INDEX": str(tmp_path / "b")}) as port_b,
        ):
            a, b = Session(port_a), Session(port_b)
            for _ in range(2):
                status, _, _ = a.post_form("/messages/new", "/messages/new", message)
                assert status == 200
            status, _, page = b.post_form("/messages/new", "/messages/new", message)
            assert status == 429 and "操作过于频繁" in page
            a.close()
            b.close()
    finally:
        redis.Redis.from_url(url).flushdb()
