"""Domain errors raised by services, and the one place they become HTTP responses."""

from __future__ import annotations

import json

from flask import Flask, Response, current_app, has_request_context, render_template, request
from werkzeug.exceptions import HTTPException


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


ERROR_TITLES = {
    400: "请求有误",
    403: "无权访问",
    404: "页面不存在",
    405: "请求方式不被允许",
    409: "当前状态下不能这样操作",
    413: "提交的内容过大",
    429: "操作过于频繁",
    500: "系统繁忙",
}


# What the JSON API says for each status when the view gave no more specific message.
API_MESSAGES = {
    400: "请求参数有误",
    403: "无权访问",
    404: "请求的资源不存在",
    405: "不支持该请求方式，本接口只接受 GET",
    409: "当前状态下不能这样操作",
    413: "请求过大",
    429: "请求过于频繁，请稍后再试",
    500: "系统繁忙，请稍后再试",
}


def is_api_request() -> bool:
    """Whether this request is for the JSON API (``/api/…``), which never answers in HTML."""
    return has_request_context() and (request.path == "/api" or request.path.startswith("/api/"))


def json_error(
    code: int,
    message: str | None = None,
    field: str | None = None,
    response: Response | None = None,
) -> Response:
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


def _render(code: int, message: str | None = None):
    try:
        page = render_template(
            "errors/error.html", code=code, title=ERROR_TITLES.get(code, "出错了"), message=message
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
        message = {400: exc.description, 413: too_large_message()}.get(exc.code)
        body, _code = _render(exc.code, message)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return json_error(404) if is_api_request() else _render(404)

    @app.errorhandler(InvalidTransition)
    def invalid_transition(exc: InvalidTransition):
        return json_error(409, str(exc)) if is_api_request() else _render(409, str(exc))

    @app.errorhandler(NotAuthorized)
    def not_authorized(exc: NotAuthorized):
        return json_error(403) if is_api_request() else _render(403)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("Unhandled error")
        return json_error(500) if is_api_request() else _render(500)
