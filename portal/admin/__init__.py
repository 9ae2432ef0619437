"""The staff back office under ``/admin/``."""

from . import (  # noqa: F401  (each module adds its routes to the blueprint)
    audit_log,
    consultations,
    documents,
    inbox,
    reports,
    views,
)
from .blueprint import bp

__all__ = ["bp"]
