"""Files of information requests (``info_request_file``): what an applicant sends with a
补正 online and what the office attaches to its answer (告知书, the information released)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "info_request_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["info_request.id"],
            name=op.f("fk_info_request_file_request_id_info_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["info_request_event.id"],
            name=op.f("fk_info_request_file_event_id_info_request_event"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_request_file")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_info_request_file_stored_name")),
    )
    with op.batch_alter_table("info_request_file") as batch_op:
        batch_op.create_index(batch_op.f("ix_info_request_file_request_id"), ["request_id"])


def downgrade():
    with op.batch_alter_table("info_request_file") as batch_op:
        batch_op.drop_index(batch_op.f("ix_info_request_file_request_id"))
    op.drop_table("info_request_file")
