"""错敏词: words platform admins add to the shipped list (``wordcheck_word``) and the words
found in published documents (``word_hit``, for the dashboard)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wordcheck_word",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=50), nullable=False),
        sa.Column("suggestion", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wordcheck_word")),
        sa.UniqueConstraint("word", name=op.f("uq_wordcheck_word_word")),
    )
    op.create_table(
        "word_hit",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_word_hit_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "word", name=op.f("pk_word_hit")),
    )


def downgrade():
    op.drop_table("word_hit")
    op.drop_table("wordcheck_word")
