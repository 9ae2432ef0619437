"""Every configuration key of the portal, declared once with its default and meaning.

Each setting is read from the environment variable ``PORTAL_<NAME>``; the README's
configuration table is checked against this list by a test.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Keys that were once published (the old development default): refused everywhere, since
#: anyone can sign a session cookie with them.
PUBLIC_SECRET_KEYS = frozenset({"dev-insecure-secret-change-me"})
#: Where development keeps the random key it made for itself (mode 600).
INSTANCE_KEY_FILE = "secret_key"
#: Host names that reach only this machine: always answered (monitoring, local tools).
#: An IPv6 literal such as ``[::1]`` cannot be listed: Werkzeug 3.1 compares only the part
#: of a trusted name before its first colon.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    doc: str
    cast: Callable[[str], Any] = str

    @property
    def env_var(self) -> str:
        return f"PORTAL_{self.name}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ENV",
        "development",
        "`development` or `production`; production refuses to start without a secret key "
        "and without `PORTAL_BASE_URL` or `PORTAL_ALLOWED_HOSTS`",
    ),
    Setting(
        "SECRET_KEY",
        "",
        "Signs sessions, CSRF and form tokens; required in production and by `wsgi.py` "
        "(empty in development: a random key kept in `instance/secret_key`)",
    ),
    Setting("DATABASE_URL", "", "SQLAlchemy URL; empty means SQLite at `instance/portal.db`"),
    Setting("SEARCH_INDEX", "search_index", "Directory of the Whoosh full-text index"),
    Setting("SEARCH_PAGE_SIZE", 10, "Results per page on the search page", int),
    Setting(
        "SEARCH_BACKEND",
        "whoosh",
        "`whoosh` (the embedded index in `PORTAL_SEARCH_INDEX`, one host) or `solr` "
        "(a SolrCloud collection shared by every host: `PORTAL_SOLR_URL`)",
    ),
    Setting(
        "SOLR_URL",
        "",
        "The SolrCloud collection searched when `PORTAL_SEARCH_BACKEND=solr`, on one or more "
        "nodes, comma-separated (http://10.0.0.5:8983/solr/portal,http://10.0.0.6:8983/solr/"
        "portal); `flask search solr-setup` creates it",
    ),
    Setting("SOLR_SHARDS", 1, "Shards of a collection `flask search rebuild` creates", int),
    Setting("SOLR_REPLICAS", 2, "Replicas of each shard (one node may be down)", int),
    Setting("CONTENT_DIR", "content", "Folder of Markdown content loaded by `flask content load`"),
    Setting("UPLOAD_DIR", "", "Where attachments are stored; empty means `instance/uploads`"),
    Setting("UPLOAD_MAX_MB", 20.0, "Largest attachment staff may upload, in MB", float),
    Setting("HOST", "127.0.0.1", "Address `python app.py` listens on"),
    Setting("PORT", 5000, "Port `python app.py` listens on", int),
    Setting(
        "BASE_URL", "", "Public absolute URL (e.g. https://www.example.gov.cn) for feeds and links"
    ),
    Setting(
        "ALLOWED_HOSTS",
        "",
        "Host names the portal answers to, comma-separated (`.example.gov.cn`: with subdomains); "
        "other `Host` headers get 400. Besides these: the host of `PORTAL_BASE_URL`, localhost "
        "and 127.0.0.1",
    ),
    Setting("SITE_NAME", "东晓街道政府信息公开", "Site title shown to residents"),
    Setting(
        "SITE_OPERATOR",
        "",
        "承办单位 in the footer (who runs the site for the organisation); empty: not shown",
    ),
    Setting(
        "SITE_CODE",
        "",
        "网站标识码 in the footer (the 10 digits 国办发〔2017〕47号 assigns); empty: not shown",
    ),
    Setting(
        "ICP_NO",
        "",
        "ICP 备案号 in the footer, as filed (粤ICP备12345678号-1), linking to the MIIT "
        "filing site; empty: not shown",
    ),
    Setting(
        "PSB_NO",
        "",
        "公安机关备案号 in the footer, as filed (粤公网安备 44030302000123号), linking to its "
        "record on beian.mps.gov.cn; empty: not shown",
    ),
    Setting(
        "CONAC_BADGE",
        "",
        "Image file (PNG, JPEG, GIF or WebP) of the 党政机关网站标识 the office received, "
        "absolute or relative to `instance/`; served at `/site-badge` and shown in the footer "
        "with `PORTAL_CONAC_URL` (both needed; the portal ships no emblem)",
    ),
    Setting(
        "CONAC_URL",
        "",
        "Verification link of the 党政机关网站标识 (from the office's registration)",
    ),
    Setting(
        "ERROR_REPORT_URL",
        "",
        "我为政府网站找错 in the footer: the national error-report platform's address for this "
        "site; empty: not shown",
    ),
    Setting(
        "HOME_ORG",
        "",
        "Code of the home organisation, whose pages are at the root (the others' under "
        "`/org/<code>/`); empty: the first organisation created",
    ),
    Setting(
        "ORG_CODE",
        "dongxiao",
        "URL code of the first organisation, created with the database "
        "(later: `flask orgs update`)",
    ),
    Setting("ORG_NAME", "深圳市罗湖区东晓街道办事处", "Full name of the first organisation"),
    Setting("ORG_SHORT_NAME", "东晓街道", "Short name of the first organisation"),
    Setting(
        "ORG_CREDIT_CODE",
        "11440303MB2C93574X",
        "统一社会信用代码 of the first organisation, prefix of its 索引号 (demo value: set the "
        "office's own)",
    ),
    Setting("PAGE_CACHE_MB", 32.0, "Rendered public pages kept per worker (0: none)", float),
    Setting("PAGE_SIZE", 20, "Items per page on list pages", int),
    Setting("FEED_SIZE", 50, "Newest items in each RSS/Atom feed", int),
    Setting(
        "FEED_CACHE_SIZE", 256, "Built feeds kept per worker until the next change (0: none)", int
    ),
    Setting(
        "TAG_AUTHORITY",
        "dongxiao.szlh.gov.cn",
        "Domain in feed entry ids (tag: URIs); never change it once feeds are public",
    ),
    Setting(
        "REDIS_URL",
        "",
        "Redis for shared rate limits (e.g. redis://127.0.0.1:6379/0); empty: per-worker memory",
    ),
    Setting(
        "PROXY_COUNT",
        0,
        "Trusted reverse proxies in front (X-Forwarded-For is ignored when 0)",
        int,
    ),
    Setting("MESSAGE_RATE", "5 per hour", "Messages one client may post"),
    Setting("REQUEST_RATE", "3 per hour", "Information requests one client may file"),
    Setting("MIN_FILL_SECONDS", 3.0, "Forms sent back faster than this are quarantined", float),
    Setting("ADMIN_IDLE_MINUTES", 30, "Staff sessions end after this long without a request", int),
    Setting("SQL_ECHO", False, "Log every SQL statement (debugging)", _bool),
    Setting(
        "MAX_REQUEST_MB",
        2.0,
        "Largest request body in MB, 413 beyond it (0: no limit; the staff editor sets its own)",
        float,
    ),
    Setting(
        "SMTP_URL",
        "",
        "Mail relay for notifications to residents: smtp://host[:port], smtps://host[:port], "
        "`?starttls=1`, `user:password@`, `?timeout=30`; empty: nothing is sent (mails stay "
        "queued and the dashboard says so)",
    ),
    Setting(
        "MAIL_FROM",
        "",
        "From of mail to residents (`东晓街道 <noreply@example.gov.cn>`); its host names "
        "every Message-ID. Empty: noreply at the host of `PORTAL_BASE_URL`",
    ),
    Setting("BIND", "127.0.0.1:8000", "Address gunicorn listens on (`gunicorn.conf.py`)"),
    Setting("WORKERS", 0, "gunicorn worker processes (0: one per CPU core, at least 2)", int),
    Setting(
        "HEALTH_MIN_FREE_MB",
        1024,
        "`/healthz` fails when a data folder's disk has less free space than this, in MB",
        int,
    ),
    Setting(
        "HEALTH_MIN_FREE_PERCENT",
        5.0,
        "`/healthz` fails when a data folder's disk has less free space than this, in %",
        float,
    ),
    Setting(
        "HEALTH_INDEX_LAG_SECONDS",
        300,
        "`/healthz` fails when a document change has waited longer than this for the index",
        int,
    ),
    Setting(
        "HEALTH_VERIFY_MINUTES",
        60,
        "`/healthz` compares the whole index with the database at most this often (0: never)",
        int,
    ),
    Setting(
        "RETENTION_REQUEST_DAYS",
        1826,
        "Days after closing before `flask purge` anonymises an information request's applicant",
        int,
    ),
    Setting(
        "RETENTION_MESSAGE_DAYS",
        365,
        "Days after the answer before `flask purge` removes a message's name and contact",
        int,
    ),
    Setting(
        "RETENTION_QUARANTINE_DAYS",
        90,
        "Days after receipt before `flask purge` empties a quarantined (spam) submission",
        int,
    ),
)


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings from ``environ`` (default: the process environment) with defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env_var)
        values[setting.name] = setting.default if raw is None or raw == "" else setting.cast(raw)
    return values


def finalize(config: dict[str, Any], instance_path: str) -> None:
    """Derive the Flask/SQLAlchemy keys from the portal settings and check them."""
    instance = Path(instance_path)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance / 'portal.db'}"
    if not config.get("UPLOAD_DIR"):
        config["UPLOAD_DIR"] = str(instance / "uploads")
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(config["DATABASE_URL"])
    config["SQLALCHEMY_ECHO"] = bool(config.get("SQL_ECHO"))
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = str(config.get("BASE_URL", "")).startswith("https://")
    config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    config.setdefault("RATELIMIT_KEY_PREFIX", "portal")
    config["RATELIMIT_HEADERS_ENABLED"] = True
    # Error logs must never carry what residents typed (names, ID numbers, phones).
    options: dict[str, Any] = {"hide_parameters": True}
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options["connect_args"] = {"timeout": 30}
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)
    production = config.get("ENV") == "production"
    config["SECRET_KEY"] = _secret_key(config.get("SECRET_KEY"), instance, production=production)
    if config.get("SEARCH_BACKEND", "whoosh") not in {"whoosh", "solr"}:
        raise ValueError("PORTAL_SEARCH_BACKEND must be `whoosh` or `solr`")
    if config.get("SEARCH_BACKEND") == "solr" and not config.get("SOLR_URL"):
        raise ValueError("PORTAL_SEARCH_BACKEND=solr needs PORTAL_SOLR_URL")
    config["TRUSTED_HOSTS"] = trusted_hosts(
        str(config.get("ALLOWED_HOSTS") or ""), str(config.get("BASE_URL") or ""), production
    )


def check_secret_key(key: object) -> None:
    """Refuse a missing key or one that was ever public (anyone could sign a session)."""
    if not key:
        raise RuntimeError(
            "PORTAL_SECRET_KEY must be set: python3 -c "
            '"import secrets; print(secrets.token_urlsafe(48))"'
        )
    if key in PUBLIC_SECRET_KEYS:
        raise RuntimeError(
            "PORTAL_SECRET_KEY is a key that was published with the portal's source; "
            "set a new random one."
        )


def require_secret_key(environ: Mapping[str, str] | None = None) -> None:
    """For the production entry points (``wsgi.py``, ``gunicorn.conf.py``): a real
    ``PORTAL_SECRET_KEY`` in the environment, never a key made up on this machine."""
    environ = os.environ if environ is None else environ
    check_secret_key(environ.get("PORTAL_SECRET_KEY", "").strip())


def _secret_key(key: object, instance: Path, *, production: bool) -> str:
    if key or production:
        check_secret_key(key)
        return str(key)
    return instance_secret_key(instance)


def instance_secret_key(instance: Path) -> str:
    """Development's own key: made at random on the first start and kept (mode 600) in
    ``instance/secret_key``, so sessions survive a restart. Several processes starting at
    once agree on one key: the file appears whole, by a hard link, or not at all."""
    path = instance / INSTANCE_KEY_FILE
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        draft = instance / f".{INSTANCE_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
            with suppress(FileExistsError):  # another process was first: use its key
                os.link(draft, path)
        finally:
            draft.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} does not hold a usable key; delete it to make a new one.")
    return key


def trusted_hosts(allowed: str, base_url: str, production: bool) -> list[str]:
    """The ``Host`` names to answer (Flask's ``TRUSTED_HOSTS``; any other gets 400), so no
    absolute URL is ever built from a name a client made up."""
    hosts = [name.strip().lower() for name in allowed.split(",") if name.strip()]
    for name in hosts:
        if not name.lstrip(".") or any(c in name for c in "/:*@ []"):
            raise RuntimeError(
                f"PORTAL_ALLOWED_HOSTS: {name!r} is not a host name (no scheme, port or path)"
            )
    base_host = urlsplit(base_url).hostname if base_url else None
    if base_host:
        hosts.append(base_host)
    if production and not hosts:
        raise RuntimeError(
            "PORTAL_BASE_URL or PORTAL_ALLOWED_HOSTS must be set in production: absolute URLs "
            "(canonical links, feeds, the sitemap) are never built from the Host header."
        )
    return list(dict.fromkeys([*hosts, *LOOPBACK_HOSTS]))


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
