"""The app factory, settings and the README's configuration table."""

from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.config import DEFAULT_SECRET_KEY, SETTINGS, load_settings
from tests.conftest import ROOT


def test_defaults_use_sqlite_in_instance_folder():
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/portal.db")
    assert app.config["PORT"] == 5000
    assert not app.testing


def test_settings_come_from_prefixed_environment(monkeypatch):
    monkeypatch.setenv("PORTAL_PORT", "5055")
    monkeypatch.setenv("PORTAL_PAGE_SIZE", "7")
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    app = create_app()
    assert app.config["PORT"] == 5055
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1/test"


def test_test_config_overrides_environment(monkeypatch):
    monkeypatch.setenv("PORTAL_SITE_NAME", "来自环境")
    assert create_app({"SITE_NAME": "测试站"}).config["SITE_NAME"] == "测试站"


def test_production_refuses_default_secret_key(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        create_app()
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-real-secret-from-the-vault")
    assert create_app().config["SECRET_KEY"] != DEFAULT_SECRET_KEY


def test_every_setting_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(PORTAL_[A-Z_]+)` \|", readme, flags=re.M))
    assert documented == {s.env_var for s in SETTINGS}


def test_load_settings_casts_values():
    values = load_settings({"PORTAL_SQL_ECHO": "true", "PORTAL_PORT": "8080"})
    assert values["SQL_ECHO"] is True and values["PORT"] == 8080
