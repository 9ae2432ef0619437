"""Staff accounts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.columns import UTCDateTime
from portal.extensions import Model
from portal.timeutil import utcnow

ROLES = {
    "editor": "编辑",
    "reviewer": "审核",
    "handler": "办理",
    "admin": "管理员",
}


class User(Model):
    """A member of staff who signs in to the back office."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(50), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(50))
    role: Mapped[str] = mapped_column(sa.String(12))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    # The TOTP time step (Unix time // 30) of the last code accepted: a code is good once.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    session_version: Mapped[int] = mapped_column(default=1)  # bumped at login and logout
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)
