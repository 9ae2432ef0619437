"""The open-data JSON API (``/api/v1/…``), described by ``/api/openapi.json``."""

from portal.api.views import bp

__all__ = ["bp"]
