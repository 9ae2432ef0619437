"""HTTP hardening in one place: security headers on every response (pages, error pages,
static files, feeds, exports, the API), the per-request CSP nonce, the request-size limit,
no file uploads but the staff's and a 补正's, no stored answers to a form, and the refusal
to run the debugger in production."""

from __future__ import annotations

import secrets

from flask import Flask, Response, abort, current_app, has_request_context, request, session

NONCE_BYTES = 16
NONCE_KEY = "portal.csp_nonce"
NONCE_USED_KEY = "portal.csp_nonce_used"
HSTS = "max-age=31536000"  # one year; no includeSubDomains: other hosts of the domain are not ours
REFERRER_POLICY = "strict-origin-when-cross-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def new_nonce() -> str:
    return secrets.token_urlsafe(NONCE_BYTES)


def _request_nonce() -> str:
    # Kept in the WSGI environ, not in ``g``: an app context can outlive one request.
    return request.environ.setdefault(NONCE_KEY, new_nonce())


def csp_nonce() -> str:
    """This request's nonce, for the rare inline ``<script>``/``<style>`` that cannot be a file.

    Templates write ``<script nonce="{{ csp_nonce() }}">``. A body that carries the nonce
    must never be replayed under a later response's header, so such a response loses its
    validators and may not be cached (see ``nonce_used``).
    """
    if not has_request_context():
        return new_nonce()
    request.environ[NONCE_USED_KEY] = True
    return _request_nonce()


def nonce_used() -> bool:
    """Whether this request's body was given the nonce (so it must not be kept or replayed)."""
    return has_request_context() and bool(request.environ.get(NONCE_USED_KEY))


def content_security_policy(nonce: str) -> str:
    """The policy: our own files only, no inline code without the nonce, no plugins, no framing
    by other sites, no ``<base>`` tricks and forms that post only back to the portal."""
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": f"'self' 'nonce-{nonce}'",
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'self'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _served_over_https() -> bool:
    # request.is_secure follows X-Forwarded-Proto when PORTAL_PROXY_COUNT enables ProxyFix;
    # an https PORTAL_BASE_URL means a proxy terminates TLS even if it is not declared.
    return request.is_secure or str(current_app.config.get("BASE_URL", "")).startswith("https://")


def hardening_headers(nonce: str, https: bool) -> list[tuple[str, str]]:
    """The headers every response carries (also used for pages served from the page cache,
    which answers before Flask is entered)."""
    headers = [
        ("Content-Security-Policy", content_security_policy(nonce)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", REFERRER_POLICY),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    ]
    if https:
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STAFF_PREFIX = "/admin/"


#: The resident forms that take files, each named by its area (``accept_uploads``).
UPLOAD_ENDPOINTS: set[str] = set()


def accept_uploads(endpoint: str) -> str:
    """Let residents send files to ``endpoint`` (a view that checks who they are before it
    keeps anything, and sets its own size limit); returns the endpoint."""
    UPLOAD_ENDPOINTS.add(endpoint)
    return endpoint


def refuse_unexpected_uploads() -> None:
    """Refuse a ``multipart/form-data`` body before anything parses it, unless it is sent
    by signed-in staff to the back office (the document editor, the answer to a request)
    or to one of the few resident forms that take files (``UPLOAD_ENDPOINTS``: a 补正 to
    an information request); every other resident form is urlencoded. Parsing spools file
    parts to disk, so an anonymous client could otherwise make every request cost disk
    and time.

    Only the session's account id is looked at here; ``admin.blueprint.guard`` still
    checks the account and its role before any view runs.
    """
    if request.method not in BODY_METHODS or request.mimetype != "multipart/form-data":
        return
    if request.path.startswith(STAFF_PREFIX) and session.get("uid"):
        return
    if request.endpoint in UPLOAD_ENDPOINTS:
        return
    abort(415)


def add_security_headers(response: Response) -> Response:
    """Set the hardening headers, keeping any a view chose for itself. The answer to a
    form (a receipt with its query code, a form shown again with what was typed, a
    tracking result) is never kept by a browser or proxy."""
    headers = response.headers
    for name, value in hardening_headers(_request_nonce(), _served_over_https()):
        headers.setdefault(name, value)
    if request.method in BODY_METHODS:
        headers["Cache-Control"] = "no-store"
    if nonce_used():
        # A cached copy (or a 304 revalidating it) would pair this body's nonce with the
        # next response's header, and the browser would block the inline code.
        headers.pop("ETag", None)
        headers.pop("Last-Modified", None)
        if "no-store" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "private, no-cache"
    return response


def init_app(app: Flask) -> None:
    """Refuse debug mode in production, cap request bodies and add the headers."""
    if app.config.get("ENV") == "production" and app.debug:
        raise RuntimeError(
            "Debug mode must be off in production: it shows tracebacks and an interactive "
            "console (unset FLASK_DEBUG)."
        )
    # Public forms are small; the staff editor raises the limit for its own requests
    # (portal/admin/documents.py sets request.max_content_length).
    max_mb = float(app.config["MAX_REQUEST_MB"])
    app.config["MAX_CONTENT_LENGTH"] = int(max_mb * 1024 * 1024) if max_mb > 0 else None
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # First of all hooks: before CSRF protection reads (and so parses) the form.
    app.before_request(refuse_unexpected_uploads)
    # after_request runs for error-handler responses (404, 405, 413, 429, 500) and for
    # static files too, since Flask serves them through an ordinary view.
    app.after_request(add_security_headers)
