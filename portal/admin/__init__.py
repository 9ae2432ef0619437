"""The staff back office under ``/admin/``."""

from . import audit_log, views  # noqa: F401  (each module adds its routes to the blueprint)
from .blueprint import bp

__all__ = ["bp"]
