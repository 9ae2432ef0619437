"""A re-issued query code waits beside the old one (``pending_code_hash``, issued at
``pending_code_at``) until it is first used, so asking for a new code by tracking number
cannot lock the resident out

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TABLES = ("message", "info_request", "feedback_report")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column("pending_code_hash", sa.String(length=200), nullable=True)
            )
            batch_op.add_column(sa.Column("pending_code_at", sa.DateTime(), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("pending_code_at")
            batch_op.drop_column("pending_code_hash")
