"""How an information request arrived (``info_request.channel``: 网络, or 信函, 传真, 当面
registered by a handler) and the draft made from its released information for proactive
disclosure (``info_request.proactive_document_id``, 政府信息公开条例 Art. 44)

Every request stored before this revision came through the portal's form: 网络.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("info_request") as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=10), nullable=False, server_default="网络")
        )
        batch_op.add_column(sa.Column("proactive_document_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_info_request_proactive_document_id_document"),
            "document",
            ["proactive_document_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("info_request") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_info_request_proactive_document_id_document"), type_="foreignkey"
        )
        batch_op.drop_column("proactive_document_id")
        batch_op.drop_column("channel")
