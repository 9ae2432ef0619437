"""Who acts in tests that call services directly: a member of staff by name.

Tests about what a role may do name the role (``staff("e", "editor")``); the others act
with every staff role, as a test of behaviour rather than of access."""

from __future__ import annotations

from portal.auth.actor import Actor
from portal.auth.models import ROLES


def staff(name: str, *roles: str) -> Actor:
    """A member of staff called ``name`` with ``roles`` (default: every role)."""
    return Actor.staff(name, *(roles or tuple(ROLES)))
