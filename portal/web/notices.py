"""Telling staff what an action did: a notice shown on the page they are sent back to."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response


def back_to(endpoint: str, notice: str, *, anchor: str = "", **values: Any) -> Response:
    """Redirect to ``endpoint`` (after a POST) with ``notice`` shown at the top of it."""
    flash(notice)
    return redirect(url_for(endpoint, **values) + (f"#{anchor}" if anchor else ""))
