"""Staff accounts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    #: Manages organisations and accounts, and sees the supervision view (监管) of all.
    platform_admin: Mapped[bool] = mapped_column(default=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    # The TOTP time step (Unix time // 30) of the last code accepted: a code is good once.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    session_version: Mapped[int] = mapped_column(default=1)  # bumped at login and logout
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id"
    )

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class Membership(Model):
    """A role a member of staff holds in one organisation (editor in one office, reviewer
    in another)."""

    __tablename__ = "membership"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "organisation_id", "role", name="uq_membership"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(12))

    user: Mapped[User] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership {self.user_id} {self.organisation_id} {self.role}>"

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)
