"""Domain errors raised by services, and the one place they become HTTP responses."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask, Response, current_app, has_request_context, render_template, request
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError, UnsupportedMediaType
from werkzeug.wrappers import Response as BaseResponse


class PortalError(Exception):
    """Base class of errors a service raises for the caller to handle."""


class NotFound(PortalError):
    """The thing asked for does not exist (or is not visible to this caller)."""


class NotAuthorized(PortalError):
    """The actor may not do this."""


class ValidationError(PortalError):
    """Input failed validation; ``errors`` maps field name to a Chinese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class InvalidTransition(PortalError):
    """The document is not in a state where this action is allowed."""


class ServiceUnavailable(PortalError):
    """A service the portal depends on (e.g. the search cluster) does not answer now."""

    message = "服务暂时不可用，请稍后再试。"


ERROR_TITLES = {
    400: "请求有误",
    403: "无权访问",
    404: "页面不存在",
    405: "请求方式不被允许",
    409: "当前状态下不能这样操作",
    413: "提交的内容过大",
    415: "不支持的提交方式",
    429: "操作过于频繁",
    500: "系统繁忙",
    503: "服务暂时不可用",
}

EXPIRED_TITLE = "页面已过期"
EXPIRED_MESSAGE = (
    "页面已过期（停留时间过长，或浏览器的会话已结束），刚才的提交没有保存。"
    "请返回上一页，刷新后再次提交。"
)

#: Forms shown again, with what was typed and fresh tokens, when their CSRF check fails:
#: endpoint → a function of no arguments answering the request (status 400). Each view
#: module lists its own forms with ``expired_form``; other pages get the expired page.
EXPIRED_FORMS: dict[str, Callable[[], ResponseReturnValue]] = {}


def expired_form(endpoint: str):
    """Register the decorated function to show ``endpoint``'s form again after a CSRF
    failure, saying "页面已过期，请再次提交" and storing nothing."""

    def register(show: Callable[[], ResponseReturnValue]) -> Callable[[], ResponseReturnValue]:
        EXPIRED_FORMS[endpoint] = show
        return show

    return register


# What the JSON API says for each status when the view gave no more specific message.
API_MESSAGES = {
    400: "请求参数有误",
    403: "无权访问",
    404: "请求的资源不存在",
    405: "不支持该请求方式，本接口只接受 GET",
    409: "当前状态下不能这样操作",
    413: "请求过大",
    415: "不支持的请求格式",
    429: "请求过于频繁，请稍后再试",
    500: "系统繁忙，请稍后再试",
}


#: What to tell a resident for errors Werkzeug describes in English (its descriptions, such
#: as "Host 'evil.example' is not trusted.", are never shown: they may echo the request).
CHINESE_DESCRIPTIONS: dict[type[HTTPException], str] = {
    SecurityError: "本站不接受以这个网址访问，请通过本站的正式网址访问。",
    UnsupportedMediaType: (
        "本站的表单不接受以上传文件的方式提交，刚才的提交没有保存。请返回上一页，刷新后重新提交。"
    ),
}


def is_api_request() -> bool:
    """Whether this request is for the JSON API (``/api/…``), which never answers in HTML."""
    return has_request_context() and (request.path == "/api" or request.path.startswith("/api/"))


def json_error(
    code: int,
    message: str | None = None,
    field: str | None = None,
    response: BaseResponse | None = None,
) -> BaseResponse:
    """The API's one error shape: ``{"error": {"code", "message", "field"?}}``.

    ``response`` (e.g. a 405's, with its ``Allow`` header) is reused when given.
    """
    message = message or API_MESSAGES.get(code, "出错了")
    error: dict[str, object] = {"code": code, "message": message}
    if field:
        error["field"] = field
    response = response or Response(status=code)
    response.status_code = code
    response.set_data(json.dumps({"error": error}, ensure_ascii=False))
    response.content_type = "application/json"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    return response


# Shown when even the error page cannot be rendered (e.g. the database is down while the
# page template needs it): static text, never a traceback.
FALLBACK_PAGE = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>系统繁忙</title></head><body><h1>系统繁忙</h1>"
    "<p>系统暂时无法处理您的请求，请稍后再试。问题已记录，我们会尽快处理。</p>"
    '<p><a href="/">返回首页</a></p></body></html>'
)


def too_large_message() -> str:
    """What a resident whose form was refused as too large should do next."""
    limit = request.max_content_length if has_request_context() else None
    size = f"（最多 {limit / 1024 / 1024:g} MB）" if limit else ""
    return (
        f"您提交的内容超过了本站允许的大小{size}。"
        "请返回上一页，删减文字或减少、压缩附件后重新提交。"
    )


def _bind_urls_on_a_trusted_host() -> None:
    """A request refused for its ``Host`` has no URL adapter (Flask builds one from the
    host it refused): give the error page one on a trusted name, so its links work and
    none is ever built from the refused name."""
    if request_ctx.url_adapter is None:
        host = (current_app.config.get("TRUSTED_HOSTS") or ["localhost"])[0].lstrip(".")
        request_ctx.url_adapter = current_app.url_map.bind(
            host, script_name=request.script_root or None, url_scheme=request.scheme
        )


def render_error(code: int, message: str | None = None, title: str | None = None):
    """The Chinese error page for ``code`` (static text if even that cannot be rendered)."""
    try:
        page = render_template(
            "errors/error.html",
            code=code,
            title=title or ERROR_TITLES.get(code, "出错了"),
            message=message,
        )
    except Exception:
        current_app.logger.exception("The error page could not be rendered")
        page = FALLBACK_PAGE
    return page, code


def register_error_handlers(app: Flask) -> None:
    """Map HTTP and domain errors to Chinese error pages (JSON errors under ``/api/``)."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        response = exc.get_response()
        if is_api_request():
            return json_error(exc.code, response=response)
        if isinstance(exc, SecurityError):
            _bind_urls_on_a_trusted_host()
        if exc.code == 413:
            # One line, no traceback: an oversized body is the client's doing, not a fault.
            current_app.logger.warning(
                "413: %s %s body over the limit (%s bytes)",
                request.method,
                request.path,
                request.content_length,
            )
        message = too_large_message() if exc.code == 413 else CHINESE_DESCRIPTIONS.get(type(exc))
        body, _code = render_error(exc.code, message)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError):
        # The session ended or the page stayed open too long: nothing was stored. A
        # resident form comes back as it was typed, with fresh tokens; elsewhere a page
        # says what happened (Flask-WTF's own text is English).
        if is_api_request():
            return json_error(400, "页面已过期，请刷新后重试")
        show = EXPIRED_FORMS.get(request.endpoint or "")
        if show is not None:
            return show()
        return render_error(400, EXPIRED_MESSAGE, EXPIRED_TITLE)

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return json_error(404) if is_api_request() else render_error(404)

    @app.errorhandler(InvalidTransition)
    def invalid_transition(exc: InvalidTransition):
        return json_error(409, str(exc)) if is_api_request() else render_error(409, str(exc))

    @app.errorhandler(ServiceUnavailable)
    def unavailable(exc: ServiceUnavailable):
        if is_api_request():
            return json_error(503, exc.message)
        return render_error(503, exc.message)

    @app.errorhandler(NotAuthorized)
    def not_authorized(exc: NotAuthorized):
        return json_error(403) if is_api_request() else render_error(403)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("Unhandled error")
        return json_error(500) if is_api_request() else render_error(500)
