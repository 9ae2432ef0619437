"""Domain errors raised by services, and the one place they become HTTP responses."""

from __future__ import annotations

from flask import Flask, render_template
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


def _render(code: int, message: str | None = None):
    return (
        render_template(
            "errors/error.html", code=code, title=ERROR_TITLES.get(code, "出错了"), message=message
        ),
        code,
    )


def register_error_handlers(app: Flask) -> None:
    """Map HTTP and domain errors to Chinese error pages."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        response = exc.get_response()
        body, _code = _render(exc.code, exc.description if exc.code == 400 else None)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return _render(404)

    @app.errorhandler(InvalidTransition)
    def invalid_transition(exc: InvalidTransition):
        return _render(409, str(exc))

    @app.errorhandler(NotAuthorized)
    def not_authorized(exc: NotAuthorized):
        return _render(403)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("Unhandled error")
        return _render(500)
