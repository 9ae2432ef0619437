"""gunicorn settings for the portal. ``gunicorn`` started in this folder reads this file.

    flask --app app db upgrade      # before starting new code
    gunicorn                        # same as: gunicorn -c gunicorn.conf.py wsgi:app

``PORTAL_BIND`` (default 127.0.0.1:8000) and ``PORTAL_WORKERS`` (default 0: one worker per
CPU core, at least 2) choose the socket and the worker count; every other ``PORTAL_*``
setting reaches the app as usual (``PORTAL_SECRET_KEY`` must be set). Command-line options
(``-b``, ``-w``, ...) override this file. nginx in front (deploy/nginx.conf) serves the
static files, buffers slow clients and uploads, and sets ``X-Forwarded-For``/``-Proto``:
run with ``PORTAL_PROXY_COUNT=1``.

New code needs a restart (``systemctl restart portal``), not ``kill -HUP``: with
``preload_app`` the master keeps the code it loaded at start. See docs/deploy.md.
"""

from pathlib import Path

from portal.config import load_settings, require_secret_key
from portal.ops import serving

require_secret_key()  # before binding: a clear message instead of a worker boot loop
_settings = load_settings()

wsgi_app = "wsgi:app"
chdir = str(Path(__file__).resolve().parent)  # relative PORTAL_* paths start here
bind = [_settings["BIND"]]

# Sync workers: one request each, killed and replaced if stuck longer than ``timeout``.
# Behind nginx (which buffers requests and responses) slow clients never hold a worker.
workers = _settings["WORKERS"] or serving.default_workers()
worker_class = "sync"
timeout = 30  # a request running longer than this is stuck: the worker is replaced
graceful_timeout = 30  # on restart, requests in progress get this long to finish
keepalive = 2
max_requests = 50_000  # replace each worker now and then (memory that only grows); not
# much more often: a new worker starts with empty page and feed caches
max_requests_jitter = 5_000  # ... not all of them at the same moment
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"  # heartbeat files off a disk that may stall

# Build the app once in the master: workers fork with jieba's dictionary already loaded
# (saves about 1 s and tens of MB per worker). Safe because the app opens no connection
# or file until first use, and ``post_fork`` resets both anyway (portal/ops/serving.py).
preload_app = True

# Trust X-Forwarded-Proto only from the local nginx; the app's ProxyFix does the rest.
forwarded_allow_ips = "127.0.0.1,::1"

# Logs to stdout/stderr (journald). The access log has no client address, query string,
# referrer or user agent; error lines lose query strings too.
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = serving.ACCESS_LOG_FORMAT
logger_class = serving.PrivateLogger


def when_ready(server):
    """The master is listening; with preload, warm the app up before workers fork."""
    if server.cfg.preload_app:
        serving.before_fork(serving.flask_app(server.app.wsgi()))


def post_fork(server, worker):
    """In each new worker: drop any database connection or index handle of the master."""
    serving.after_fork(serving.flask_app(server.app.wsgi()))
