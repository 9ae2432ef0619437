"""document change log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 23:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_change")),
    )
    with op.batch_alter_table("document_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_change_document_id"), ["document_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("document_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_change_document_id"))
    op.drop_table("document_change")
