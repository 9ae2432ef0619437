"""Rendered public pages kept per worker until the published documents change.

Home, list, detail and search pages are a function of the published documents, the query
string and today's date (open consultations; search also of the index position). Each
request asks the database for the newest change-log id — one step down the primary key —
and serves the page rendered for that position if this worker has it. The publishing
service writes a change-log row in the same transaction as every change, so the moment a
document is withdrawn on any worker or host, the next request sees a new position and the
page is rendered afresh: nothing withdrawn is ever served from here.

Pages that read anything else (a session, a CSRF token, consultation opinions) are not kept:
a response is stored only when nothing read or wrote the session during the request and no
cookie was set. (Flask marks the session ``accessed`` whenever the ``session`` proxy is used,
so the check cannot look through the proxy: the session interface notes each session it
opens, and the check reads that object's flags.)
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request
from flask.sessions import NullSession, SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from werkzeug.http import parse_etags, quote_etag

from portal import security
from portal.changelog import DocumentChange
from portal.extensions import db
from portal.timeutil import local_date, utcnow
from portal.web import display

#: The endpoints whose pages are kept, each with what else its key depends on beyond the
#: address, the date and the change log (None: this page is not kept). The areas that own
#: them register them (``keep_pages``), so this layer never imports an area.
ENDPOINTS: dict[str, Callable[[], tuple | None]] = {}
#: Browsers revalidate every time (a 304 from this cache is cheap), so nobody sees a
#: withdrawn item again; nginx's micro-cache in front (docs/deploy.md) may keep a page
#: for ``MICRO_CACHE_SECONDS`` (``X-Accel-Expires``, which nginx reads and removes).
CACHE_CONTROL = "public, no-cache"
MICRO_CACHE_SECONDS = "1"


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str
    etag: str


class PageCache:
    """A least-recently-used map of rendered pages, bounded by their total size.

    Keys start with the request's address (``path_key``: scheme, host, path and query)
    and the reader's display settings (``display.key``);
    ``paths`` counts the keys per address, so the WSGI front (``CachedPages``) asks the
    database for the change-log position only for addresses that have a page here.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.paths: dict[str, int] = {}
        self.lock = Lock()

    def get(self, key: tuple) -> Page | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: Page) -> None:
        if len(page.body) > self.max_bytes // 8:
            return
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self._forget(key, old)
            self.pages[key] = page
            self.size += len(page.body)
            self.paths[key[0]] = self.paths.get(key[0], 0) + 1
            while self.size > self.max_bytes:
                self._forget(*self.pages.popitem(last=False))

    def _forget(self, key: tuple, page: Page) -> None:
        self.size -= len(page.body)
        left = self.paths[key[0]] - 1
        if left:
            self.paths[key[0]] = left
        else:
            del self.paths[key[0]]


_POSITION_SQL = f"SELECT max(id) FROM {DocumentChange.__tablename__}"

#: What else every rendered page depends on besides the change log: one-value SQL queries
#: areas register (``follow``), e.g. when an organisation's facts last changed — its name
#: is on every page, and a new one adds 机构导航 to the home page.
_FOLLOWED: list[str] = []


def follow(sql: str) -> None:
    """Keep pages only as long as the one value ``sql`` selects stays the same."""
    if sql not in _FOLLOWED:
        _FOLLOWED.append(sql)


def change_position(engine: sa.Engine) -> tuple[object, ...]:
    """The newest change-log id (and the values ``follow`` registered), read in one
    statement on a pooled connection of its own.

    Not through the ORM session: this runs on every public request and the session path
    costs about 15 times more (350 µs against 22 µs on SQLite here). The connection is in
    autocommit (or returned to the pool, which ends its transaction), so it always sees the
    latest commit of any process.
    """
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT " + ", ".join(f"({sql})" for sql in [_POSITION_SQL, *_FOLLOWED]))
        row = cursor.fetchone()
        cursor.close()
    finally:
        raw.close()
    return tuple(row) if row else ()


def path_key(environ: dict) -> str:
    """The page's whole address as the WSGI server gave it: scheme, host, path and query.

    The scheme and host belong to the key because a page's absolute links (the canonical
    URL without ``PORTAL_BASE_URL``) are built from them: a page rendered for one name is
    never served under another. Only names the app accepts (``TRUSTED_HOSTS``) are ever
    stored, so a made-up ``Host`` finds nothing here and goes on to the app, which refuses
    it with a 400. The raw header is used, exactly as the app checked it.
    """
    host = environ.get("HTTP_HOST") or (
        f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    )
    return (
        f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
        f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
    )


