"""``/healthz``: one JSON answer for monitoring and load balancers (503 when a check fails)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from portal.ops import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Tell monitoring whether the portal can do its job: database, index, calendar, disk."""
    report = health.run()
    response = jsonify(report)
    response.status_code = 503 if report["status"] == health.FAIL else 200
    response.headers["Cache-Control"] = "no-store"
    return response
