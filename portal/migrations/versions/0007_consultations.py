"""consultations: structured questions and residents' opinions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consultation_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_consultation_question_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_question")),
    )
    op.create_index(
        op.f("ix_consultation_question_document_id"),
        "consultation_question",
        ["document_id"],
        unique=False,
    )
    op.create_table(
        "opinion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=True),
        sa.Column("contact", sa.String(length=254), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("quarantined", sa.Boolean(), nullable=False),
        sa.Column("quarantine_reason", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("public_content", sa.Text(), nullable=True),
        sa.Column("moderated_at", sa.DateTime(), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("adoption", sa.String(length=12), nullable=True),
        sa.Column("adoption_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_opinion_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion")),
        sa.UniqueConstraint("form_token", name=op.f("uq_opinion_form_token")),
    )
    op.create_index(
        "ix_opinion_document_status", "opinion", ["document_id", "status"], unique=False
    )


def downgrade():
    op.drop_index("ix_opinion_document_status", table_name="opinion")
    op.drop_table("opinion")
    op.drop_index(op.f("ix_consultation_question_document_id"), table_name="consultation_question")
    op.drop_table("consultation_question")
