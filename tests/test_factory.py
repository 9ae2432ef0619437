"""The app factory, settings and the README's configuration table."""

from __future__ import annotations

import re
import runpy
import stat

import pytest
from flask import Flask

from portal import create_app
from portal.config import SETTINGS, load_settings
from tests.conftest import ROOT

#: The development key the portal once shipped in its source (and so published).
OLD_PUBLIC_KEY = "dev-insecure-secret-change-me"


@pytest.fixture(autouse=True)
def instance_folder(monkeypatch, tmp_path):
    """``create_app()`` keeps a development key in ``instance/``: use a throw-away folder,
    and an environment without any ``PORTAL_*`` setting the machine might have."""
    folder = tmp_path / "instance"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(folder))
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env_var, raising=False)
    return folder


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


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://www.example.gov.cn")
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        create_app()
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-real-secret-from-the-vault")
    assert create_app().config["SECRET_KEY"] == "a-real-secret-from-the-vault"


def test_no_setting_default_is_a_usable_secret_key():
    assert next(s for s in SETTINGS if s.name == "SECRET_KEY").default == ""


@pytest.mark.parametrize("env", ["development", "production"])
def test_the_once_public_key_is_refused_everywhere(monkeypatch, env):
    monkeypatch.setenv("PORTAL_ENV", env)
    monkeypatch.setenv("PORTAL_BASE_URL", "https://www.example.gov.cn")
    monkeypatch.setenv("PORTAL_SECRET_KEY", OLD_PUBLIC_KEY)
    with pytest.raises(RuntimeError, match="published"):
        create_app()


def test_development_makes_its_own_key_once_and_keeps_it_private(instance_folder):
    first = create_app().config["SECRET_KEY"]
    path = instance_folder / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="ascii").strip() == first
    assert len(first) >= 32 and first != OLD_PUBLIC_KEY
    assert create_app().config["SECRET_KEY"] == first  # the next start reuses it
    assert [p.name for p in instance_folder.iterdir()] == ["secret_key"]  # no drafts left


def test_an_instance_key_readable_by_others_is_made_private(instance_folder):
    instance_folder.mkdir()
    path = instance_folder / "secret_key"
    path.write_text("k" * 64, encoding="ascii")
    path.chmod(0o644)
    assert create_app().config["SECRET_KEY"] == "k" * 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_test_config_key_writes_nothing(instance_folder):
    assert create_app({"SECRET_KEY": "test"}).config["SECRET_KEY"] == "test"
    assert not (instance_folder / "secret_key").exists()


@pytest.mark.parametrize("entry", ["wsgi.py", "gunicorn.conf.py"])
def test_production_entry_points_refuse_to_start_without_a_key(monkeypatch, instance_folder, entry):
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        runpy.run_path(str(ROOT / entry))
    assert not (instance_folder / "secret_key").exists()  # nothing made up on the way
    monkeypatch.setenv("PORTAL_SECRET_KEY", OLD_PUBLIC_KEY)
    with pytest.raises(RuntimeError, match="published"):
        runpy.run_path(str(ROOT / entry))


def test_wsgi_starts_with_a_real_key(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-real-secret-from-the-vault")
    app = runpy.run_path(str(ROOT / "wsgi.py"))["app"]
    assert app.config["SECRET_KEY"] == "a-real-secret-from-the-vault"


def test_production_needs_a_base_url_or_allowed_hosts(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-real-secret-from-the-vault")
    with pytest.raises(RuntimeError, match="PORTAL_ALLOWED_HOSTS"):
        create_app()
    monkeypatch.setenv("PORTAL_ALLOWED_HOSTS", "www.example.gov.cn, .szlh.gov.cn")
    hosts = create_app().config["TRUSTED_HOSTS"]
    assert hosts == ["www.example.gov.cn", ".szlh.gov.cn", "localhost", "127.0.0.1"]
    monkeypatch.delenv("PORTAL_ALLOWED_HOSTS")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://Portal.Example.gov.cn:8443/")
    hosts = create_app().config["TRUSTED_HOSTS"]
    assert hosts == ["portal.example.gov.cn", "localhost", "127.0.0.1"]


def test_development_answers_only_loopback_names_by_default():
    assert create_app().config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]


@pytest.mark.parametrize("value", ["https://www.example.gov.cn", "*", "www.example.gov.cn:443"])
def test_allowed_hosts_must_be_host_names(monkeypatch, value):
    monkeypatch.setenv("PORTAL_ALLOWED_HOSTS", value)
    with pytest.raises(RuntimeError, match="PORTAL_ALLOWED_HOSTS"):
        create_app()


def test_every_setting_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(PORTAL_[A-Z_]+)` \|", readme, flags=re.M))
    assert documented == {s.env_var for s in SETTINGS}


def test_load_settings_casts_values():
    values = load_settings({"PORTAL_SQL_ECHO": "true", "PORTAL_PORT": "8080"})
    assert values["SQL_ECHO"] is True and values["PORT"] == 8080
