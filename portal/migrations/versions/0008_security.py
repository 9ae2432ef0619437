"""staff accounts: the TOTP time step last used, so a code signs in only once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_column("totp_last_step")
