"""政府信息公开 section: each organisation's catalogue (``catalog_node``), the documents
filed under it (``catalog_filing``), its 公开指南's text (``disclosure_guide``) and the
guide's versions (``guide_version``)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organisation_id"],
        ["organisation.id"],
        name=op.f(f"fk_{table}_organisation_id_organisation"),
        ondelete="CASCADE",
    )


def upgrade():
    op.create_table(
        "catalog_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("time_limit", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("update_days", sa.Integer(), nullable=True),
        sa.Column("page", sa.String(length=20), nullable=True),
        sa.Column("part", sa.String(length=20), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("published", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("newest_at", sa.DateTime(), nullable=True),
        _org_fk("catalog_node"),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["catalog_node.id"],
            name=op.f("fk_catalog_node_parent_id_catalog_node"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_node")),
        sa.UniqueConstraint("organisation_id", "key", name="uq_catalog_node_org_key"),
    )
    op.create_index(
        "ix_catalog_node_org_parent",
        "catalog_node",
        ["organisation_id", "parent_id", "position"],
    )
    op.create_index("ix_catalog_node_updated_at", "catalog_node", ["updated_at"])
    op.create_table(
        "catalog_filing",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["catalog_node.id"],
            name=op.f("fk_catalog_filing_node_id_catalog_node"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_catalog_filing_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("node_id", "document_id", name=op.f("pk_catalog_filing")),
    )
    op.create_index("ix_catalog_filing_document", "catalog_filing", ["document_id"])
    op.create_table(
        "disclosure_guide",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("office", sa.String(length=100), nullable=False),
        sa.Column("review_body", sa.String(length=100), nullable=False),
        sa.Column("court", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        _org_fk("disclosure_guide"),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_disclosure_guide")),
    )
    op.create_table(
        "guide_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        _org_fk("guide_version"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guide_version")),
        sa.UniqueConstraint("organisation_id", "number", name="uq_guide_version_org_number"),
    )


def downgrade():
    op.drop_table("guide_version")
    op.drop_table("disclosure_guide")
    op.drop_index("ix_catalog_filing_document", table_name="catalog_filing")
    op.drop_table("catalog_filing")
    op.drop_index("ix_catalog_node_updated_at", table_name="catalog_node")
    op.drop_index("ix_catalog_node_org_parent", table_name="catalog_node")
    op.drop_table("catalog_node")
