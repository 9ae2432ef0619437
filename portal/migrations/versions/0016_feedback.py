"""纠错: residents' reports of an error on a page (``feedback_report``), answered by the
organisation whose page it was within 3 working days

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feedback_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("tracking_no", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=200), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=False),
        sa.Column("page_url", sa.String(length=500), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("quarantined", sa.Boolean(), nullable=False),
        sa.Column("quarantine_reason", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "kind IN ('typo', 'broken_link', 'outdated', 'other')",
            name=op.f("ck_feedback_report_feedback_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('received', 'answered')",
            name=op.f("ck_feedback_report_feedback_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_feedback_report_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_report")),
        sa.UniqueConstraint("form_token", name=op.f("uq_feedback_report_form_token")),
        sa.UniqueConstraint("tracking_no", name=op.f("uq_feedback_report_tracking_no")),
    )
    with op.batch_alter_table("feedback_report") as batch_op:
        batch_op.create_index(
            "ix_feedback_report_org_status", ["organisation_id", "status", "received_at"]
        )


def downgrade():
    with op.batch_alter_table("feedback_report") as batch_op:
        batch_op.drop_index("ix_feedback_report_org_status")
    op.drop_table("feedback_report")
