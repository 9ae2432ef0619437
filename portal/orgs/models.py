"""Organisations: the unit of disclosure on a district platform (政府网站集约化)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.columns import UTCDateTime
from portal.extensions import Model
from portal.states import status_type
from portal.timeutil import utcnow


class OrgKind(StrEnum):
    """What kind of 行政机关 an organisation is (the CLI's ``--kind``)."""

    GOVERNMENT = "government"
    DEPARTMENT = "department"
    STREET = "street"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ORG_KIND_LABELS[self]


ORG_KIND_LABELS = {
    OrgKind.GOVERNMENT: "人民政府",
    OrgKind.DEPARTMENT: "政府部门",
    OrgKind.STREET: "街道办事处",
    OrgKind.OTHER: "其他",
}
#: The groups of ``/orgs/``, in order: the government, its departments, the 街道, the rest.
KIND_ORDER = (OrgKind.GOVERNMENT, OrgKind.DEPARTMENT, OrgKind.STREET, OrgKind.OTHER)

#: Contact facts a resident needs, as column -> label (all optional).
CONTACT_FIELDS: dict[str, str] = {
    "address": "办公地址",
    "office_hours": "办公时间",
    "phone": "联系电话",
    "fax": "传真",
    "email": "电子邮箱",
    "postcode": "邮政编码",
}


class Organisation(Model):
    """A 行政机关 whose government information the platform publishes in its own 专栏."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    short_name: Mapped[str] = mapped_column(sa.String(50))
    kind: Mapped[OrgKind] = mapped_column(status_type(OrgKind, "org_kind"))
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    sort: Mapped[int] = mapped_column(default=0)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    office_hours: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(50), default="")
    fax: Mapped[str] = mapped_column(sa.String(50), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    postcode: Mapped[str] = mapped_column(sa.String(6), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"

    @property
    def kind_label(self) -> str:
        return self.kind.label

    def contacts(self) -> list[tuple[str, str]]:
        """The contact facts that are filled in, as (label, value)."""
        return [
            (label, value)
            for name, label in CONTACT_FIELDS.items()
            if (value := getattr(self, name))
        ]


#: How long an organisation's 机构概况 may go without a review before the dashboard warns.
PROFILE_REVIEW_DAYS = 183


class OrgProfile(Model):
    """An organisation's 机构概况 beyond its contacts (政府信息公开条例 Art. 20(二)): what it
    does, how to get there, and when its admins last checked that it is all still true."""

    __tablename__ = "org_profile"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    functions: Mapped[str] = mapped_column(sa.Text, default="")
    directions: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str] = mapped_column(sa.String(100), default="")


class OrgUnit(Model):
    """A 内设机构 of an organisation: its name, duties and phone."""

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    sort: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(100))
    duties: Mapped[str] = mapped_column(sa.Text, default="")
    phone: Mapped[str] = mapped_column(sa.String(50), default="")


class OrgLeader(Model):
    """A leader of an organisation (领导信息): public officials' names and posts are public."""

    __tablename__ = "org_leader"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    sort: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(50))
    post: Mapped[str] = mapped_column(sa.String(100))
    duties: Mapped[str] = mapped_column(sa.Text, default="")
