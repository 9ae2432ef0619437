"""audit log: client IP address and a time index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 01:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_record") as batch_op:
        batch_op.add_column(sa.Column("ip", sa.String(length=45), nullable=True))
        batch_op.create_index("ix_audit_record_created_at", ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_record") as batch_op:
        batch_op.drop_index("ix_audit_record_created_at")
        batch_op.drop_column("ip")
