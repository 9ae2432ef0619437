"""organisations: the unit of disclosure of a district platform (政府网站集约化)

- ``organisation``: code, names, kind, 统一社会信用代码, parent, sort, contact facts; the
  first one is made from the ``PORTAL_ORG_*`` settings (the demo's: 东晓街道), and every
  existing document, message, information request, Table 四 row and audit row (but the
  sign-ins) becomes its.
- ``document``: slugs unique per organisation and kind; indexes for an organisation's lists.
- ``review_litigation_figures``: one row per organisation and year.
- ``membership``: (staff account, organisation, role) replaces ``staff_user.role``; the
  admins of a one-office site become platform admins (they managed its accounts).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:30:00

"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DEFAULTS = {
    "HOME_ORG": "",
    "ORG_CODE": "dongxiao",
    "ORG_NAME": "深圳市罗湖区东晓街道办事处",
    "ORG_SHORT_NAME": "东晓街道",
    "ORG_CREDIT_CODE": "11440303MB2C93574X",
}
OWNED = ("document", "message", "info_request", "review_litigation_figures")


def _settings() -> dict[str, Any]:
    try:
        from flask import current_app

        return {key: current_app.config.get(key, value) for key, value in DEFAULTS.items()}
    except RuntimeError:  # no application context: plain alembic
        return dict(DEFAULTS)


def _org_fk(table: str) -> dict[str, Any]:
    return {
        "constraint_name": op.f(f"fk_{table}_organisation_id_organisation"),
        "referent_table": "organisation",
        "local_cols": ["organisation_id"],
        "remote_cols": ["id"],
    }


def upgrade():
    organisation = op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("short_name", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("office_hours", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("fax", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("postcode", sa.String(length=6), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('government', 'department', 'street', 'other')",
            name=op.f("ck_organisation_org_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["organisation.id"],
            name=op.f("fk_organisation_parent_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("code", name=op.f("uq_organisation_code")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_organisation_credit_code")),
    )
    settings = _settings()
    from datetime import UTC, datetime

    op.bulk_insert(
        organisation,
        [
            {
                "id": 1,
                "code": settings["HOME_ORG"] or settings["ORG_CODE"],
                "name": settings["ORG_NAME"],
                "short_name": settings["ORG_SHORT_NAME"],
                "kind": "street",
                "credit_code": settings["ORG_CREDIT_CODE"],
                "parent_id": None,
                "sort": 0,
                "address": "",
                "office_hours": "",
                "phone": "",
                "fax": "",
                "email": "",
                "postcode": "",
                "created_at": datetime.now(UTC).replace(tzinfo=None),
                "updated_at": datetime.now(UTC).replace(tzinfo=None),
            }
        ],
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # the explicit id 1 leaves the sequence behind
        op.execute("SELECT setval('organisation_id_seq', 1)")

    for table in OWNED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET organisation_id = 1")
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(**_org_fk(table), ondelete="RESTRICT")

    with op.batch_alter_table("document") as batch_op:
        batch_op.drop_constraint("uq_document_kind_slug", type_="unique")
        batch_op.create_unique_constraint(
            "uq_document_org_kind_slug", ["organisation_id", "kind", "slug"]
        )
        batch_op.create_index(
            "ix_document_org_kind_status_published",
            ["organisation_id", "kind", "status", "published_at"],
        )
        batch_op.create_index(
            "ix_document_org_status_published", ["organisation_id", "status", "published_at"]
        )
    with op.batch_alter_table("message") as batch_op:
        batch_op.create_index(
            "ix_message_org_public", ["organisation_id", "published", "replied_at"]
        )
        batch_op.create_index("ix_message_org_status", ["organisation_id", "status", "received_at"])
    with op.batch_alter_table("info_request") as batch_op:
        batch_op.create_index("ix_info_request_org_status", ["organisation_id", "status"])
    with op.batch_alter_table("review_litigation_figures") as batch_op:
        batch_op.drop_constraint(op.f("uq_review_litigation_figures_year"), type_="unique")
        batch_op.create_unique_constraint("uq_review_org_year", ["organisation_id", "year"])

    with op.batch_alter_table("audit_record") as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(**_org_fk("audit_record"), ondelete="RESTRICT")
        batch_op.create_index(op.f("ix_audit_record_organisation_id"), ["organisation_id"])
    op.execute("UPDATE audit_record SET organisation_id = 1 WHERE target_type <> 'user'")

    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_user.id"],
            name=op.f("fk_membership_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_membership_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("user_id", "organisation_id", "role", name="uq_membership"),
    )
    op.create_index(op.f("ix_membership_user_id"), "membership", ["user_id"])
    op.create_index(op.f("ix_membership_organisation_id"), "membership", ["organisation_id"])
    op.execute(
        "INSERT INTO membership (user_id, organisation_id, role) SELECT id, 1, role FROM staff_user"
    )
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.add_column(
            sa.Column("platform_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE staff_user SET platform_admin = (role = 'admin')")
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_column("role")


def downgrade():
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=12), nullable=False, server_default="editor")
        )
    op.execute(
        "UPDATE staff_user SET role = COALESCE((SELECT MIN(role) FROM membership"
        " WHERE membership.user_id = staff_user.id), 'editor')"
    )
    op.execute("UPDATE staff_user SET role = 'admin' WHERE platform_admin")
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_column("platform_admin")
    op.drop_table("membership")
    with op.batch_alter_table("audit_record") as batch_op:
        batch_op.drop_index(op.f("ix_audit_record_organisation_id"))
        batch_op.drop_constraint(
            op.f("fk_audit_record_organisation_id_organisation"), type_="foreignkey"
        )
        batch_op.drop_column("organisation_id")
    with op.batch_alter_table("review_litigation_figures") as batch_op:
        batch_op.drop_constraint("uq_review_org_year", type_="unique")
        batch_op.create_unique_constraint(op.f("uq_review_litigation_figures_year"), ["year"])
    with op.batch_alter_table("info_request") as batch_op:
        batch_op.drop_index("ix_info_request_org_status")
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_index("ix_message_org_public")
        batch_op.drop_index("ix_message_org_status")
    with op.batch_alter_table("document") as batch_op:
        batch_op.drop_index("ix_document_org_kind_status_published")
        batch_op.drop_index("ix_document_org_status_published")
        batch_op.drop_constraint("uq_document_org_kind_slug", type_="unique")
        batch_op.create_unique_constraint("uq_document_kind_slug", ["kind", "slug"])
    for table in OWNED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(
                op.f(f"fk_{table}_organisation_id_organisation"), type_="foreignkey"
            )
            batch_op.drop_column("organisation_id")
    op.drop_table("organisation")
