"""Serving under gunicorn: worker count, fork hooks and logs without personal data.

``gunicorn.conf.py`` at the project root uses these. With ``preload_app`` the master builds
the app once and loads jieba's dictionary, so workers start fast and share those pages.
That is safe because building the app opens nothing: the database engine connects on first
use and the search index opens its searcher on first use. ``after_fork`` still resets both
in each worker, so nothing a future change opens in the master (a warm-up query, a
searcher) is ever shared between processes: a connection or file position used by two
processes at once corrupts both.
"""

from __future__ import annotations

import os
import re
from typing import Any

from flask import Flask
from gunicorn.glogging import Logger

from portal.extensions import db
from portal.search import analysis

# No client address (behind nginx it is always 127.0.0.1; nginx keeps a truncated one), no
# query string (search terms, tracking numbers), no referrer, no user agent.
ACCESS_LOG_FORMAT = '%(t)s %(p)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
_QUERY = re.compile(r"\?[^\s'\"]*")


def default_workers(cpus: int | None = None) -> int:
    """One sync worker per CPU core, at least 2 (one slow request must not stall the site)."""
    return max(2, cpus if cpus is not None else (os.cpu_count() or 1))


def flask_app(wsgi: Any) -> Flask:
    """The Flask app behind gunicorn's WSGI callable."""
    if not isinstance(wsgi, Flask):
        raise TypeError(f"expected the portal's Flask app, got {type(wsgi).__name__}")
    return wsgi


def before_fork(app: Flask) -> None:
    """In the master, before workers exist: load what every worker would load on its own."""
    analysis.warm_up()


def after_fork(app: Flask) -> None:
    """In a new worker: never reuse a database connection or index handle of the master."""
    with app.app_context():
        db.engine.dispose(close=False)  # the master's connections belong to the master
    app.extensions["portal.search"].close()


def scrub(value: Any) -> Any:
    """A log argument with query strings cut off (``/search?q=…`` -> ``/search?…``)."""
    return _QUERY.sub("?…", value) if isinstance(value, str) else value


class PrivateLogger(Logger):
    """gunicorn's logger, but error lines drop query strings too.

    gunicorn logs the request URI with its query when a request fails outside the app
    ("Error handling request /search?q=…") or cannot be parsed ("Invalid request line").
    """

    def _scrubbed(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(scrub(arg) for arg in args)

    def critical(self, msg, *args, **kwargs):
        super().critical(scrub(msg), *self._scrubbed(args), **kwargs)

    def error(self, msg, *args, **kwargs):
        super().error(scrub(msg), *self._scrubbed(args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(scrub(msg), *self._scrubbed(args), **kwargs)

    def info(self, msg, *args, **kwargs):
        super().info(scrub(msg), *self._scrubbed(args), **kwargs)

    def debug(self, msg, *args, **kwargs):
        super().debug(scrub(msg), *self._scrubbed(args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        super().exception(scrub(msg), *self._scrubbed(args), **kwargs)

    def log(self, lvl, msg, *args, **kwargs):
        super().log(lvl, scrub(msg), *self._scrubbed(args), **kwargs)
