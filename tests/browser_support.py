"""Browser-test helpers shared by the end-to-end tests: the app on a loopback port, headless
Debian Chromium through Playwright, signing staff in and out.

Import the fixtures into a test module (``from tests.browser_support import browser,
live_server``; ``module_browser`` is one Chromium for the whole module). Without
``/usr/bin/chromium`` (or Playwright) the ``browser`` fixture skips its test, unless
``E2E_REQUIRE_BROWSER=1`` (as in CI), where that is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from werkzeug.serving import make_server

from tests.staff import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")


def browser_missing() -> str | None:
    """Why no browser test can run here, or None when Chromium and Playwright are present."""
    if not CHROMIUM.exists():
        return "Debian chromium is not installed"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed"
    return None


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served by a threaded WSGI server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Chromium (skips, or fails under ``E2E_REQUIRE_BROWSER=1``, when missing)."""
    yield from _launch_chromium()


@pytest.fixture(scope="module")
def module_browser() -> Iterator[object]:
    """One headless Chromium shared by a whole test module (same skip/fail rules)."""
    yield from _launch_chromium()


def _launch_chromium() -> Iterator[object]:
    missing = browser_missing()
    if missing:
        if os.environ.get("E2E_REQUIRE_BROWSER") == "1":
            pytest.fail(f"E2E_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield instance
        finally:
            instance.close()


def sign_in(page, base: str, username: str, totp_secret: str | None = None) -> None:
    page.goto(f"{base}/admin/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    if totp_secret:
        page.get_by_label("动态验证码", exact=False).fill(pyotp.TOTP(totp_secret).now())
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/admin/")


def sign_out(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/admin/login")


def demo_app(database_url: str, folder: Path):
    """The test app with the demo content of ``content/`` loaded (documents, messages,
    the organisation's profile), as residents' journeys need it."""
    from portal import create_app
    from portal.documents import loader
    from portal.extensions import db
    from portal.interaction.examples import load_examples
    from portal.orgs import profile
    from tests.conftest import ROOT

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(folder / "uploads"),
            "SEARCH_INDEX": str(folder / "search_index"),
            "CONTENT_DIR": str(ROOT / "content"),
            "MIN_FILL_SECONDS": 0,
        }
    )
    with app.app_context():
        report = loader.load_directory(Path(app.config["CONTENT_DIR"]))
        assert report.failed == 0, report.errors
        assert load_examples(Path(app.config["CONTENT_DIR"]) / "messages.yaml") > 0
        assert profile.load_example(Path(app.config["CONTENT_DIR"]) / "about.yaml")
        db.session.remove()
    return app