class CachedPages:
    """WSGI front of the app: a GET for a page this worker has, at the current change-log
    position, is answered here without entering Flask (no routing, request context or
    hooks) — with the same headers the app would send, including a fresh CSP nonce.
    Everything else goes to the app, which renders the page and keeps it (``_store``).
    """

    def __init__(self, app: Flask, cache: PageCache):
        self.wsgi_app = app.wsgi_app
        self.app = app
        self.cache = cache
        self.https_base = str(app.config.get("BASE_URL", "")).startswith("https://")
        self._engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        """The app's engine, looked up once (disposing it after a fork keeps the object)."""
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine

    def __call__(self, environ: dict, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            path = path_key(environ)
            if path in self.cache.paths:
                key = (
                    path,
                    display.key(environ),
                    local_date(utcnow()),
                    change_position(self.engine),
                )
                page = self.cache.get(key)
                if page is not None:
                    return self._answer(environ, start_response, page)
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ: dict, start_response, page: Page):
        https = self.https_base or environ.get("wsgi.url_scheme") == "https"
        headers = [
            ("Content-Type", page.content_type),
            ("ETag", quote_etag(page.etag)),
            ("X-Accel-Expires", MICRO_CACHE_SECONDS),  # before Cache-Control: see below
            ("Cache-Control", CACHE_CONTROL),
            *security.hardening_headers(security.new_nonce(), https),
        ]
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains(page.etag):
            start_response("304 NOT MODIFIED", headers)
            return [b""]
        headers.append(("Content-Length", str(len(page.body))))
        start_response("200 OK", headers)
        return [page.body]


def _key() -> tuple | None:
    if request.method != "GET" or request.endpoint not in ENDPOINTS:
        return None
    more = ENDPOINTS[request.endpoint]()
    if more is None:
        return None
    return (
        path_key(request.environ),
        display.key(request.environ),  # 长者模式 and the other settings change the page
        local_date(utcnow()),
        change_position(db.engine),
        *more,
    )


def keep_pages(endpoint: str, key: Callable[[], tuple | None] = tuple) -> None:
    """Keep ``endpoint``'s rendered pages; ``key`` says what else they depend on (called
    for each request; None when this page must not be kept)."""
    ENDPOINTS[endpoint] = key


def _serve() -> Response | None:
    key = _key()
    if key is None:
        return None
    page = current_app.extensions["portal.pagecache"].get(key)
    if page is None:
        g.page_key = key  # render, then keep it (``_store``)
        return None
    if page.etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(page.body, content_type=page.content_type)
    _cache_headers(response, page.etag)
    return response


def _cache_headers(response: Response, etag: str) -> None:
    response.set_etag(etag)
    # First: nginx before 1.23 ignores X-Accel-Expires that follows "Cache-Control: no-cache".
    response.headers.pop("Cache-Control", None)
    response.headers["X-Accel-Expires"] = MICRO_CACHE_SECONDS
    response.headers["Cache-Control"] = CACHE_CONTROL


class _NotingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, each one noted in ``g`` as it is opened.

    ``SessionMixin.accessed`` is set by the request context whenever the session is used
    through it, the ``session`` proxy included, so ``_store`` cannot ask the proxy without
    marking the session accessed (and adding ``Vary: Cookie`` to every page). The session
    interface is Flask's public hook for sessions; the object noted here is the one the
    request uses, and its ``accessed`` and ``modified`` flags are read as they are.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        g.opened_session = session = super().open_session(app, request)
        return session

    def make_null_session(self, app: Flask) -> NullSession:
        g.opened_session = session = super().make_null_session(app)
        return session


def _store(response: Response) -> Response:
    key = g.pop("page_key", None)
    opened = g.pop("opened_session", None)  # see _NotingSessionInterface: not the proxy
    if (
        key is None
        or response.status_code != 200
        or response.direct_passthrough
        or (opened is not None and (opened.accessed or opened.modified))
        or "Set-Cookie" in response.headers
        or security.nonce_used()  # the next response's CSP will carry another nonce
    ):
        return response
    body = response.get_data()
    etag = hashlib.blake2b(repr(key).encode() + body, digest_size=12).hexdigest()
    current_app.extensions["portal.pagecache"].put(
        key, Page(body, response.content_type or "text/html; charset=utf-8", etag)
    )
    _cache_headers(response, etag)
    response.make_conditional(request)  # in place (it returns itself, typed as werkzeug's)
    return response


def init_app(app: Flask) -> None:
    """Keep rendered public pages per worker (``PORTAL_PAGE_CACHE_MB``; 0 turns it off)."""
    megabytes = app.config["PAGE_CACHE_MB"]
    if megabytes <= 0:
        return
    cache = app.extensions["portal.pagecache"] = PageCache(int(megabytes * 1024 * 1024))
    app.session_interface = _NotingSessionInterface()  # how ``_store`` sees the session
    app.before_request(_serve)
    app.after_request(_store)
    app.wsgi_app = CachedPages(app, cache)  # type: ignore[method-assign]
