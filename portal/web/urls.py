"""Building URLs: this page with other arguments, and absolute URLs for feeds and machines."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from flask import current_app, request, url_for


def url_with(**changes: object) -> str:
    """This page's URL with some query arguments changed (empty ones dropped, page reset)."""
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    args.update(changes)
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return url_for(request.endpoint or "public.home", **(request.view_args or {}), **args)


def absolute(path: str) -> str:
    """``path`` as an absolute URL: under ``PORTAL_BASE_URL``, else this (trusted) host."""
    base = current_app.config.get("BASE_URL") or request.host_url
    return urljoin(base.rstrip("/") + "/", path.lstrip("/"))
