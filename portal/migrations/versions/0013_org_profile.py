"""an organisation's 机构概况 (政府信息公开条例 Art. 20(二)): functions and directions with the
date of the last review (``org_profile``), its 内设机构 (``org_unit``) and leaders
(``org_leader``)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organisation_id"],
        ["organisation.id"],
        name=op.f(f"fk_{table}_organisation_id_organisation"),
        ondelete="CASCADE",
    )


def upgrade():
    op.create_table(
        "org_profile",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("functions", sa.Text(), nullable=False),
        sa.Column("directions", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=False),
        _org_fk("org_profile"),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_org_profile")),
    )
    for table, columns in (
        (
            "org_unit",
            [
                sa.Column("name", sa.String(length=100), nullable=False),
                sa.Column("duties", sa.Text(), nullable=False),
                sa.Column("phone", sa.String(length=50), nullable=False),
            ],
        ),
        (
            "org_leader",
            [
                sa.Column("name", sa.String(length=50), nullable=False),
                sa.Column("post", sa.String(length=100), nullable=False),
                sa.Column("duties", sa.Text(), nullable=False),
            ],
        ),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("organisation_id", sa.Integer(), nullable=False),
            sa.Column("sort", sa.Integer(), nullable=False),
            *columns,
            _org_fk(table),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
        op.create_index(
            op.f(f"ix_{table}_organisation_id"), table, ["organisation_id"], unique=False
        )


def downgrade():
    for table in ("org_leader", "org_unit"):
        op.drop_index(op.f(f"ix_{table}_organisation_id"), table_name=table)
        op.drop_table(table)
    op.drop_table("org_profile")
