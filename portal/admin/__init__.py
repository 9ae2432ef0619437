"""The staff back office under ``/admin/``."""

from . import views  # noqa: F401  (each module adds its routes to the blueprint)
from .blueprint import bp

__all__ = ["bp"]
