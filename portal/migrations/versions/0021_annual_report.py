"""The annual disclosure report as written, reviewed and published (``disclosure_report``):
one row per organisation and year with its texts, 信息处理费, workflow and, once published,
its frozen figures and the document it was filed as

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "disclosure_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("overview", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("other", sa.Text(), nullable=False),
        sa.Column("fee_notices", sa.Integer(), nullable=True),
        sa.Column("fee_notified", sa.String(length=20), nullable=True),
        sa.Column("fee_collected", sa.String(length=20), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("returned_note", sa.Text(), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'in_review', 'published')",
            name=op.f("ck_disclosure_report_report_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_disclosure_report_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_disclosure_report_document_id_document"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_report")),
        sa.UniqueConstraint("organisation_id", "year", name="uq_disclosure_report_org_year"),
    )


def downgrade():
    op.drop_table("disclosure_report")
